import { execFile } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

/**
 * Counting a process's instructions with valgrind's callgrind, which counts the instructions it executes
 * in user space (every thread, the kernel's work excluded) whatever else the machine is doing. The process
 * starts with counting off; `countDuring` turns it on around some work and reads the dump callgrind writes.
 */

const run = promisify(execFile);

/** The valgrind arguments that put a Node process under callgrind, counting off until asked. */
export function callgrindArgs(outFilePattern: string): string[] {
  return [
    '--tool=callgrind',
    '--instr-atstart=no',
    `--callgrind-out-file=${outFilePattern}`,
    // V8 writes machine code at run time, outside any file mapping; valgrind must watch it for changes.
    '--smc-check=all-non-file',
  ];
}

/**
 * Node flags for counting: JIT-compiled functions named in /tmp/perf-PID.map, read by `functionCosts`.
 * `--perf-basic-prof` also turns on V8's own log, which would land in the working directory as
 * isolate-*.log; it goes to `logDir` instead.
 */
export function nodeFlagsForCounting(logDir: string): string[] {
  return ['--perf-basic-prof', '--no-logfile-per-isolate', `--logfile=${join(logDir, 'v8.log')}`];
}

/** A process running under callgrind (see `callgrindArgs`), whose counting this side turns on and off. */
export class CountedProcess {
  readonly pid: number;
  readonly #outFile: string;
  #dumps = 0;

  /** `outFile`: the `--callgrind-out-file` pattern with `%p` replaced by the pid. */
  constructor(pid: number, outFile: string) {
    this.pid = pid;
    this.#outFile = outFile;
  }

  /** Counts while `work` runs; resolves with the dump's path (callgrind numbers a process's dumps from 1). */
  async countDuring(work: () => Promise<void>): Promise<string> {
    await this.#control('-i', 'on');
    await work();
    await this.#control('-d');
    await this.#control('-i', 'off');
    this.#dumps += 1;
    return `${this.#outFile}.${this.#dumps}`;
  }

  async #control(...args: string[]): Promise<void> {
    await run('callgrind_control', [...args, String(this.pid)]);
  }
}

/** The dump's total instruction count (callgrind's `totals:` line). */
export function totalInstructions(dumpPath: string): number {
  const match = /^totals: (\d+)/m.exec(readFileSync(dumpPath, 'utf8'));
  if (!match) throw new Error(`${dumpPath}: no totals line`);
  return Number(match[1]);
}

/** Instructions by function, each counting its own code only (callgrind_annotate's exclusive cost). */
export async function functionCosts(dumpPath: string, pid: number): Promise<Map<string, number>> {
  const { stdout } = await run('callgrind_annotate', ['--threshold=100', dumpPath], {
    maxBuffer: 256 * 1024 * 1024,
  });
  const jitNames = readPerfMap(pid);
  const costs = new Map<string, number>();
  let inTable = false;
  for (const line of stdout.split('\n')) {
    if (line.includes('file:function')) inTable = true;
    const match = inTable ? /^\s*([\d,]+)\s+\([^)]*\)\s+(.*)$/.exec(line) : null;
    if (!match) continue;
    const name = functionName(match[2]!, jitNames);
    costs.set(name, (costs.get(name) ?? 0) + Number(match[1]!.replaceAll(',', '')));
  }
  return costs;
}

const gcWork =
  /Scaveng|MarkCompact|Marking|Sweep|Evacuat|MinorMS|RememberedSet|SlotSet|heap::base::|IterateObjectCache|OnMoveEvent|Heap::|Root(s)?Visitor/;

/** What kind of work a function is, for the table: V8's JIT compilers, its garbage collector, or the rest. */
export function costKind(name: string): 'compiler' | 'gc' | 'other' {
  if (/v8::internal::(compiler|maglev|turboshaft)::|Turboshaft|Maglev/.test(name)) return 'compiler';
  if (gcWork.test(name)) return 'gc';
  return 'other';
}

/** JIT-compiled code shows as `???:0xADDRESS`: named from V8's perf map, where it has an entry. */
function functionName(raw: string, jitNames: JitNames): string {
  const address = /^\?\?\?:0x([0-9a-f]+)/.exec(raw);
  if (address) return jitNames.nameAt(Number.parseInt(address[1]!, 16)) ?? 'JIT code (unnamed)';
  return (
    raw
      .replace(/\s*\[[^\]]*\]$/, '')
      .replace(/^\?\?\?:/, '')
      .replace(/^.*\/node_modules\//, '')
      // C++ names without their (long, templated) parameter lists.
      .replaceAll('(anonymous namespace)', '{anonymous}')
      .replace(/^([^(]*::[^(]*)\(.*\).*$/, '$1')
  );
}

interface JitNames {
  nameAt(address: number): string | undefined;
}

function readPerfMap(pid: number): JitNames {
  let text: string;
  try {
    text = readFileSync(`/tmp/perf-${pid}.map`, 'utf8');
  } catch {
    return { nameAt: () => undefined };
  }
  const entries = text
    .split('\n')
    .map((line) => /^([0-9a-f]+) ([0-9a-f]+) (.*)$/.exec(line))
    .filter((m) => m !== null)
    .map((m) => ({ start: Number.parseInt(m[1]!, 16), size: Number.parseInt(m[2]!, 16), name: tidy(m[3]!) }))
    .sort((a, b) => a.start - b.start);
  const starts = entries.map((e) => e.start);
  return {
    nameAt(address) {
      // The last entry starting at or before the address, if the address falls inside it.
      let low = 0;
      let high = starts.length - 1;
      let found = -1;
      while (low <= high) {
        const middle = (low + high) >> 1;
        if (starts[middle]! <= address) {
          found = middle;
          low = middle + 1;
        } else high = middle - 1;
      }
      for (let i = found; i >= 0 && i > found - 50; i--) {
        const entry = entries[i]!;
        if (address < entry.start + entry.size) return entry.name;
      }
      return undefined;
    },
  };
}

/** `JS:*'name file:///work/main/src/x.ts:1:2` → `JS name src/x.ts:1:2`; the tier marks (`*` TurboFan) go. */
function tidy(name: string): string {
  return name
    .replace(/^JS:[*+~^]?'?/, 'JS ')
    .replace(/file:\/\/\S*?\/(src|bench)\//, '$1/')
    .replace(/\S*\/node_modules\//, '');
}

export function removePerfMap(pid: number): void {
  rmSync(`/tmp/perf-${pid}.map`, { force: true });
}
