import { randomBytes } from 'node:crypto';

const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** Statuspage-style ids: 12 lower-case letters and digits (a little modulo bias does not matter for ids). */
export function newStatusId(): string {
  return [...randomBytes(12)].map((b) => alphabet[b % alphabet.length]).join('');
}

/** A subscriber's secret for confirm and unsubscribe links: 192 random bits, URL-safe. */
export function newSubscriberToken(): string {
  return randomBytes(24).toString('base64url');
}

/** Stable per page (FNV-1a of its url or title): the same id on every restart and every node. */
export function pageIdOf(key: string): string {
  let hash = 0xcbf29ce484222325n;
  for (const byte of Buffer.from(key)) hash = BigInt.asUintN(64, (hash ^ BigInt(byte)) * 0x100000001b3n);
  return hash.toString(36).padStart(12, '0').slice(-12);
}
