import { isMap, isPair, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';
import type { ConfigIssue } from './config-error.ts';
import { keyText } from './interpolate.ts';
import { formatPath, positionAt, positionOf, type YamlPath } from './locate.ts';
import { quote } from './describe-issue.ts';

/**
 * YAML syntax errors in the shape of every other config error: `file:line:col path: message, found …`. The
 * path is that of the innermost entry the error lies in, as far as the parser got.
 */
export function syntaxIssues(
  document: Document,
  lineCounter: LineCounter,
  file: string,
  text: string,
): ConfigIssue[] {
  // After the first real syntax error the parser reports a cascade of follow-on errors; only the first helps.
  const firstBreak = document.errors.find((error) => error.code !== 'DUPLICATE_KEY');
  const kept = document.errors.filter((error) => error.code === 'DUPLICATE_KEY' || error === firstBreak);
  return kept.map((error) => {
    const offset = error.pos[0];
    const { line, column } = positionAt(offset, lineCounter);
    if (error.code === 'DUPLICATE_KEY') {
      const duplicate = duplicateAt(document.contents, offset, []);
      if (duplicate) {
        const first = positionOf(duplicate.first, lineCounter).line;
        const message = `duplicate key ${quote(duplicate.key)}, first set at line ${first}; keep one`;
        return { file, path: formatPath(duplicate.path), line, column, message };
      }
    }
    const lineText = text.split('\n')[line - 1] ?? '';
    // `{` and `}` end a plain scalar inside flow collections, so an unquoted ${VAR} there breaks the YAML.
    const hint =
      error === firstBreak && /[{[].*\$\{/.test(lineText)
        ? ' (quote values that use ${...} inside { } or [ ])'
        : '';
    const rest = lineText.slice(column - 1).trimEnd();
    const found = rest ? quote(rest) : offset >= text.length ? 'the end of the file' : 'the end of the line';
    const reason = (error.message.split('\n')[0] ?? error.code).replace(/^./, (c) => c.toLowerCase());
    return {
      file,
      path: formatPath(pathAt(document.contents, offset, [])),
      line,
      column,
      message: `invalid YAML: ${reason}, found ${found}${hint}`,
    };
  });
}

interface Duplicate {
  readonly key: string;
  readonly path: YamlPath;
  readonly first: Node;
}

/** The repeated key whose node starts at `offset`, with its path and the node of its first use. */
function duplicateAt(node: unknown, offset: number, path: YamlPath): Duplicate | undefined {
  if (isMap(node)) {
    for (const [i, pair] of node.items.entries()) {
      const key = keyText(pair.key);
      if (isNode(pair.key) && pair.key.range?.[0] === offset) {
        const first = node.items.slice(0, i).find((p) => isPair(p) && keyText(p.key) === key);
        if (first && isNode(first.key)) return { key, path: [...path, key], first: first.key };
      }
      const found = duplicateAt(pair.value, offset, [...path, key]);
      if (found) return found;
    }
  }
  if (isSeq(node))
    for (const [i, item] of node.items.entries()) {
      const found = duplicateAt(item, offset, [...path, i]);
      if (found) return found;
    }
  return undefined;
}

/** The path of the innermost mapping entry or list item whose value spans `offset`. */
function pathAt(node: unknown, offset: number, path: YamlPath): YamlPath {
  if (isMap(node)) {
    const pair = node.items.find(
      (p) => isNode(p.key) && (p.key.range?.[0] ?? Infinity) <= offset && spans(p.value, offset),
    );
    return pair ? pathAt(pair.value, offset, [...path, keyText(pair.key)]) : path;
  }
  if (isSeq(node)) {
    const index = node.items.findIndex((item) => spans(item, offset));
    return index === -1 ? path : pathAt(node.items[index], offset, [...path, index]);
  }
  return path;
}

// A collection spans the blank space after it too (where a mis-indented line lands); a scalar only its text.
function spans(node: unknown, offset: number): boolean {
  if (!isNode(node) || !node.range) return false;
  return node.range[0] <= offset && (isScalar(node) ? offset < node.range[1] : offset <= node.range[2]);
}

function isNode(value: unknown): value is Node {
  return isMap(value) || isSeq(value) || isScalar(value);
}
