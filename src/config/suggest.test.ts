import { describe, expect, it } from 'vitest';
import { closestMatch, editDistance } from './suggest.ts';

describe('editDistance', () => {
  it.each([
    ['', '', 0],
    ['abc', '', 3],
    ['admn', 'admin', 1],
    ['balancre', 'balancer', 1],
    ['kitten', 'sitting', 3],
  ])('%j → %j is %d', (a, b, distance) => expect(editDistance(a, b)).toBe(distance));
});

describe('closestMatch', () => {
  const keys = ['balancer', 'hash_key', 'endpoints', 'health_check', 'failover'];

  it('suggests the nearest key for a typo', () => {
    expect(closestMatch('balancr', keys)).toBe('balancer');
    expect(closestMatch('hash-key', keys)).toBe('hash_key');
    expect(closestMatch('Endpoints', keys)).toBe('endpoints');
  });

  it('stays quiet when nothing is plausibly meant', () => {
    expect(closestMatch('color', keys)).toBeUndefined();
    expect(closestMatch('x', keys)).toBeUndefined();
    expect(closestMatch('anything', [])).toBeUndefined();
  });
});
