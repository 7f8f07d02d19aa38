import { z } from 'zod';

/**
 * "Did you mean 10s?" for values with units: what a person most likely meant by a bare number or a spelled-out
 * unit. Kept in a registry beside the schema, not in its meta, so the JSON Schema export stays unchanged.
 */

export interface UnitHint {
  /** Values in the right form that `value` most likely meant; empty when there is no plausible reading. */
  readonly guessesFor: (value: unknown) => readonly string[];
}

export const unitHints = z.registry<UnitHint>();

const durationUnits: Readonly<Record<string, string>> = {
  ...wordsFor('ms', ['ms', 'msec', 'msecs', 'millis', 'millisecond', 'milliseconds']),
  ...wordsFor('s', ['', 's', 'sec', 'secs', 'second', 'seconds']),
  ...wordsFor('m', ['m', 'min', 'mins', 'minute', 'minutes']),
  ...wordsFor('h', ['h', 'hr', 'hrs', 'hour', 'hours']),
  ...wordsFor('d', ['d', 'day', 'days']),
};

function wordsFor(unit: string, words: readonly string[]): Record<string, string> {
  return Object.fromEntries(words.map((word) => [word, unit]));
}

/**
 * A bare number reads as seconds, the unit most such settings are thought in (`idle: 10`), and a unit
 * written out (`1sec`, `5 minutes`) as its abbreviation; `accepts` drops a guess the bounds would refuse.
 */
export function durationGuesses(value: unknown, accepts: (text: string) => boolean): string[] {
  const parts =
    typeof value === 'number' ? [String(value), ''] : typeof value === 'string' ? amountAndWord(value) : [];
  const [amount, word] = parts;
  const unit = word === undefined ? undefined : durationUnits[word.toLowerCase()];
  if (amount === undefined || unit === undefined) return [];
  // `timeout: 5000` is more likely milliseconds than 83 minutes: past 100 both readings are offered.
  const units = typeof value === 'number' && value >= 100 ? ['ms', unit] : [unit];
  return units.map((u) => `${amount}${u}`).filter((guess) => guess !== value && accepts(guess));
}

/** `0.5` reads as a fraction (50%), `50` as a percentage missing its sign; 1 could be either. */
export function percentGuesses(value: unknown): string[] {
  const [amount, word] = typeof value === 'string' ? amountAndWord(value) : [String(value), ''];
  const number = Number(amount);
  if (typeof value !== 'number' && (amount === undefined || word !== '')) return [];
  if (!Number.isFinite(number) || number < 0 || number > 100) return [];
  const asPercent = `${number}%`;
  const asFraction = `${Number((number * 100).toPrecision(12))}%`;
  if (number === 1) return [asPercent, asFraction];
  return [number < 1 ? asFraction : asPercent];
}

/** `1.5 sec` → ['1.5', 'sec']; none when the text is not a number and a word. */
function amountAndWord(text: string): string[] {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([A-Za-z]*)\s*$/.exec(text);
  return match ? [match[1] ?? '', match[2] ?? ''] : [];
}
