import { randomBytes } from 'node:crypto';

/**
 * Request ids the gateway makes up: UUID-shaped (RFC 9562 version 8, "custom"), a random per-process prefix
 * followed by a counter that starts at a random value. `crypto.randomUUID` cost 3.4 % of every byte a
 * proxied request allocates (it builds the string from 16 random bytes each time); this is one short
 * concatenation. Unique within a process by the 48-bit counter and across processes by 74 random bits.
 * Not secret: like any request id it is echoed to the client and written to logs.
 */
export class RequestIdSource {
  readonly #prefix: string;
  // The 48-bit counter as two 24-bit halves, each a small integer: as one number above 2^31 it was a double,
  // and its `% 2^48` and `toString(16)` went through libm's fmod and V8's double-to-radix conversion, about
  // 2,850 instructions per request (npm run bench:proxy-instructions).
  #high: number;
  #highHex: string;
  #low: number;

  constructor(random: Buffer = randomBytes(16)) {
    const hex = random.toString('hex');
    // Version 8 in the third group's first digit; the variant's two high bits (10) in the fourth group's.
    const variant = (((random[8]! >> 4) & 0x3) | 0x8).toString(16);
    this.#prefix = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-`;
    this.#high = random.readUIntBE(10, 3);
    this.#highHex = hex6(this.#high);
    this.#low = random.readUIntBE(13, 3);
  }

  next(): string {
    this.#low += 1;
    if (this.#low === halfLimit) {
      this.#low = 0;
      this.#high = (this.#high + 1) % halfLimit;
      this.#highHex = hex6(this.#high);
    }
    return this.#prefix + this.#highHex + hex6(this.#low);
  }
}

const halfLimit = 2 ** 24;

const hex6 = (value: number): string => value.toString(16).padStart(6, '0');

/** The process's source: one prefix for every listener, so ids never repeat between them. */
export const requestIds = new RequestIdSource();
