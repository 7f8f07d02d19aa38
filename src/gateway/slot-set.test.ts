import { describe, expect, it } from 'vitest';
import { SlotSet } from './slot-set.ts';

describe('SlotSet', () => {
  it('adds, removes and visits only what is present, reusing freed slots', () => {
    const set = new SlotSet<string>();
    const a = set.add('a');
    const b = set.add('b');
    set.add('c');
    set.remove(b);
    set.remove(b);
    expect(set.size).toBe(2);
    const d = set.add('d');
    expect(d).toBe(b);
    const seen: string[] = [];
    set.forEach((item) => seen.push(item));
    expect(seen.sort()).toEqual(['a', 'c', 'd']);
    set.remove(a);
    expect(set.size).toBe(2);
  });
});
