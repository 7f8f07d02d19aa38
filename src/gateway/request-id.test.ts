import { describe, expect, it } from 'vitest';
import { RequestIdSource } from './request-id.ts';

const uuidV8 = /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('RequestIdSource', () => {
  it('makes RFC 9562 version-8 UUIDs that differ in every call', () => {
    const source = new RequestIdSource();
    const ids = Array.from({ length: 1_000 }, () => source.next());
    for (const id of ids) expect(id).toMatch(uuidV8);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('gives two processes (two random prefixes) different ids', () => {
    const a = new RequestIdSource(Buffer.alloc(16, 0x11));
    const b = new RequestIdSource(Buffer.alloc(16, 0x22));
    expect(a.next().slice(0, 24)).not.toBe(b.next().slice(0, 24));
  });

  it('keeps the counter to 12 hex digits when it wraps', () => {
    const source = new RequestIdSource(Buffer.from('00112233445566778899ffffffffffff', 'hex'));
    // The counter starts at the last six random bytes, 2^48 - 1, so the first id wraps it to zero.
    expect(source.next()).toBe('00112233-4455-8677-8899-000000000000');
    expect(source.next()).toBe('00112233-4455-8677-8899-000000000001');
  });

  it('carries from the low half of the counter into its high half', () => {
    const source = new RequestIdSource(Buffer.from('00112233445566778899000000fffffe', 'hex'));
    expect(source.next()).toBe('00112233-4455-8677-8899-000000ffffff');
    expect(source.next()).toBe('00112233-4455-8677-8899-000001000000');
    expect(source.next()).toBe('00112233-4455-8677-8899-000001000001');
  });
});
