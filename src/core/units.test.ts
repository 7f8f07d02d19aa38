import { describe, expect, it } from 'vitest';
import { parseDurationMs, parsePercent, parseRate, parseSizeBytes } from './units.ts';

describe('parseDurationMs', () => {
  it.each([
    ['250ms', 250],
    ['2s', 2_000],
    ['1.5s', 1_500],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['1d', 86_400_000],
    ['1m30s', 90_000],
    ['0s', 0],
  ])('%s is %d ms', (text, ms) => expect(parseDurationMs(text)).toBe(ms));

  it.each(['', '2', 's', '2 s', '2sec', '-1s', '1.s', '2S', 'ms'])('rejects %j', (text) =>
    expect(parseDurationMs(text)).toBeUndefined(),
  );
});

describe('parseSizeBytes', () => {
  it.each([
    ['512', 512],
    ['512B', 512],
    ['64KiB', 65_536],
    ['1MiB', 1_048_576],
    ['1GiB', 1_073_741_824],
    ['10MB', 10_000_000],
    ['1KB', 1_000],
    ['1.5KiB', 1_536],
  ])('%s is %d bytes', (text, bytes) => expect(parseSizeBytes(text)).toBe(bytes));

  it.each(['', 'KiB', '64kib', '-1', '1TB', 'lots'])('rejects %j', (text) =>
    expect(parseSizeBytes(text)).toBeUndefined(),
  );
});

describe('parseRate', () => {
  it.each([
    ['10/s', { count: 10, perMs: 1_000 }],
    ['100/m', { count: 100, perMs: 60_000 }],
    ['5/250ms', { count: 5, perMs: 250 }],
    ['1.5/s', { count: 1.5, perMs: 1_000 }],
    ['1000/2h', { count: 1_000, perMs: 7_200_000 }],
  ])('%s', (text, expected) => expect(parseRate(text)).toEqual(expected));

  it.each(['10', '10/', '/s', '0/s', '10/0s', '10/x', 'ten/s', '-1/s'])('rejects %s', (text) =>
    expect(parseRate(text)).toBeUndefined(),
  );
});

describe('parsePercent', () => {
  it.each([
    ['0%', 0],
    ['50%', 0.5],
    ['12.5%', 0.125],
    ['100%', 1],
  ])('%s is %d', (text, fraction) => expect(parsePercent(text)).toBe(fraction));

  it.each(['50', '101%', '-5%', '%', 'half'])('rejects %j', (text) =>
    expect(parsePercent(text)).toBeUndefined(),
  );
});
