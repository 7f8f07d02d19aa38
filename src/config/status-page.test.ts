import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfigText } from './index.ts';

const base = [
  'pools:',
  '  api:',
  '    endpoints: [{ url: "http://127.0.0.1:9001" }]',
  'routes:',
  '  - pool: api',
  'monitors:',
  '  - { name: Public API, type: http, url: "http://127.0.0.1:9001/", interval: 30s, timeout: 5s }',
  '  - { name: Dashboard, type: http, url: "http://127.0.0.1:9002/", interval: 30s, timeout: 5s }',
];

// The issue's contract, verbatim.
const contract = [
  'listen:',
  '  status: 127.0.0.1:8081',
  'status_page:',
  '  title: Acme Status',
  '  url: https://status.acme.example',
  '  time_zone: Europe/Berlin',
  '  components:',
  '    - name: API',
  '      description: Public REST API',
  '      from: { monitors: [public-api], pools: [api] }',
  '    - group: Platform',
  '      components:',
  '        - { name: Dashboard, from: { monitors: [dashboard] } }',
  '  export_dir: ./public-status',
];

const parse = (lines: string[]) => parseConfigText([...base, ...lines].join('\n'), { file: 'bulwark.yaml' });

function issueOf(lines: string[]) {
  try {
    parse(lines);
  } catch (error) {
    if (error instanceof ConfigError) return error.issues[0];
    throw error;
  }
  throw new Error('expected a config error');
}

describe('status_page config', () => {
  it('accepts the contract and flattens components with slug ids, positions and groups', () => {
    const config = parse(contract);
    expect(config.listen.status).toEqual({ host: '127.0.0.1', port: 8081 });
    const page = config.statusPage;
    expect(page).toMatchObject({
      title: 'Acme Status',
      url: 'https://status.acme.example',
      timeZone: 'Europe/Berlin',
      exportDir: './public-status',
      autoPublish: false,
    });
    expect(page?.components.map((c) => [c.id, c.position, c.isGroup, c.groupId, c.childIds])).toEqual([
      ['api', 1, false, null, []],
      ['platform', 2, true, null, ['dashboard']],
      ['dashboard', 3, false, 'platform', []],
    ]);
    expect(page?.components[0]).toMatchObject({ monitors: ['public-api'], pools: ['api'] });
  });

  it('is optional: without it there is no status page', () => {
    expect(parse([]).statusPage).toBeUndefined();
  });

  it('names the place of an unknown monitor, pool, time zone or duplicate id', () => {
    const withComponents = (component: string, extra: string[] = []) => [
      'status_page:',
      '  title: X',
      ...extra,
      '  components:',
      `    - ${component}`,
    ];
    expect(issueOf(withComponents('{ name: API, from: { monitors: [nope] } }'))).toMatchObject({
      path: 'status_page.components[0].from.monitors[0]',
      line: 12,
    });
    expect(issueOf(withComponents('{ name: API, from: { pools: [nope] } }'))?.message).toMatch(
      /name of a pool \(api\)/,
    );
    expect(issueOf(withComponents('{ name: API }', ['  time_zone: Mars/Olympus']))?.message).toMatch(
      /IANA time zone/,
    );
    expect(issueOf([...withComponents('{ name: API }'), '    - { name: api }'])?.message).toMatch(
      /component id "api" is used twice/,
    );
  });

  it('offers email subscriptions through the given relay, and names what is wrong with it', () => {
    const page = (email: string) => ['status_page:', '  title: X', '  subscribers:', `    email: ${email}`];
    const config = parse(page('{ from: "Acme <status@acme.example>", smtp: { host: smtp.acme.example } }'));
    expect(config.statusPage?.subscriberEmail).toMatchObject({
      from: 'Acme <status@acme.example>',
      smtp: { host: 'smtp.acme.example', port: 587, tls: 'auto' },
      maxSubscribers: 10_000,
    });
    const capped = parse(page('{ from: a@b.example, smtp: { host: h }, max_subscribers: 500 }'));
    expect(capped.statusPage?.subscriberEmail?.maxSubscribers).toBe(500);
    expect(issueOf(page('{ from: a@b.example, smtp: { host: h }, max_subscribers: 0 }'))).toMatchObject({
      path: 'status_page.subscribers.email.max_subscribers',
    });
    expect(parse(['status_page:', '  title: X']).statusPage?.subscriberEmail).toBeUndefined();
    expect(issueOf(page('{ smtp: { host: smtp.acme.example } }'))).toMatchObject({
      path: 'status_page.subscribers.email.from',
    });
    expect(issueOf(page('{ from: a@b.example, smtp: { host: h, user: u } }'))?.message).toMatch(
      /user and password go together/,
    );
  });

  it('checks recurring maintenance: one schedule, a valid cron, known components and endpoints', () => {
    const window = (line: string) => [
      'status_page:',
      '  title: X',
      '  components: [{ name: API }]',
      '  maintenance:',
      `    - ${line}`,
    ];
    const ok = parse(
      window(
        '{ name: Weekly DB, weekly: { days: [sun], at: "02:30" }, duration: 2h, components: [api], drain: [api/127.0.0.1:9001] }',
      ),
    );
    expect(ok.statusPage?.recurringMaintenance).toEqual([
      {
        id: 'weekly-db',
        name: 'Weekly DB',
        componentIds: ['api'],
        drain: ['api/127.0.0.1:9001'],
        recurrence: { weekly: { days: ['sun'], at: '02:30' } },
        durationMs: 7_200_000,
        body: null,
      },
    ]);
    expect(
      issueOf(window('{ name: W, cron: "0 2 * * *", weekly: { days: [sun], at: "02:00" }, duration: 1h }'))
        ?.message,
    ).toMatch(/exactly one of cron or weekly/);
    expect(issueOf(window('{ name: W, cron: "99 2 * * *", duration: 1h }'))?.path).toBe(
      'status_page.maintenance[0].cron',
    );
    expect(issueOf(window('{ name: W, cron: "0 2 * * *", duration: 1h, components: [nope] }'))?.path).toBe(
      'status_page.maintenance[0].components[0]',
    );
    expect(
      issueOf(window('{ name: W, cron: "0 2 * * *", duration: 1h, drain: [api/127.0.0.1:1] }'))?.path,
    ).toBe('status_page.maintenance[0].drain[0]');
  });
});
