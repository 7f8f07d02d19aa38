import { describe, expect, it } from 'vitest';
import { isoInZone, localTimeOf, rememberedByInstant } from './time-zone.ts';

describe('rememberedByInstant', () => {
  it('computes each (instant, zone) once and answers again from memory', () => {
    const calls: string[] = [];
    const remembered = rememberedByInstant((ms: number, zone: string) => {
      calls.push(`${zone}@${ms}`);
      return `${zone}:${ms}`;
    });
    expect(remembered(1, 'UTC')).toBe('UTC:1');
    expect(remembered(1, 'UTC')).toBe('UTC:1');
    expect(remembered(1, 'Europe/Berlin')).toBe('Europe/Berlin:1');
    expect(calls).toEqual(['UTC@1', 'Europe/Berlin@1']);
  });

  it('starts over when full instead of growing', () => {
    let calls = 0;
    const remembered = rememberedByInstant(() => ++calls, 2);
    remembered(1, 'UTC');
    remembered(2, 'UTC');
    expect(calls).toBe(2);
    remembered(3, 'UTC'); // full: forgets 1 and 2
    remembered(1, 'UTC');
    expect(calls).toBe(4);
    remembered(3, 'UTC');
    expect(calls).toBe(4);
  });
});

describe('remembered zone arithmetic', () => {
  it('gives the same answers on the second call, across a DST change', () => {
    // 2026-03-29 01:00 UTC: Berlin moves from +01:00 to +02:00.
    const beforeMs = Date.UTC(2026, 2, 29, 0, 59, 59, 999);
    const afterMs = Date.UTC(2026, 2, 29, 1, 0, 0, 0);
    for (let round = 0; round < 2; round++) {
      expect(isoInZone(beforeMs, 'Europe/Berlin')).toBe('2026-03-29T01:59:59.999+01:00');
      expect(isoInZone(afterMs, 'Europe/Berlin')).toBe('2026-03-29T03:00:00.000+02:00');
      expect(localTimeOf(afterMs, 'Europe/Berlin')).toEqual({
        year: 2026,
        month: 3,
        day: 29,
        hour: 3,
        minute: 0,
        second: 0,
      });
    }
  });
});
