import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfigText } from './index.ts';

const head = ['pools: { api: { endpoints: [{ url: http://127.0.0.1:9001 }] } }', 'routes: [{ pool: api }]'];

/** Every message, as `path: message`. */
function messagesOf(rows: string[], env: Record<string, string> = {}, prefix = head): string[] {
  try {
    parseConfigText(`${[...prefix, ...rows].join('\n')}\n`, { file: 'bad.yaml', env });
  } catch (error) {
    if (error instanceof ConfigError) return error.issues.map((i) => `${i.path}: ${i.message}`);
    throw error;
  }
  throw new Error('expected a ConfigError');
}

const page = (monitors: string) => [
  'status_page:',
  '  title: Status',
  `  components: [{ name: API, from: { monitors: [${monitors}] } }]`,
];

describe('config messages say what was expected, what was found and what was meant', () => {
  it('a wrong monitor type lists the types and suggests the nearest', () => {
    expect(messagesOf(['monitors: [{ name: api, type: https, url: "http://127.0.0.1:9001/" }]'])).toEqual([
      'monitors[0].type: expected one of http | tcp | tls | dns | heartbeat, found "https" (did you mean "http"?)',
    ]);
  });

  it('a reference to a list that is empty says there is nothing to refer to', () => {
    expect(
      messagesOf(['monitor: [{ name: Public API, type: tcp, host: a, port: 1 }]', ...page('public-api')]),
    ).toEqual([
      'monitor: unknown key "monitor" (did you mean "monitors"?)',
      'status_page.components[0].from.monitors[0]: expected the id of a monitor (none are defined under monitors), found "public-api"',
    ]);
    expect(messagesOf(['pools: {}', 'routes: [{ pool: web }]'], {}, [])).toEqual([
      'pools: at least one pool is needed',
      'routes[0].pool: expected the name of a pool (none are defined under pools), found "web"',
    ]);
  });

  it('a reference suggests the nearest name, across _ and -', () => {
    expect(
      messagesOf(['monitors: [{ name: Public API, type: tcp, host: a, port: 1 }]', ...page('public_api')]),
    ).toEqual([
      'status_page.components[0].from.monitors[0]: expected the id of a monitor (public-api), found "public_api" (did you mean "public-api"?)',
    ]);
  });

  it('a reference from the environment gets no suggestion: it would hint at the value', () => {
    expect(
      messagesOf(['monitors: [{ name: Public API, type: tcp, host: a, port: 1 }]', ...page('"${MONITOR}"')], {
        MONITOR: 'public_api',
      }),
    ).toEqual([
      'status_page.components[0].from.monitors[0]: expected the id of a monitor (public-api), found "${MONITOR}" (from the environment)',
    ]);
    // The names listed are not the value: "ap" must not be scrubbed out of "api".
    expect(messagesOf(['routes: [{ pool: "${POOL}" }]'], { POOL: 'ap' }, [head[0] ?? ''])).toEqual([
      'routes[0].pool: expected the name of a pool (api), found "${POOL}" (from the environment)',
    ]);
  });

  it('an empty variable is named as the cause, never its value', () => {
    const token = ['admin: { tokens: ["${BULWARK_ADMIN_TOKEN}"] }'];
    expect(messagesOf(token, { BULWARK_ADMIN_TOKEN: '' })).toEqual([
      'admin.tokens[0]: admin tokens need at least 16 characters, found "${BULWARK_ADMIN_TOKEN}" (from the environment, where it is empty)',
    ]);
    const short = messagesOf(token, { BULWARK_ADMIN_TOKEN: 'hunter2' });
    expect(short).toEqual([
      'admin.tokens[0]: admin tokens need at least 16 characters, found "${BULWARK_ADMIN_TOKEN}" (from the environment)',
    ]);
  });

  it('a short value from the environment does not mangle the words of the message it is scrubbed from', () => {
    const token = ['admin: { tokens: ["${BULWARK_ADMIN_TOKEN}"] }'];
    expect(messagesOf(token, { BULWARK_ADMIN_TOKEN: 's' })).toEqual([
      'admin.tokens[0]: admin tokens need at least 16 characters, found "${BULWARK_ADMIN_TOKEN}" (from the environment)',
    ]);
  });

  it('a token written in the file is not echoed', () => {
    expect(messagesOf(['admin: { tokens: [hunter2] }'])).toEqual([
      'admin.tokens[0]: admin tokens need at least 16 characters',
    ]);
  });

  it('an unknown key in a monitor or notifier is matched against that kind of entry', () => {
    expect(
      messagesOf([
        'monitors: [{ name: db, type: tcp, hots: a, host: a, port: 1 }]',
        'alerting: { notifiers: { hooks: { type: webhook, urll: "http://x" } } }',
      ]),
    ).toEqual([
      'monitors[0].hots: unknown key "hots" (did you mean "host"?)',
      'alerting.notifiers.hooks.url: missing required key "url"',
      'alerting.notifiers.hooks.urll: unknown key "urll" (did you mean "url"?)',
    ]);
  });
});
