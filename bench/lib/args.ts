import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';

/**
 * `parseArgs` for a bench script run by a person: `--help` prints the script's doc comment, where its usage is
 * written once, and a misspelt option prints the error with that comment and exits 2, not a stack trace.
 */
export function benchArgs<const O extends ParseArgsOptionsConfig>(scriptUrl: string, config: { options: O }) {
  const args = process.argv.slice(2);
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(usageOf(scriptUrl));
    process.exit(0);
  }
  try {
    return parseArgs({ args, options: config.options });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`${message}\n\n${usageOf(scriptUrl)}`);
    process.exit(2);
  }
}

/** The script's first doc comment, without its comment marks. */
function usageOf(scriptUrl: string): string {
  const source = readFileSync(fileURLToPath(scriptUrl), 'utf8');
  const comment = /\/\*\*\n([\s\S]*?)\*\//.exec(source)?.[1] ?? '';
  return comment
    .split('\n')
    .map((line) => line.replace(/^ \* ?/, '').replace(/^ $/, ''))
    .join('\n');
}
