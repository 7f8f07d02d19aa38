import { describe, expect, it, vi } from 'vitest';
import { evaluateAssertion, factsNeeded, parseAssertion, type Assertion } from './assertion.ts';
import type { Observation } from './observation.ts';

function parsed(text: string): Assertion {
  const result = parseAssertion(text);
  if ('error' in result) throw new Error(`${text}: ${result.error}`);
  return result.assertion;
}

const http: Observation = {
  responseTimeMs: 1203.4,
  connected: true,
  status: 503,
  headers: { 'content-type': 'text/html', 'content-length': '1024', server: 'nginx' },
  body: JSON.stringify({
    status: 'degraded',
    version: 2.1,
    healthy: false,
    owner: null,
    tags: ['eu', 'beta', 3],
    items: [{ id: 3 }, { id: 7, name: 'two words' }],
    'dotted-key': 'x',
  }),
  certDaysLeft: 9,
};
const dns: Observation = { responseTimeMs: 12, answers: ['93.184.216.34', 'Mail.Example.COM.'] };
const refused: Observation = {
  responseTimeMs: 3,
  connected: false,
  error: 'connect ECONNREFUSED 127.0.0.1:80',
};
const htmlPage: Observation = {
  responseTimeMs: 40,
  status: 200,
  body: '<html>maintenance until 10:00</html>',
};
const observations = { http, dns, refused, htmlPage };

// assertion, observation, ok, message
type Scenario = [string, keyof typeof observations, boolean, string];

// One row per scenario reads as a table; wrapped by prettier it would not.
// prettier-ignore
const scenarios: readonly Scenario[] = [
  // status
  ['status == 503', 'http', true, 'status == 503 (got 503)'],
  ['status == 200', 'http', false, 'expected status == 200, got 503'],
  ['status != 200', 'http', true, 'status != 200 (got 503)'],
  ['status < 500', 'http', false, 'expected status < 500, got 503'],
  ['status >= 500', 'http', true, 'status >= 500 (got 503)'],
  ['status==503', 'http', true, 'status==503 (got 503)'],
  ['  status   <=   503  ', 'http', true, 'status   <=   503 (got 503)'],
  ['status == 200', 'refused', false, 'expected status == 200, got nothing (connect ECONNREFUSED 127.0.0.1:80)'],
  ['status == 200', 'dns', false, 'expected status == 200, got nothing (no status observed)'],
  // response_time: durations, bare ms, always observed
  ['response_time < 800ms', 'http', false, 'expected response_time < 800ms, got 1203ms'],
  ['response_time < 2s', 'http', true, 'response_time < 2s (got 1203ms)'],
  ['response_time <= 1m30s', 'http', true, 'response_time <= 1m30s (got 1203ms)'],
  ['response_time > 1000', 'http', true, 'response_time > 1000 (got 1203ms)'],
  ['response_time < 800ms', 'refused', true, 'response_time < 800ms (got 3ms)'],
  // body
  ['body contains maintenance', 'htmlPage', true, 'body contains maintenance (got "<html>maintenance until 10:00</html>")'],
  ['body !contains maintenance', 'htmlPage', false, 'expected body !contains maintenance, got "<html>maintenance until 10:00</html>"'],
  ['body contains "until 10:00"', 'htmlPage', true, 'body contains "until 10:00" (got "<html>maintenance until 10:00</html>")'],
  ['body == "<html>maintenance until 10:00</html>"', 'htmlPage', true, 'body == "<html>maintenance until 10:00</html>" (got "<html>maintenance until 10:00</html>")'],
  ['body contains 10', 'htmlPage', true, 'body contains 10 (got "<html>maintenance until 10:00</html>")'],
  ['body matches "until \\d+:\\d+"', 'htmlPage', true, 'body matches "until \\d+:\\d+" (got "<html>maintenance until 10:00</html>")'],
  ['body matches ^<html>ok', 'htmlPage', false, 'expected body matches ^<html>ok, got "<html>maintenance until 10:00</html>"'],
  ['body contains ok', 'refused', false, 'expected body contains ok, got nothing (connect ECONNREFUSED 127.0.0.1:80)'],
  ['body !contains ok', 'refused', false, 'expected body !contains ok, got nothing (connect ECONNREFUSED 127.0.0.1:80)'],
  // body.json: typed equality, paths with arrays, absence, not-JSON
  ['body.json.status == "ok"', 'http', false, 'expected body.json.status == "ok", got "degraded"'],
  ['body.json.status == degraded', 'http', true, 'body.json.status == degraded (got "degraded")'],
  ['body.json.status contains grad', 'http', true, 'body.json.status contains grad (got "degraded")'],
  ['body.json.version == 2.10', 'http', true, 'body.json.version == 2.10 (got 2.1)'],
  ['body.json.version == "2.1"', 'http', false, 'expected body.json.version == "2.1", got 2.1'],
  ['body.json.version matches ^2\\.', 'http', true, 'body.json.version matches ^2\\. (got 2.1)'],
  ['body.json.healthy == false', 'http', true, 'body.json.healthy == false (got false)'],
  ['body.json.healthy == "false"', 'http', false, 'expected body.json.healthy == "false", got false'],
  ['body.json.owner == null', 'http', true, 'body.json.owner == null (got null)'],
  ['body.json.owner != null', 'http', false, 'expected body.json.owner != null, got null'],
  ['body.json.items[0].id >= 3', 'http', true, 'body.json.items[0].id >= 3 (got 3)'],
  ['body.json.items[1].id < 5', 'http', false, 'expected body.json.items[1].id < 5, got 7'],
  ['body.json.items[1].name == "two words"', 'http', true, 'body.json.items[1].name == "two words" (got "two words")'],
  ['body.json.items[0] == 3', 'http', false, 'expected body.json.items[0] == 3, got {"id":3}'],
  ['body.json.status > 3', 'http', false, 'expected body.json.status > 3, got "degraded" (not a number)'],
  ['body.json.items contains 3', 'http', false, 'expected body.json.items contains 3, got [{"id":3},{"id":7,"name":"two words"}]'],
  ['body.json.tags contains beta', 'http', true, 'body.json.tags contains beta (got ["eu","beta",3])'],
  ['body.json.tags contains 3', 'http', true, 'body.json.tags contains 3 (got ["eu","beta",3])'],
  ['body.json.tags contains "3"', 'http', false, 'expected body.json.tags contains "3", got ["eu","beta",3]'],
  ['body.json.tags !contains alpha', 'http', true, 'body.json.tags !contains alpha (got ["eu","beta",3])'],
  ['body.json.tags matches ^b', 'http', true, 'body.json.tags matches ^b (got ["eu","beta",3])'],
  ['body.json.tags[2] == 3', 'http', true, 'body.json.tags[2] == 3 (got 3)'],
  ['body.json.version contains 2', 'http', false, 'expected body.json.version contains 2, got 2.1 (not text or a list)'],
  ['body.json.items[0] matches 3', 'http', false, 'expected body.json.items[0] matches 3, got {"id":3} (not text)'],
  ['body.json.dotted-key == x', 'http', true, 'body.json.dotted-key == x (got "x")'],
  ['body.json.missing == null', 'http', true, 'body.json.missing == null (got no value (body.json.missing is absent))'],
  ['body.json.items[5].id == 1', 'http', false, 'expected body.json.items[5].id == 1, got no value (body.json.items[5].id is absent)'],
  ['body.json.status.deeper == 1', 'http', false, 'expected body.json.status.deeper == 1, got no value (body.json.status.deeper is absent)'],
  ['body.json.items.0 == 1', 'http', false, 'expected body.json.items.0 == 1, got no value (body.json.items.0 is absent)'],
  ['body.json.missing > 1', 'http', false, 'expected body.json.missing > 1, got no value (body.json.missing is absent)'],
  ['body.json.missing !contains x', 'http', true, 'body.json.missing !contains x (got no value (body.json.missing is absent))'],
  ['body.json.constructor == null', 'http', true, 'body.json.constructor == null (got no value (body.json.constructor is absent))'],
  ['body.json.status == "ok"', 'htmlPage', false, 'expected body.json.status == "ok", got no value (body is not JSON)'],
  ['body.json.status == null', 'htmlPage', false, 'expected body.json.status == null, got no value (body is not JSON)'],
  ['body.json.status == "ok"', 'refused', false, 'expected body.json.status == "ok", got nothing (connect ECONNREFUSED 127.0.0.1:80)'],
  // header: case-insensitive names, text values, numeric ordering, absence
  ['header.content-type contains json', 'http', false, 'expected header.content-type contains json, got "text/html"'],
  ['header.Content-Type contains html', 'http', true, 'header.Content-Type contains html (got "text/html")'],
  ['header.CONTENT-TYPE == text/html', 'http', true, 'header.CONTENT-TYPE == text/html (got "text/html")'],
  ['header.content-type matches "^text/"', 'http', true, 'header.content-type matches "^text/" (got "text/html")'],
  ['header.content-length < 1000', 'http', false, 'expected header.content-length < 1000, got "1024"'],
  ['header.content-length == 1024', 'http', true, 'header.content-length == 1024 (got "1024")'],
  ['header.content-type > 3', 'http', false, 'expected header.content-type > 3, got "text/html" (not a number)'],
  ['header.server !contains apache', 'http', true, 'header.server !contains apache (got "nginx")'],
  ['header.x-debug == null', 'http', true, 'header.x-debug == null (got no value (no x-debug header))'],
  ['header.x-debug != null', 'http', false, 'expected header.x-debug != null, got no value (no x-debug header)'],
  ['header.x-debug contains on', 'http', false, 'expected header.x-debug contains on, got no value (no x-debug header)'],
  ['header.x-debug !contains on', 'http', true, 'header.x-debug !contains on (got no value (no x-debug header))'],
  ['header.constructor == null', 'http', true, 'header.constructor == null (got no value (no constructor header))'],
  ['header.server == nginx', 'refused', false, 'expected header.server == nginx, got nothing (connect ECONNREFUSED 127.0.0.1:80)'],
  // cert.days_left
  ['cert.days_left > 14', 'http', false, 'expected cert.days_left > 14, got 9'],
  ['cert.days_left > -1', 'http', true, 'cert.days_left > -1 (got 9)'],
  ['cert.days_left > 14', 'dns', false, 'expected cert.days_left > 14, got nothing (no certificate observed)'],
  // answers: exact membership, case and root dot ignored; matches for partial
  ['answers contains 93.184.216.34', 'dns', true, 'answers contains 93.184.216.34 (got ["93.184.216.34","Mail.Example.COM."])'],
  ['answers contains 93.184.216.3', 'dns', false, 'expected answers contains 93.184.216.3, got ["93.184.216.34","Mail.Example.COM."]'],
  ['answers contains mail.example.com', 'dns', true, 'answers contains mail.example.com (got ["93.184.216.34","Mail.Example.COM."])'],
  ['answers !contains 10.0.0.1', 'dns', true, 'answers !contains 10.0.0.1 (got ["93.184.216.34","Mail.Example.COM."])'],
  ['answers matches "^93\\."', 'dns', true, 'answers matches "^93\\." (got ["93.184.216.34","Mail.Example.COM."])'],
  ['answers contains 1.2.3.4', 'http', false, 'expected answers contains 1.2.3.4, got nothing (no answers observed)'],
  // connected
  ['connected == true', 'http', true, 'connected == true (got true)'],
  ['connected == true', 'refused', false, 'expected connected == true, got false'],
  ['connected != true', 'refused', true, 'connected != true (got false)'],
  ['connected == true', 'dns', false, 'expected connected == true, got nothing (no connection state observed)'],
];

describe('evaluateAssertion', () => {
  it.each(scenarios)('%s on %s', (text, on, ok, message) => {
    expect(evaluateAssertion(parsed(text), observations[on])).toEqual({ ok, message });
  });

  it('shows a long body truncated, with its length', () => {
    const observation: Observation = { responseTimeMs: 1, body: 'x'.repeat(500) };
    const { message } = evaluateAssertion(parsed('body contains y'), observation);
    expect(message).toBe(`expected body contains y, got "${'x'.repeat(100)}…" (500 chars)`);
  });

  it('parses a JSON body at most once per observation', () => {
    const spy = vi.spyOn(JSON, 'parse');
    const observation: Observation = { responseTimeMs: 1, body: '{"a":1,"b":2}' };
    const notJson: Observation = { responseTimeMs: 1, body: 'nope' };
    for (const text of ['body.json.a == 1', 'body.json.b == 2', 'body.json.c == null']) {
      evaluateAssertion(parsed(text), observation);
      evaluateAssertion(parsed(text), notJson);
    }
    expect(spy).toHaveBeenCalledTimes(2);
    spy.mockRestore();
  });
});

describe('parseAssertion', () => {
  it.each([
    ['status == 200', { fact: 'status', path: [], operator: '==', expected: 200 }],
    ['response_time < 800ms', { fact: 'response_time', path: [], operator: '<', expected: 800 }],
    ['response_time < 1.5s', { fact: 'response_time', path: [], operator: '<', expected: 1_500 }],
    ['response_time < 250', { fact: 'response_time', path: [], operator: '<', expected: 250 }],
    [
      'body.json.items[0].id >= 3',
      { fact: 'body.json', path: ['items', 0, 'id'], operator: '>=', expected: 3 },
    ],
    ['body.json[1] == null', { fact: 'body.json', path: [1], operator: '==', expected: null }],
    ['body.json == "x"', { fact: 'body.json', path: [], operator: '==', expected: 'x' }],
    [
      'body.json.a == "say \\"hi\\""',
      { fact: 'body.json', path: ['a'], operator: '==', expected: 'say "hi"' },
    ],
    ['body.json.a == ""', { fact: 'body.json', path: ['a'], operator: '==', expected: '' }],
    ['body.json.a == 800ms', { fact: 'body.json', path: ['a'], operator: '==', expected: '800ms' }],
    ['header.Content-Type contains json', { fact: 'header', path: ['content-type'], expected: 'json' }],
    ['header.x-count == 3', { fact: 'header', path: ['x-count'], operator: '==', expected: '3' }],
    ['header.x-count == "null"', { fact: 'header', path: ['x-count'], operator: '==', expected: 'null' }],
    ['body contains 200', { fact: 'body', operator: 'contains', expected: '200' }],
    ['body contains "true"', { fact: 'body', operator: 'contains', expected: 'true' }],
    ['body !contains"x"', { fact: 'body', operator: '!contains', expected: 'x' }],
    ['answers contains 93.184.216.34', { fact: 'answers', operator: 'contains', expected: '93.184.216.34' }],
    ['connected == false', { fact: 'connected', operator: '==', expected: false }],
    ['cert.days_left>14', { fact: 'cert.days_left', operator: '>', expected: 14 }],
  ])('%s', (text, fields) => {
    expect(parseAssertion(text)).toMatchObject({ assertion: { text: text.trim(), ...fields } });
  });

  it('compiles a matches pattern once, keeping its source as the expected value', () => {
    const assertion = parsed('body matches "ver(sion)? \\d+"');
    expect(assertion.expected).toBe('ver(sion)? \\d+');
    expect(assertion.pattern).toEqual(/ver(sion)? \d+/);
    expect(parsed('status == 200').pattern).toBeUndefined();
  });

  const facts =
    'status, response_time, body, body.json.<path>, header.<name>, cert.days_left, answers, connected';
  it.each([
    ['stats == 200', `unknown fact "stats" (expected ${facts})`],
    ['body.text contains x', `unknown fact "body.text" (expected ${facts})`],
    ['header == x', `unknown fact "header" (expected ${facts})`],
    ['', `expected a fact at the start (${facts})`],
    ['== 200', `expected a fact at the start (${facts})`],
    ['header. == x', 'invalid header name "" in "header."'],
    ['header.a:b == x', 'invalid header name "a:b" in "header.a:b"'],
    [
      'body.json.items[x] == 1',
      'invalid JSON path "body.json.items[x]" (use .key and [index] segments, like body.json.items[0].id)',
    ],
    [
      'body.json..a == 1',
      'invalid JSON path "body.json..a" (use .key and [index] segments, like body.json.items[0].id)',
    ],
    [
      'body.json.a. == 1',
      'invalid JSON path "body.json.a." (use .key and [index] segments, like body.json.items[0].id)',
    ],
    ['status', 'expected an operator (== != < <= > >= contains !contains matches) after "status"'],
    ['status = 200', 'expected an operator (== != < <= > >= contains !contains matches) after "status"'],
    ['body containsx', 'expected an operator (== != < <= > >= contains !contains matches) after "body"'],
    ['status ==', 'expected a value after =='],
    ['body contains   ', 'expected a value after contains'],
    ['status contains 2', 'status takes ==, !=, <, <=, > or >=, not contains'],
    ['response_time matches 1', 'response_time takes ==, !=, <, <=, > or >=, not matches'],
    ['connected < 1', 'connected takes == or !=, not <'],
    ['body < 5', 'body takes ==, !=, contains, !contains or matches, not <'],
    ['answers == 1.2.3.4', 'answers takes contains, !contains or matches, not =='],
    ['status == ok', 'status compares with a number like 200'],
    ['status == "200"', 'status compares with a number like 200'],
    ['cert.days_left > 14d', 'cert.days_left compares with a number like 14'],
    ['response_time < "800ms"', 'response_time compares with a duration like 800ms'],
    ['response_time < fast', 'response_time compares with a duration like 800ms'],
    ['connected == yes', 'connected compares with true or false'],
    ['body.json.a > "3"', '> needs a number on the right'],
    ['header.content-length <= big', '<= needs a number on the right'],
    ['body contains hello world', 'a value with spaces must be quoted: "hello world"'],
    ['body contains "hello', 'unterminated quoted value "hello'],
    ['body contains "a\\"', 'unterminated quoted value "a\\"'],
    ['body contains "a" b', 'unexpected "b" after the quoted value'],
    ['body matches "ver(sion"', 'invalid regular expression "ver(sion": Unterminated group'],
    ['body matches [a-', 'invalid regular expression "[a-": Unterminated character class'],
  ])('%j is an error', (text, error) => expect(parseAssertion(text)).toEqual({ error }));
});

describe('factsNeeded', () => {
  const needs = (...texts: string[]) => factsNeeded(texts.map(parsed));
  it.each([
    [[], { body: false, json: false, headers: false, cert: false }],
    [
      ['status == 200', 'response_time < 1s', 'connected == true'],
      { body: false, json: false, headers: false, cert: false },
    ],
    [['body contains ok'], { body: true, json: false, headers: false, cert: false }],
    [['body.json.a == 1'], { body: true, json: true, headers: false, cert: false }],
    [['header.server == x', 'cert.days_left > 3'], { body: false, json: false, headers: true, cert: true }],
  ])('%j', (texts, facts) => expect(needs(...texts)).toEqual(facts));
});
