import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';

const doc = await readFile(new URL('../../docs/configuration.md', import.meta.url), 'utf8');

describe('docs/configuration.md', () => {
  // A blank line inside a table ends it: the rows after it render as raw pipes, without a header.
  it('has no table split by a blank line', () => {
    const lines = doc.split('\n');
    const orphans = lines.flatMap((line, i) =>
      line.startsWith('|') && lines[i - 1] === '' && !/^\|[-|: ]+\|$/.test(lines[i + 1] ?? '')
        ? [`line ${i + 1}: ${line.slice(0, 40)}`]
        : [],
    );
    expect(orphans).toEqual([]);
  });
});
