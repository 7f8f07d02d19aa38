import { parseDocument } from 'yaml';
import { describe, expect, it } from 'vitest';
import { interpolateDocument, interpolateText } from './interpolate.ts';

const env = { HOST: '10.0.0.5', PORT: '9001', EMPTY: '', TOKEN: 's3cret' };

describe('interpolateText', () => {
  it.each([
    ['no references', 'no references'],
    ['http://${HOST}:${PORT}', 'http://10.0.0.5:9001'],
    ['${MISSING:-fallback}', 'fallback'],
    ['${EMPTY:-fallback}', 'fallback'],
    ['${HOST:-fallback}', '10.0.0.5'],
    ['${MISSING:-}', ''],
    ['$${HOST}', '${HOST}'],
    ['price: $5', 'price: $5'],
    ['${MISSING:-a:b}', 'a:b'],
  ])('%j → %j', (text, value) => expect(interpolateText(text, env)).toMatchObject({ isOk: true, value }));

  it('marks values that came from the environment', () => {
    expect(interpolateText('${HOST}', env)).toMatchObject({ isFromEnv: true });
    expect(interpolateText('$${HOST}', env)).toMatchObject({ isFromEnv: false });
  });

  it('keeps an empty variable when no default is given', () => {
    expect(interpolateText('x${EMPTY}y', env)).toMatchObject({ isOk: true, value: 'xy' });
  });

  it.each([
    ['${MISSING}', 'environment variable MISSING is not set'],
    ['${HOST', 'unclosed "${"'],
    ['${1BAD}', 'not a valid reference'],
    ['${}', 'not a valid reference'],
  ])('%j fails: %s', (text, message) => {
    const result = interpolateText(text, env);
    expect(result.isOk).toBe(false);
    if (!result.isOk) expect(result.message).toContain(message);
  });
});

describe('interpolateDocument', () => {
  it('expands scalar values but never keys, and cannot inject structure', () => {
    const document = parseDocument('${HOST}: a\nb: ${INJECT}\nc: [x, "${HOST}"]\n');
    interpolateDocument(document.contents, { HOST: 'h', INJECT: '{ evil: true }\nd: 1' });
    expect(document.toJS()).toEqual({ '${HOST}': 'a', b: '{ evil: true }\nd: 1', c: ['x', 'h'] });
  });

  it('gives an unquoted whole reference the type YAML would give its value', () => {
    const document = parseDocument('a: ${PORT}\nb: "${PORT}"\nc: ${FLAG}\nd: port ${PORT}\n');
    interpolateDocument(document.contents, { PORT: '9001', FLAG: 'true' });
    expect(document.toJS()).toEqual({ a: 9001, b: '9001', c: true, d: 'port 9001' });
  });

  it('remembers the source text of interpolated nodes and reports every problem with its path', () => {
    const document = parseDocument('a:\n  - ${TOKEN}\n  - ${NOPE}\nb: ${ALSO_NOPE}\n');
    const { sourceByNode, problems } = interpolateDocument(document.contents, env);
    expect([...sourceByNode.values()]).toEqual(['${TOKEN}', '${NOPE}', '${ALSO_NOPE}']);
    expect(problems.map((p) => p.path)).toEqual([['a', 1], ['b']]);
    // An unset reference stays as written, a placeholder, so the loader can check the rest of the file.
    expect(document.toJS()).toEqual({ a: ['s3cret', '${NOPE}'], b: '${ALSO_NOPE}' });
  });
});
