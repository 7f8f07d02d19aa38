import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfigText } from './index.ts';

/** `line:path: message` of every issue. */
function issuesOf(text: string, env: Record<string, string> = {}): string[] {
  try {
    parseConfigText(text, { file: 'bulwark.yaml', env });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.issues.map((i) => `${i.line}:${i.path}: ${i.message}`);
  }
  throw new Error('expected a ConfigError');
}

const lines = (...rows: string[]) => `${rows.join('\n')}\n`;
const pool = ['pools:', '  api:', '    endpoints: [{ url: http://127.0.0.1:39101 }]'];
const route = ['routes:', '  - pool: api'];

describe('config errors suggest what was meant', () => {
  it('says what a retry condition may be, and the keyword a typo meant', () => {
    expect(issuesOf(lines(...pool, ...route, '    retry: { on: [reset-before-reponse, 600] }'))).toEqual([
      '6:routes[0].retry.on[0]: expected one of connect-failure | refused | reset-before-response | first-byte-timeout, or a status code 400–599, found "reset-before-reponse" (did you mean "reset-before-response"?)',
      '6:routes[0].retry.on[1]: expected one of connect-failure | refused | reset-before-response | first-byte-timeout, or a status code 400–599, found 600',
    ]);
  });

  it.each([
    ['10', '(did you mean 10s?)'],
    ['5000', '(did you mean 5000ms or 5000s?)'],
    ['1sec', '(did you mean 1s?)'],
    ['"5 minutes"', '(did you mean 5m?)'],
  ])('suggests a duration for idle: %s', (written, hint) => {
    const [issue] = issuesOf(lines(...pool, ...route, `    timeouts: { idle: ${written} }`));
    expect(issue).toMatch(/^6:routes\[0\]\.timeouts\.idle: expected a duration/);
    expect(issue?.endsWith(hint)).toBe(true);
  });

  it('suggests no duration its bounds would refuse', () => {
    const [issue] = issuesOf(lines(...pool, ...route, '    timeouts: { idle: 30days }'));
    expect(issue).toBe('6:routes[0].timeouts.idle: expected a duration like 250ms, 2s or 5m, found "30days"');
  });

  it.each([
    ['0.5', '(did you mean 50%?)'],
    ['25', '(did you mean 25%?)'],
    ['1', '(did you mean 1% or 100%?)'],
  ])('suggests a percentage for panic_threshold: %s', (written, hint) => {
    expect(issuesOf(lines(...pool, `    panic_threshold: ${written}`, ...route))).toEqual([
      `4:pools.api.panic_threshold: expected a percentage from 0% to 100%, found ${written} ${hint}`,
    ]);
  });

  it('never suggests from a value that came from the environment', () => {
    const env = { RATIO: '0.5' };
    expect(issuesOf(lines(...pool, '    panic_threshold: ${RATIO}', ...route), env)).toEqual([
      '4:pools.api.panic_threshold: expected a percentage from 0% to 100%, found "${RATIO}" (from the environment)',
    ]);
  });

  it('names the set variable an unset one most likely meant, never its value', () => {
    const env = { HOOK_SECRET: 'hunter2-secret-value', PATH: '/usr/bin' };
    const issues = issuesOf(
      lines('admin:', '  tokens: ["${HOOK_SECRT}", "${NOTHING_LIKE}"]', ...pool, ...route),
      env,
    );
    expect(issues).toEqual([
      '2:admin.tokens[0]: environment variable HOOK_SECRT is not set (did you mean HOOK_SECRET? It is set)',
      '2:admin.tokens[1]: environment variable NOTHING_LIKE is not set (write ${NOTHING_LIKE:-default} to give a default)',
    ]);
    expect(issues.join('\n')).not.toContain('hunter2');
  });
});

describe('a monitor timeout not below its interval', () => {
  const monitor = (keys: string) =>
    lines(...pool, ...route, 'monitors:', `  - { name: api, type: tcp, host: a, port: 1, ${keys} }`);

  it('quotes the timeout when it was written', () => {
    expect(issuesOf(monitor('interval: 5s, timeout: 5s'))).toEqual([
      '7:monitors[0].timeout: expected a timeout shorter than the interval, found "5s"',
    ]);
  });

  it('says the default is at fault when no timeout was written', () => {
    expect(issuesOf(monitor('interval: 5s'))).toEqual([
      '7:monitors[0].timeout: the default timeout (10s) is not shorter than the interval; set a shorter timeout',
    ]);
  });
});
