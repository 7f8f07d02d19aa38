import { describe, expect, it } from 'vitest';
import { oneLine, terminalSafe } from './terminal-text.ts';

describe('terminalSafe and oneLine', () => {
  it.each([
    [
      'ESC sequences (clear screen, retitle the window)',
      'a \u001b[2J\u001b]0;pwned\u0007 b',
      'a \\u001b[2J\\u001b]0;pwned\\u0007 b',
    ],
    ['a carriage return that would overwrite the line', 'ok\rFAKE', 'ok\\u000dFAKE'],
    ['NUL, backspace and DEL', '\u0000\u0008\u007f', '\\u0000\\u0008\\u007f'],
    ['C1 controls (U+009B is an 8-bit CSI)', 'x\u009b2Jy\u0085', 'x\\u009b2Jy\\u0085'],
    [
      'bidi overrides and isolates (Trojan Source)',
      'ok \u202eKO\u202c \u2066x\u2069',
      'ok \\u202eKO\\u202c \\u2066x\\u2069',
    ],
    [
      'ordinary text, accents, emoji and right-to-left script',
      'Café – API ✓ 🚀 שלום',
      'Café – API ✓ 🚀 שלום',
    ],
  ])('escapes %s', (_what, text, expected) => {
    expect(terminalSafe(text)).toBe(expected);
    expect(oneLine(text)).toBe(expected);
  });

  it('keeps the layout’s tabs and newlines in whole output, but not inside one field', () => {
    expect(terminalSafe('a\tb\nc\n')).toBe('a\tb\nc\n');
    expect(oneLine('a\tb\nFAKE  operational')).toBe('a\\u0009b\\u000aFAKE  operational');
  });

  it('leaves JSON valid and equal in value', () => {
    const value = { name: 'x\u007f\u009b\u001b[31m\u202e' };
    const printed = terminalSafe(JSON.stringify(value, null, 2));
    expect(printed).not.toMatch(/\p{Cc}(?<![\n])/u);
    expect(JSON.parse(printed)).toEqual(value);
  });
});
