import { describe, expect, it } from 'vitest';
import { fixtureView } from '../api/fixture.test-support.ts';
import { audienceOf } from './audience.ts';
import { subscriber } from './subscriber.test-support.ts';

// Core (a group of API and Web) and Docs.
const defs = fixtureView().components;
const everyone = [
  subscriber({ id: 'page' }),
  subscriber({ id: 'api', componentIds: ['api'] }),
  subscriber({ id: 'core', componentIds: ['core'] }),
  subscriber({ id: 'docs', componentIds: ['docs'] }),
  subscriber({ id: 'waiting', confirmedAtMs: null }),
];
const ids = (componentIds: string[]) => audienceOf(everyone, defs, componentIds).map((s) => s.id);

describe('audienceOf', () => {
  it('reaches the whole page and the subscribers of a touched component, a group standing for its children', () => {
    expect(ids(['api'])).toEqual(['page', 'api', 'core']);
    expect(ids(['web'])).toEqual(['page', 'core']);
    expect(ids(['core'])).toEqual(['page', 'api', 'core']);
    expect(ids(['docs'])).toEqual(['page', 'docs']);
  });

  it('tells every confirmed subscriber of a change that names no component', () => {
    expect(ids([])).toEqual(['page', 'api', 'core', 'docs']);
  });

  it('never reaches an address that has not confirmed', () => {
    expect(ids(['api'])).not.toContain('waiting');
    expect(ids([])).not.toContain('waiting');
  });
});
