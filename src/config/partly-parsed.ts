import type { z } from 'zod';

/**
 * zod runs a refinement beside failures below it: by default when they do not abort (a URL without a
 * scheme, a number below its minimum), and always when it has `when`. A part that failed holds its input, or
 * half of its output, so a refinement may read only the parts no issue lies under. Then it neither crashes on
 * the rest nor waits for them to be fixed: `validate` reports a typo in a reference beside everything else.
 */

type Path = readonly PropertyKey[];
type Payload = z.core.ParsePayload;

/** True when no issue lies at `path` or under it (paths relative to the payload the issues belong to). */
function isParsedAt(issues: readonly z.core.$ZodRawIssue[], path: Path): boolean {
  return !issues.some((issue) => path.every((segment, i) => issue.path?.[i] === segment));
}

/** `when` for a refinement of a mapping that reads only `keys`: it runs when they parsed, whatever else failed. */
export function whenParsed(...keys: readonly string[]): { when: (payload: Payload) => boolean } {
  return {
    when: (payload) => isMapping(payload.value) && keys.every((key) => isParsedAt(payload.issues, [key])),
  };
}

/** `when` for a refinement of a scalar: only a value that passed the checks before it. */
export const isValid = (payload: Payload): boolean => payload.issues.length === 0;

/** `when` for a refinement that reads its value through PartlyParsed, and so may always run. */
export const always = { when: (): boolean => true };

/** Reads a value zod parsed only in part: a part is trusted when no issue lies at or under it. */
export class PartlyParsed {
  readonly #value: unknown;
  readonly #issues: readonly z.core.$ZodRawIssue[];
  // Every path that holds an issue at or under it: a lookup stays cheap in a file of 10,000 broken monitors.
  readonly #failedPaths = new Set<string>();

  constructor(value: unknown, issues: readonly z.core.$ZodRawIssue[]) {
    this.#value = value;
    // A snapshot: issues the refinement itself adds must not hide what it goes on to read.
    this.#issues = [...issues];
    for (const issue of this.#issues) {
      const path = issue.path ?? [];
      for (let length = 0; length <= path.length; length++)
        this.#failedPaths.add(keyOf(path.slice(0, length)));
    }
  }

  /** The value at `path` whether it parsed or not: for telling what is there, never for trusting it. */
  raw(path: Path): unknown {
    let current = this.#value;
    for (const segment of path) {
      if (!isMapping(current) && !Array.isArray(current)) return undefined;
      current = (current as Record<PropertyKey, unknown>)[segment];
    }
    return current;
  }

  isParsed(path: Path): boolean {
    return !this.#failedPaths.has(keyOf(path));
  }

  /** The string at `path` when it parsed. */
  string(path: Path): string | undefined {
    const value = this.raw(path);
    return typeof value === 'string' && this.isParsed(path) ? value : undefined;
  }

  /** The indexes of the list at `path`, parsed or not (each item is read on its own); none when not a list. */
  indexes(path: Path): number[] {
    const value = this.raw(path);
    return Array.isArray(value) ? value.map((_, i) => i) : [];
  }

  /**
   * The keys of the mapping at `path`, whether their values parsed or not; undefined when it is no mapping
   * or a key was refused (the mapping then holds fewer names than the file, so none can be called unknown).
   */
  keys(path: Path): string[] | undefined {
    const value = this.raw(path);
    if (!isMapping(value)) return undefined;
    const isKeyRefused = this.#issues.some(
      (issue) =>
        issue.code === 'invalid_key' &&
        issue.path?.length === path.length + 1 &&
        path.every((s, i) => issue.path?.[i] === s),
    );
    return isKeyRefused ? undefined : Object.keys(value);
  }
}

// A list index and a mapping key never meet at one position, so 0 and "0" may share a key.
function keyOf(path: Path): string {
  return path.map(String).join('\u0000');
}

export function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
