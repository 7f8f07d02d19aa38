import { readdirSync, readFileSync } from 'node:fs';

/** Resident memory of a process group (a process with any children it forked), from /proc, like cpu.ts. */

/** Undefined where /proc is missing (not Linux). */
export function groupRssBytes(groupId: number): number | undefined {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return undefined;
  }
  let kib = 0;
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Fields after the parenthesised command name: state ppid pgrp …
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]) !== groupId) continue;
      const status = readFileSync(`/proc/${entry}/status`, 'utf8');
      kib += Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? 0);
    } catch {
      // exited while we looked
    }
  }
  return kib * 1024;
}

/** Samples a group's RSS every second; `peak` covers the whole life of the sampler, `windowPeak` since mark(). */
export class RssSampler {
  readonly #groupId: number;
  readonly #timer: NodeJS.Timeout;
  #peakBytes = 0;
  #windowPeakBytes = 0;
  #lastBytes = 0;

  constructor(groupId: number, everyMs = 1_000) {
    this.#groupId = groupId;
    this.sample();
    this.#timer = setInterval(() => this.sample(), everyMs);
  }

  sample(): number {
    const bytes = groupRssBytes(this.#groupId) ?? 0;
    this.#lastBytes = bytes;
    this.#peakBytes = Math.max(this.#peakBytes, bytes);
    this.#windowPeakBytes = Math.max(this.#windowPeakBytes, bytes);
    return bytes;
  }

  /** Starts the measured window. */
  mark(): void {
    this.#windowPeakBytes = this.sample();
  }

  get peakBytes(): number {
    return this.#peakBytes;
  }
  get windowPeakBytes(): number {
    return this.#windowPeakBytes;
  }
  get lastBytes(): number {
    return this.#lastBytes;
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}
