import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfigText } from './index.ts';

const base = [
  'pools:',
  '  api:',
  '    endpoints: [{ url: "http://127.0.0.1:9001" }]',
  'routes:',
  '  - pool: api',
];

// The issue's contract, verbatim apart from the email host.
const contract = [
  'alerting:',
  '  defaults: { group_by: [component], group_wait: 10s, group_interval: 1m, repeat_interval: 4h, send_resolved: true }',
  '  rules:',
  '    - { name: pool-degraded, pool: api, when: healthy_share < 50%, for: 30s, severity: critical }',
  '    - { name: api-errors, pool: api, when: error_ratio > 5%, window: 5m, severity: warning }',
  '  routes:',
  '    - { match: { severity: critical }, notify: [oncall, team-chat], continue: true }',
  '    - { notify: [team-chat] }',
  '  notifiers:',
  '    team-chat: { type: slack, webhook_url: "${SLACK_WEBHOOK_URL}" }',
  '    oncall: { type: pagerduty, routing_key: "${PD_ROUTING_KEY}" }',
  '    ops-mail: { type: email, smtp: { host: smtp.example.com, port: 587, user: "${SMTP_USER}", password: "${SMTP_PASSWORD}" }, from: bulwark@example.com, to: [ops@example.com] }',
  '    hooks: { type: webhook, url: https://hooks.example.com/bulwark, secret: "${HOOK_SECRET}" }',
];

const env = {
  SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T000/B000/XXXXXXXX',
  PD_ROUTING_KEY: 'R0123456789abcdef0123456789abcde',
  SMTP_USER: 'bulwark',
  SMTP_PASSWORD: 'hunter2-hunter2',
  HOOK_SECRET: 'a-long-webhook-signing-secret',
};

function parse(lines: string[]) {
  return parseConfigText([...base, ...lines].join('\n'), { file: 'bulwark.yaml', env });
}

function issuesOf(lines: string[]) {
  try {
    parse(lines);
  } catch (error) {
    if (error instanceof ConfigError) return error.issues;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('alerting config', () => {
  it('reads the contract into a routing tree, pool rules and notifiers', () => {
    const { alerting } = parse(contract);
    expect(alerting.root.children.map((r) => ({ receivers: r.receivers, continue: r.continue }))).toEqual([
      { receivers: ['oncall', 'team-chat'], continue: true },
      { receivers: ['team-chat'], continue: false },
    ]);
    for (const route of alerting.root.children) expect(route.id).toMatch(/^r[0-9a-f]{12}$/);
    expect(alerting.root.children[0]).toMatchObject({
      groupBy: ['component'],
      groupWaitMs: 10_000,
      groupIntervalMs: 60_000,
      repeatIntervalMs: 4 * 3_600_000,
      matchers: [{ name: 'severity', value: 'critical', isRegex: false, isEqual: true }],
    });
    expect(alerting.rules[0]).toMatchObject({
      name: 'pool-degraded',
      pool: 'api',
      condition: { signal: 'healthy_share', comparison: '<', threshold: 0.5 },
      forMs: 30_000,
      severity: 'critical',
    });
    expect(alerting.rules[1]).toMatchObject({ windowMs: 300_000, condition: { signal: 'error_ratio' } });
    expect(Object.keys(alerting.notifiers).sort()).toEqual(['hooks', 'oncall', 'ops-mail', 'team-chat']);
    expect(alerting.notifiers['team-chat']).toMatchObject({
      type: 'slack',
      webhook_url: env.SLACK_WEBHOOK_URL,
    });
    expect(alerting.defaultSendResolved).toBe(true);
  });

  it('names routes after their matchers, not their places, so a reload that inserts one renames no group', () => {
    const routes = [
      '    - { match: { severity: critical }, notify: [a] }',
      '    - { match: { team: db }, notify: [b], routes: [{ matchers: ["env=prod"] }] }',
      '    - { match: { team: db }, notify: [a] }',
    ];
    const idsOf = (lines: string[]) => {
      const { alerting } = parse([
        'alerting:',
        '  notifiers: { a: { type: ntfy, topic: t }, b: { type: ntfy, topic: u } }',
        '  routes:',
        ...lines,
      ]);
      return alerting.root.children.map((r) => [r.id, ...r.children.map((c) => c.id)]);
    };
    const before = idsOf(routes);
    const after = idsOf(['    - { match: { pool: api }, notify: [b] }', ...routes]);
    expect(after.slice(1)).toEqual(before);
    // Two siblings with the same matchers are told apart by their order among themselves.
    expect(new Set(before.flat()).size).toBe(4);
  });

  it('has sensible defaults when the section is absent', () => {
    const { alerting } = parse([]);
    expect(alerting.root).toMatchObject({ receivers: [], groupWaitMs: 10_000, children: [] });
    expect(alerting.maxDeliveryAgeMs).toBe(3_600_000);
    expect(alerting.certExpiryDays).toEqual({ warning: 14, critical: 7 });
  });

  it('nested routes inherit unset settings from their parent', () => {
    const { alerting } = parse([
      'alerting:',
      '  notifiers: { a: { type: ntfy, topic: t }, b: { type: ntfy, topic: u } }',
      '  routes:',
      '    - match: { team: db }',
      '      notify: [a]',
      '      group_wait: 1s',
      '      routes: [{ matchers: ["severity=~critical|error"], notify: [b] }]',
    ]);
    const child = alerting.root.children[0]?.children[0];
    expect(child).toMatchObject({ receivers: ['b'], groupWaitMs: 1_000 });
    expect(child?.matchers).toEqual([
      { name: 'severity', value: 'critical|error', isRegex: true, isEqual: true },
    ]);
  });

  it.each([
    [
      'a route naming an unknown notifier',
      ['alerting:', '  notifiers: { chat: { type: ntfy, topic: t } }', '  routes: [{ notify: [pager] }]'],
      'alerting.routes[0].notify[0]',
      'expected the name of a notifier (chat)',
    ],
    [
      'a rule on an unknown pool',
      ['alerting:', '  rules: [{ name: r, pool: web, when: healthy_share < 50% }]'],
      'alerting.rules[0].pool',
      'expected the name of a pool (api)',
    ],
    [
      'a rule with an unknown signal',
      ['alerting:', '  rules: [{ name: r, pool: api, when: cpu > 90% }]'],
      'alerting.rules[0].when',
      'healthy_share, error_ratio, p99_latency',
    ],
    [
      'a malformed matcher',
      ['alerting:', '  inhibit: [{ source: ["severity"], target: ["a=b"] }]'],
      'alerting.inhibit[0].source[0]',
      'expected NAME=VALUE',
    ],
    [
      'a notifier of an unknown type',
      ['alerting:', '  notifiers: { chat: { type: carrier-pigeon } }'],
      'alerting.notifiers.chat.type',
      '',
    ],
    [
      'a notifier missing a required field',
      ['alerting:', '  notifiers: { chat: { type: slack } }'],
      'alerting.notifiers.chat.webhook_url',
      '',
    ],
  ])('rejects %s with its path and line', (_name, lines, path, message) => {
    const [issue] = issuesOf(lines);
    expect(issue?.path).toBe(path);
    expect(issue?.line).toBeGreaterThan(base.length);
    expect(issue?.message).toContain(message);
  });

  it('never echoes a secret from the environment in an error', () => {
    const issues = issuesOf([
      'alerting:',
      '  notifiers: { chat: { type: slack, webhook_url: "${SMTP_PASSWORD}" } }',
    ]);
    expect(JSON.stringify(issues)).not.toContain(env.SMTP_PASSWORD);
  });
});
