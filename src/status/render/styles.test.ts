import { describe, expect, it } from 'vitest';
import { palettes, styles } from './styles.ts';
import type { Palette } from './styles.ts';

// WCAG 2.x relative luminance and contrast ratio.
function luminance(hex: string): number {
  const value = Number.parseInt(hex.slice(1), 16);
  const [r = 0, g = 0, b = 0] = [value >> 16, (value >> 8) & 255, value & 255].map((channel) => {
    const c = channel / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

function contrast(a: string, b: string): number {
  const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return ((light ?? 0) + 0.05) / ((dark ?? 0) + 0.05);
}

const textColours: readonly (keyof Palette)[] = [
  'fg',
  'muted',
  'link',
  'ok',
  'minor',
  'major',
  'critical',
  'maint',
  'info',
];
const tones: readonly (keyof Palette)[] = ['ok', 'minor', 'major', 'critical', 'maint', 'info'];

describe.each(Object.entries(palettes))('the %s theme', (_name, palette: Palette) => {
  it.each(
    textColours.flatMap(
      (text) =>
        [
          [text, 'bg'],
          [text, 'surface'],
        ] as const,
    ),
  )('text %s on %s meets AA (4.5:1)', (text, background) => {
    expect(contrast(palette[text], palette[background])).toBeGreaterThanOrEqual(4.5);
  });

  it.each(tones)('the banner text on %s meets AA (4.5:1)', (tone) => {
    expect(contrast(palette.onTone, palette[tone])).toBeGreaterThanOrEqual(4.5);
  });

  it('the button text (the page colour on the link colour) meets AA (4.5:1)', () => {
    expect(contrast(palette.bg, palette.link)).toBeGreaterThanOrEqual(4.5);
  });

  // WCAG 1.4.11: graphics and focus indicators need 3:1 against what surrounds them.
  it.each(['focus', 'ok', 'minor', 'major', 'critical', 'nodata'] as const)(
    '%s stands out from the page (3:1)',
    (colour) => {
      expect(contrast(palette[colour], palette.bg)).toBeGreaterThanOrEqual(3);
    },
  );
});

describe('styles', () => {
  it('switches theme with prefers-color-scheme and shows focus', () => {
    expect(styles).toContain('@media (prefers-color-scheme:dark)');
    expect(styles).toContain(':focus-visible{outline:3px solid var(--focus)');
  });

  it('loads nothing from elsewhere', () => {
    expect(styles).not.toMatch(/url\(|@import|@font-face/);
  });
});
