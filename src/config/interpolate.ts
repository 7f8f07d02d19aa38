import { isMap, isScalar, isSeq, type Node, type Scalar } from 'yaml';
import { closestMatch } from './suggest.ts';

/** Where `${NAME}` references are looked up; the loader passes process.env unless a test injects one. */
export type Env = Readonly<Record<string, string | undefined>>;

export type Interpolation =
  | { readonly isOk: true; readonly value: string; readonly isFromEnv: boolean }
  | { readonly isOk: false; readonly message: string };

export interface InterpolationProblem {
  readonly path: readonly (string | number)[];
  readonly node: Scalar;
  readonly message: string;
}

export interface InterpolatedDocument {
  /** Source text of every scalar whose value came from the environment, so errors show `${VAR}`, not a secret. */
  readonly sourceByNode: ReadonlyMap<Node, string>;
  /** References that could not be expanded; their scalars keep the `${NAME}` text as a placeholder. */
  readonly problems: readonly InterpolationProblem[];
}

const reference = /^([A-Za-z_][A-Za-z0-9_]*)(?::-(.*))?$/s;
const wholeReference = /^\$\{[^}]*\}$/;

/**
 * Expands `${NAME}` and `${NAME:-default}` (default when unset or empty, as in POSIX sh); `$${` is a literal `${`.
 * Works on one scalar's text, so a variable can never add YAML structure.
 */
export function interpolateText(text: string, env: Env): Interpolation {
  let value = '';
  let isFromEnv = false;
  let at = 0;
  for (let start = text.indexOf('$', at); start !== -1; start = text.indexOf('$', at)) {
    value += text.slice(at, start);
    if (text.startsWith('$${', start)) {
      [value, at] = [value + '${', start + 3];
      continue;
    }
    if (!text.startsWith('${', start)) {
      [value, at] = [value + '$', start + 1];
      continue;
    }
    const end = text.indexOf('}', start);
    if (end === -1) return { isOk: false, message: `unclosed "\${" (write "$\${" for a literal "\${")` };
    const resolved = resolveReference(text.slice(start + 2, end), env);
    if (!resolved.isOk) return resolved;
    [value, at, isFromEnv] = [value + resolved.value, end + 1, true];
  }
  return { isOk: true, value: value + text.slice(at), isFromEnv };
}

function resolveReference(body: string, env: Env): Interpolation {
  const match = reference.exec(body);
  if (!match)
    return {
      isOk: false,
      message: `"\${${body}}" is not a valid reference; use \${NAME} or \${NAME:-default}`,
    };
  const [, name = '', fallback] = match;
  const found = env[name];
  if (found !== undefined && (found !== '' || fallback === undefined))
    return { isOk: true, value: found, isFromEnv: true };
  if (fallback !== undefined) return { isOk: true, value: fallback, isFromEnv: true };
  // Only a name is offered, never a value: the variable may hold a secret.
  const nearName = closestMatch(
    name,
    Object.keys(env).filter((key) => env[key] !== undefined),
  );
  const hint = nearName
    ? `did you mean ${nearName}? It is set`
    : `write \${${name}:-default} to give a default`;
  return { isOk: false, message: `environment variable ${name} is not set (${hint})` };
}

/** Interpolates every scalar value (never a key) of a parsed document in place. */
export function interpolateDocument(root: Node | null, env: Env): InterpolatedDocument {
  const sourceByNode = new Map<Node, string>();
  const problems: InterpolationProblem[] = [];
  const visit = (node: unknown, path: (string | number)[]): void => {
    if (isMap(node)) for (const pair of node.items) visit(pair.value, [...path, keyText(pair.key)]);
    else if (isSeq(node)) node.items.forEach((item, index) => visit(item, [...path, index]));
    // Aliases are skipped: they share the anchored node, which is expanded where it is defined.
    else if (isScalar(node) && typeof node.value === 'string') {
      const source = node.value;
      const result = interpolateText(source, env);
      if (!result.isOk) {
        // The text stays as a placeholder, so the rest of the file is still checked; it shows as its source.
        problems.push({ path, node, message: result.message });
        sourceByNode.set(node, source);
      } else {
        node.value =
          node.type === 'PLAIN' && wholeReference.test(source) ? plainScalar(result.value) : result.value;
        if (result.isFromEnv) sourceByNode.set(node, source);
      }
    }
  };
  visit(root, []);
  return { sourceByNode, problems };
}

export function keyText(key: unknown): string {
  return isScalar(key) ? String(key.value) : String(key);
}

/** An unquoted `${PORT}` reads as YAML would read the value written in place: numbers and booleans keep their type. */
function plainScalar(text: string): string | number | boolean {
  if (/^(true|True|TRUE)$/.test(text)) return true;
  if (/^(false|False|FALSE)$/.test(text)) return false;
  if (/^[-+]?(\d+|\d*\.\d+|\d+\.\d*)([eE][-+]?\d+)?$/.test(text)) return Number(text);
  return text;
}
