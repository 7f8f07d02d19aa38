import { describe, expect, it } from 'vitest';
import { duration, maxTimerMs, percent, size } from './units.ts';

describe('unit schemas', () => {
  it('parse once into plain numbers', () => {
    expect(duration().parse('1m30s')).toBe(90_000);
    expect(size().parse('64KiB')).toBe(65_536);
    expect(size().parse(1024)).toBe(1024);
    expect(percent().parse('20%')).toBe(0.2);
  });

  it('explain what was expected without echoing the value (the loader adds it, hiding secrets)', () => {
    const issue = duration().safeParse('2 sec').error?.issues[0];
    expect(issue?.message).toBe('expected a duration like 250ms, 2s or 5m');
    expect(size().safeParse('lots').error?.issues[0]?.message).toBe('expected a size like 64KiB or 1MiB');
    expect(percent().safeParse('150%').error?.issues[0]?.message).toBe(
      'expected a percentage from 0% to 100%',
    );
  });

  it('reject non-strings for durations and percentages', () => {
    expect(duration().safeParse(2).success).toBe(false);
    expect(percent().safeParse(0.5).success).toBe(false);
    expect(size().safeParse(-1).success).toBe(false);
  });

  it('bound durations: 0 where it would spin or time out at once, and past what a node timer can wait', () => {
    const messageOf = (schema: ReturnType<typeof duration>, text: string) =>
      schema.safeParse(text).error?.issues[0]?.message;
    expect(duration().parse('0s')).toBe(0);
    expect(duration().parse('24d')).toBe(maxTimerMs);
    expect(maxTimerMs).toBeLessThan(2 ** 31);
    expect(messageOf(duration(), '25d')).toBe('expected a duration of at most 24d');
    expect(messageOf(duration({ isZeroAllowed: false }), '0s')).toBe('expected a duration above 0');
    expect(messageOf(duration({ isZeroAllowed: false }), '0m0s')).toBe('expected a duration above 0');
    expect(duration({ isZeroAllowed: false }).parse('1ms')).toBe(1);
    expect(duration({ maxMs: Infinity }).parse('400d')).toBe(400 * 86_400_000);
  });

  it('bound sizes when asked to', () => {
    const headerBytes = size({ isZeroAllowed: false, maxBytes: 2 ** 32 - 1 });
    expect(size().parse(0)).toBe(0);
    expect(headerBytes.parse('16KiB')).toBe(16_384);
    for (const value of [0, '0B', '4GiB'])
      expect(headerBytes.safeParse(value).error?.issues[0]?.message).toBe(
        'expected a size from 1 to 4294967295 bytes',
      );
  });
});
