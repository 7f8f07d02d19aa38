import { isAlias, isMap, isPair, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';

export type YamlPath = readonly PropertyKey[];

export interface Position {
  readonly line: number;
  readonly column: number;
}

export interface Located {
  /** The node at the path, or the deepest existing ancestor when the path does not exist (a missing key). */
  readonly node: Node | null;
  /** The key node when the path ends at a mapping entry: where an unknown key is reported. */
  readonly keyNode: Node | null;
  readonly isFound: boolean;
}

/** Follows a zod issue path through the YAML document so errors can point at a line and column. */
export function locate(document: Document, path: YamlPath): Located {
  let current: Node | null = document.contents;
  let keyNode: Node | null = null;
  for (const segment of path) {
    const parent = isAlias(current) ? current.resolve(document) : current;
    const next = childOf(parent ?? null, segment);
    if (!next) return { node: parent ?? null, keyNode: null, isFound: false };
    // `key:` with nothing after it yields an empty node at the end of the line; the key marks the spot better.
    [current, keyNode] = [
      next.value && !isEmpty(next.value) ? next.value : (next.key ?? next.value),
      next.key,
    ];
  }
  return { node: current, keyNode, isFound: true };
}

function childOf(
  parent: Node | null,
  segment: PropertyKey,
): { key: Node | null; value: Node | null } | undefined {
  if (isMap(parent)) {
    const pair = parent.items.find((item) => isPair(item) && keyMatches(item.key, segment));
    return pair && { key: asNode(pair.key), value: asNode(pair.value) };
  }
  if (isSeq(parent) && typeof segment === 'number') {
    const item = asNode(parent.items[segment]);
    return item ? { key: null, value: item } : undefined;
  }
  return undefined;
}

function isEmpty(node: Node): boolean {
  return isScalar(node) && node.range !== undefined && node.range !== null && node.range[0] === node.range[1];
}

function keyMatches(key: unknown, segment: PropertyKey): boolean {
  return String(isScalar(key) ? key.value : key) === String(segment);
}

function asNode(value: unknown): Node | null {
  return isScalar(value) || isMap(value) || isSeq(value) || isAlias(value) ? value : null;
}

/** 1-based line and column of a node's first character; 0:0 when the file has no node to point at. */
export function positionOf(node: Node | null, lineCounter: LineCounter): Position {
  const offset = node?.range?.[0];
  return offset === undefined ? { line: 0, column: 0 } : positionAt(offset, lineCounter);
}

export function positionAt(offset: number, lineCounter: LineCounter): Position {
  const { line, col } = lineCounter.linePos(offset);
  return { line, column: col };
}

/** `['pools', 'api', 'endpoints', 0, 'url']` → `pools.api.endpoints[0].url`. */
export function formatPath(path: YamlPath): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else if (/^[A-Za-z_][\w-]*$/.test(String(segment))) text += `${text ? '.' : ''}${String(segment)}`;
    else text += `[${JSON.stringify(String(segment))}]`;
  }
  return text;
}
