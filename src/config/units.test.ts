import { describe, expect, it } from 'vitest';
import { duration, percent, size } from './units.ts';

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
});
