import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { clientKeyOf } from '../../core/connection-guard.ts';
import type { BucketRequest, RateDecision } from '../overload/rate-limit-store.ts';
import type { RateKeyPart, RateLimitSpec } from '../spec.ts';

/**
 * A route's rate limits: which buckets a request draws from, and the IETF RateLimit headers
 * (draft-ietf-httpapi-ratelimit-headers) that tell the client where it stands.
 */
export class RouteRateLimits {
  readonly #limits: readonly RateLimitSpec[];
  readonly #bucketIds: readonly string[];
  /** `RateLimit-Policy` never changes for a route: built once. */
  readonly #policyHeader: string;

  /** `routeId` (routeIdOf): by its name, a route keeps its buckets through a reload that moves it. */
  constructor(routeId: string, limits: readonly RateLimitSpec[]) {
    this.#limits = limits;
    this.#bucketIds = limits.map((limit) => `${routeId}/${limit.name}`);
    this.#policyHeader = limits.map(policyItem).join(', ');
  }

  /**
   * The buckets this request draws from. A limit keyed on a header the request lacks does not apply to it
   * (Envoy's descriptors do the same); pair such a limit with an `ip` one. Header values are hashed, so
   * API keys are never held in memory or shown anywhere.
   */
  bucketsFor(headers: IncomingHttpHeaders, clientIp: string): Applied | undefined {
    let requests: BucketRequest[] | undefined;
    let indexes: number[] | undefined;
    for (let i = 0; i < this.#limits.length; i++) {
      const limit = this.#limits[i]!;
      const key = keyOf(limit.key, headers, clientIp);
      if (key === undefined) continue;
      (requests ??= []).push({ bucketId: this.#bucketIds[i]!, key, policy: limit });
      (indexes ??= []).push(i);
    }
    return requests && indexes && { requests, indexes };
  }

  /** `RateLimit-Policy` and `RateLimit` for a decision about the buckets in `applied`. */
  headers(applied: Applied, decision: RateDecision): { readonly policy: string; readonly state: string } {
    const state = applied.indexes
      .map((limitIndex, i) => {
        const bucket = decision.buckets[i];
        const name = this.#limits[limitIndex]!.name;
        return `"${name}";r=${bucket?.remaining ?? 0};t=${Math.ceil((bucket?.resetMs ?? 0) / 1_000)}`;
      })
      .join(', ');
    return { policy: this.#policyHeader, state };
  }

  /** Which limit refused (the first, when several did), and a fingerprint of its key for the logs. */
  refusal(applied: Applied, decision: RateDecision): RateRefusal | undefined {
    // A refused decision leaves every bucket that would have allowed with a token (remaining ≥ 1).
    const at = decision.buckets.findIndex((bucket) => bucket.remaining === 0);
    const limit = this.#limits[applied.indexes[at] ?? -1];
    const key = applied.requests[at]?.key;
    if (!limit || key === undefined) return undefined;
    return { limit: limit.name, keyFingerprint: fingerprintOf(limit, key) };
  }
}

export interface RateRefusal {
  readonly limit: string;
  readonly keyFingerprint: string;
}

export interface Applied {
  readonly requests: readonly BucketRequest[];
  /** For each request, the index of its limit in the route's list. */
  readonly indexes: readonly number[];
}

/** `q` is the bucket size, `w` the seconds it takes to refill from empty: the window the quota covers. */
function policyItem(limit: RateLimitSpec): string {
  return `"${limit.name}";q=${limit.burst};w=${Math.max(1, Math.ceil(limit.burst / limit.ratePerSecond))}`;
}

function keyOf(
  parts: readonly RateKeyPart[],
  headers: IncomingHttpHeaders,
  clientIp: string,
): string | undefined {
  if (parts.length === 1) return partOf(parts[0]!, headers, clientIp);
  let key = '';
  for (const part of parts) {
    const value = partOf(part, headers, clientIp);
    if (value === undefined) return undefined;
    key += `${value}\u0000`;
  }
  return key;
}

function partOf(part: RateKeyPart, headers: IncomingHttpHeaders, clientIp: string): string | undefined {
  // By /64 for IPv6, as the connection caps count: one host holds a whole /64 and could use 2^64 buckets.
  if (part.from === 'ip') return clientKeyOf(clientIp);
  if (part.from === 'route') return '';
  const value = headers[part.name];
  if (value === undefined || value === '') return undefined;
  return hashed(Array.isArray(value) ? value.join(',') : value);
}

/**
 * 12 characters of a key's base64url SHA-256, never the key (an API key, an address) itself. A key that is one
 * header is that hash already, so an operator finds a client's fingerprint from its key with
 * `printf %s "$KEY" | openssl dgst -sha256 -binary | basenc --base64url | cut -c1-12`.
 */
function fingerprintOf(limit: RateLimitSpec, key: string): string {
  const isHashed = limit.key.length === 1 && limit.key[0]!.from === 'header';
  return (isHashed ? key : hashed(key)).slice(0, 12);
}

/** 128 bits of SHA-256: collisions are out of reach, and the key itself is not recoverable. */
function hashed(value: string): string {
  return createHash('sha256').update(value).digest('base64url').slice(0, 22);
}
