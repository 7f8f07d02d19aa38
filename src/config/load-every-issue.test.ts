import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfigText } from './index.ts';

/** `line:path: message` of every issue, in the order reported. */
function issuesOf(rows: string[], env: Record<string, string> = {}): string[] {
  try {
    parseConfigText(`${rows.join('\n')}\n`, { file: 'bad.yaml', env });
  } catch (error) {
    if (error instanceof ConfigError) return error.issues.map((i) => `${i.line}:${i.path}: ${i.message}`);
    throw error;
  }
  throw new Error('expected a ConfigError');
}

// `validate` promises every problem in one run; a cross-reference used to wait until the schema passed.
describe('one run reports every problem, in file order', () => {
  it('a route pool typo beside a wrong balancer and a wrong monitor interval', () => {
    const issues = issuesOf([
      'pools:',
      '  api:',
      '    balancer: least-requests',
      '    endpoints: [{ url: http://127.0.0.1:9001 }]',
      'routes:',
      '  - pool: apii',
      'monitors:',
      '  - { name: api, type: tcp, host: 127.0.0.1, port: 9001, interval: 0s }',
    ]);
    expect(issues).toEqual([
      expect.stringMatching(/^3:pools\.api\.balancer: expected one of round-robin \| .*least-requests/),
      '6:routes[0].pool: expected the name of a pool (api), found "apii" (did you mean "api"?)',
      '8:monitors[0].interval: expected a duration above 0, found "0s"',
    ]);
  });

  it('an unknown notifier beside a wrong notifier field', () => {
    const issues = issuesOf([
      'pools: { api: { endpoints: [{ url: http://127.0.0.1:9001 }] } }',
      'routes: [{ pool: api }]',
      'alerting:',
      '  routes:',
      '    - notify: [slack]',
      '  notifiers:',
      '    hooks: { type: webhook, url: 42 }',
    ]);
    expect(issues).toEqual([
      '5:alerting.routes[0].notify[0]: expected the name of a notifier (hooks), found "slack"',
      '7:alerting.notifiers.hooks.url: expected an http:// or https:// URL, found 42',
    ]);
  });

  it('an unset variable beside everything else, without a second message for its placeholder', () => {
    const issues = issuesOf([
      'admin:',
      '  tokens: ["${BULWARK_ADMIN_TOKEN}"]',
      'pools:',
      '  api:',
      '    balancer: round-robbin',
      '    endpoints: [{ url: "${API_URL}" }]',
      'routes:',
      '  - pool: apii',
    ]);
    expect(issues).toEqual([
      '2:admin.tokens[0]: environment variable BULWARK_ADMIN_TOKEN is not set (write ${BULWARK_ADMIN_TOKEN:-default} to give a default)',
      expect.stringMatching(/^5:pools\.api\.balancer: expected one of .*found "round-robbin"/),
      '6:pools.api.endpoints[0].url: environment variable API_URL is not set (write ${API_URL:-default} to give a default)',
      '8:routes[0].pool: expected the name of a pool (api), found "apii" (did you mean "api"?)',
    ]);
  });

  it('an unset variable where a union is decided (a status page component) is reported once', () => {
    const issues = issuesOf([
      'pools: { api: { endpoints: [{ url: http://127.0.0.1:9001 }] } }',
      'routes: [{ pool: api }]',
      'status_page: { title: Status, components: [{ name: API, id: "${COMPONENT_ID}" }] }',
    ]);
    expect(issues).toEqual([
      '3:status_page.components[0].id: environment variable COMPONENT_ID is not set (write ${COMPONENT_ID:-default} to give a default)',
    ]);
  });

  it('a pool that exists but is broken is not also an unknown pool', () => {
    const issues = issuesOf([
      'pools:',
      '  api:',
      '    endpoints: [{ url: 127.0.0.1:9001 }]',
      '    failover: backup',
      '  backup:',
      '    endpoints: [{ url: http://127.0.0.1:9002 }]',
      '    failover: api',
      'routes: [{ pool: api }]',
      'alerting: { rules: [{ name: down, pool: api, when: healthy_share < 50% }] }',
    ]);
    expect(issues).toEqual([
      '3:pools.api.endpoints[0].url: expected an http:// or https:// URL, found "127.0.0.1:9001"',
      '4:pools.api.failover: failover chain loops back to "api"',
      '7:pools.backup.failover: failover chain loops back to "backup"',
    ]);
  });

  it('status page references beside broken monitors, components and maintenance windows', () => {
    const issues = issuesOf([
      'pools: { api: { endpoints: [{ url: http://127.0.0.1:9001 }] } }',
      'routes: [{ pool: api }]',
      'monitors:',
      '  - { name: Public API, type: http, url: htp://127.0.0.1:9001/ }',
      '  - { name: Port, type: tcp, host: 127.0.0.1, port: -1 }',
      'status_page:',
      '  title: Status',
      '  time_zone: Mars/Olympus',
      '  components:',
      '    - { name: API, from: { monitors: [public-api, port, nope], pools: [ap] } }',
      '    - { name: Broken, description: 7, from: { monitors: [nope] } }',
      '  maintenance:',
      '    - { name: W, cron: "0 2 * * *", duration: 0s, components: [api, broken, nope], drain: [api/127.0.0.1:1] }',
    ]);
    expect(issues).toEqual([
      '4:monitors[0].url: expected an http:// or https:// URL, found "htp://127.0.0.1:9001/"',
      '5:monitors[1].port: expected a number >= 1, found -1',
      '8:status_page.time_zone: expected an IANA time zone such as Europe/Berlin or UTC, found "Mars/Olympus"',
      '10:status_page.components[0].from.monitors[2]: expected the id of a monitor (public-api | port), found "nope"',
      '10:status_page.components[0].from.pools[0]: expected the name of a pool (api), found "ap" (did you mean "api"?)',
      expect.stringMatching(/^11:status_page\.components\[1\]\.description: expected a string, found 7/),
      '11:status_page.components[1].from.monitors[0]: expected the id of a monitor (public-api | port), found "nope"',
      '13:status_page.maintenance[0].duration: expected a duration above 0, found "0s"',
      '13:status_page.maintenance[0].components[2]: expected a component id (api | broken), found "nope"',
      '13:status_page.maintenance[0].drain[0]: expected POOL/ENDPOINT naming a configured endpoint (api/127.0.0.1:9001), found "api/127.0.0.1:1" (did you mean "api/127.0.0.1:9001"?)',
    ]);
  });

  it('checks inside a section still run beside an error in another of its fields', () => {
    const issues = issuesOf([
      'pools:',
      '  api:',
      '    balancer: consistent-hash',
      '    endpoints: [{ url: http://127.0.0.1:9001, weight: two }]',
      'routes:',
      '  - pool: api',
      '    timeouts: { total: 0s }',
      '    rate_limits: [{ key: ip, rate: 1/s }, { key: ip, rate: 2/s }]',
      'monitors:',
      '  - { name: api, type: tcp, host: 127.0.0.1, port: 0, timeout: 2m }',
      '  - { name: API, type: tcp, host: 127.0.0.1, port: 1 }',
    ]);
    expect(issues).toEqual([
      '3:pools.api.hash_key: consistent-hash needs hash_key (header:NAME, cookie:NAME or ip)',
      '4:pools.api.endpoints[0].weight: expected a number, found "two"',
      '7:routes[0].timeouts.total: expected a duration above 0, found "0s"',
      '8:routes[0].rate_limits[1].name: two rate limits of this route are both named "ip"; give one a distinct name',
      '10:monitors[0].port: expected a number >= 1, found 0',
      '10:monitors[0].timeout: expected a timeout shorter than the interval, found "2m"',
      '11:monitors[1].id: monitor id "api" is already used by monitors[0]; give one an explicit id',
    ]);
  });
});
