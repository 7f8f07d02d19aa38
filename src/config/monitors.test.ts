import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfigText } from './index.ts';

const base = `
pools: { api: { endpoints: [{ url: http://127.0.0.1:9001 }] } }
routes: [{ pool: api }]
`;

function issuesOf(text: string): string[] {
  try {
    parseConfigText(text, { env: { API_TOKEN: 't0ken' } });
  } catch (error) {
    if (error instanceof ConfigError) return error.issues.map((i) => `${i.line}:${i.path}: ${i.message}`);
    throw error;
  }
  return [];
}

describe('monitors config', () => {
  it('parses every kind of the contract, with ids from names and assertions parsed once', () => {
    const config = parseConfigText(
      `${base}
monitors:
  - name: Public API
    type: http
    url: https://api.example.com/healthz
    headers: { authorization: "Bearer \${API_TOKEN}" }
    interval: 30s
    timeout: 5s
    assert:
      - status == 200
      - response_time < 800ms
      - body.json.status == "ok"
    degraded_when: [ response_time > 300ms ]
    failure_threshold: 3
    success_threshold: 2
    recheck: { attempts: 1, delay: 2s }
  - { name: Nightly backup, type: heartbeat, expect_every: 24h, grace: 30m }
  - { name: Postgres port, type: tcp, host: 127.0.0.1, port: 5432 }
  - { name: Apex DNS, type: dns, host: example.com, record: A, resolver: 127.0.0.1:5353, assert: [ answers contains 93.184.216.34 ] }
  - { name: Cert, type: tls, host: example.com, port: 443, assert: [ cert.days_left > 21 ] }
`,
      { env: { API_TOKEN: 't0ken' } },
    );
    expect(config.monitors.map((m) => [m.id, m.check.kind])).toEqual([
      ['public-api', 'http'],
      ['nightly-backup', 'heartbeat'],
      ['postgres-port', 'tcp'],
      ['apex-dns', 'dns'],
      ['cert', 'tls'],
    ]);
    const api = config.monitors[0]!;
    expect(api).toMatchObject({
      intervalMs: 30_000,
      timeoutMs: 5_000,
      failureThreshold: 3,
      successThreshold: 2,
      recheck: { attempts: 1, delayMs: 2_000 },
      check: {
        kind: 'http',
        method: 'GET',
        headers: { authorization: 'Bearer t0ken' },
        followRedirects: true,
      },
    });
    expect(api.assertions.map((a) => [a.fact, a.operator])).toEqual([
      ['status', '=='],
      ['response_time', '<'],
      ['body.json', '=='],
    ]);
    expect(config.monitors[1]!.check).toEqual({
      kind: 'heartbeat',
      expectEveryMs: 86_400_000,
      graceMs: 1_800_000,
    });
    expect(config.monitors[3]!.check).toMatchObject({ resolver: { host: '127.0.0.1', port: 5353 } });
    expect(config.dataDir).toBe('./data');
    expect(config.retention).toEqual({ rawMs: 7 * 86_400_000, rollupsMs: 400 * 86_400_000 });
  });

  it('reports a bad assertion with its line and what was expected', () => {
    const issues = issuesOf(`${base}
monitors:
  - name: API
    type: http
    url: http://127.0.0.1:1/
    assert:
      - status == 200
      - stats == 200
`);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatch(/^11:monitors\[0\]\.assert\[1\]: unknown fact "stats" \(expected status, /);
  });

  it('rejects duplicate ids and a timeout not below the interval', () => {
    const issues = issuesOf(`${base}
monitors:
  - { name: API, type: tcp, host: a, port: 1 }
  - { name: api, type: tcp, host: b, port: 2, interval: 5s, timeout: 5s }
`);
    expect(issues).toEqual([
      '7:monitors[1].id: monitor id "api" is already used by monitors[0]; give one an explicit id',
      '7:monitors[1].timeout: expected a timeout shorter than the interval, found "5s"',
    ]);
  });

  it('refuses on a heartbeat every key it would ignore, each with why, beside the other problems', () => {
    const text = `${base}
monitors:
  - name: Nightly backup
    type: heartbeat
    expect_every: 24h
    grace: 10x
    interval: 1m
    timeout: 5s
    assert: [ status == 200 ]
    degraded_when: [ response_time > 300ms ]
    failure_threshold: 3
    success_threshold: 2
    recheck: { attempts: 1 }
  - { name: Cron, type: heartbeat, expect_every: 1h, failure_threshold: ~ }
`;
    let error: unknown;
    try {
      parseConfigText(text, { file: 'bulwark.yaml' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const lines = (error as ConfigError).message.split('\n');
    const refused = (at: string, key: string, why: string) =>
      `bulwark.yaml:${at} monitors[0].${key}: heartbeat monitors do not use ${key}: ${why}`;
    expect(lines).toEqual([
      'bulwark.yaml:9:12 monitors[0].grace: expected a duration like 250ms, 2s or 5m, found "10x"',
      refused(
        '10:15',
        'interval',
        'lateness is checked every quarter of expect_every (1 s to 1 min); set expect_every',
      ),
      refused('11:14', 'timeout', 'nothing is run, the job calls in; set expect_every and grace'),
      refused('12:13', 'assert', 'a call is up, a call with ?status=down is down'),
      refused('13:20', 'degraded_when', 'a heartbeat is up or down, never degraded'),
      refused('14:24', 'failure_threshold', 'one late check takes them down; raise grace to wait longer'),
      refused('15:24', 'success_threshold', 'one call brings them back up'),
      refused('16:14', 'recheck', 'nothing is run to check again; raise grace to wait longer'),
      'bulwark.yaml:17:73 monitors[1].failure_threshold: heartbeat monitors do not use failure_threshold: one late check takes them down; raise grace to wait longer',
    ]);
  });

  it('lists for an unknown heartbeat key only the keys a heartbeat takes, not the ones it refuses', () => {
    expect(
      issuesOf(`${base}
monitors:
  - { name: Nightly, type: heartbeat, expect_every: 1d, foo: 1 }
`),
    ).toEqual([
      '6:monitors[0].foo: unknown key "foo"; allowed keys: name, id, labels, type, expect_every, grace',
    ]);
  });

  it('names the monitor types when the type is unknown', () => {
    const issues = issuesOf(`${base}
monitors:
  - { name: Other, type: ping, host: c }
`);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toBe(
      '6:monitors[0].type: expected one of http | tcp | tls | dns | heartbeat, found "ping"',
    );
  });

  it('reads an http max_body as a size, as routes do, or as a number of bytes', () => {
    const maxBodyOf = (value: string) =>
      parseConfigText(
        `${base}monitors: [{ name: a, type: http, url: "http://127.0.0.1:1/", max_body: ${value} }]\n`,
      ).monitors[0]?.check;
    expect(maxBodyOf('64KiB')).toMatchObject({ maxBodyBytes: 65_536 });
    expect(maxBodyOf('1MB')).toMatchObject({ maxBodyBytes: 1_000_000 });
    expect(maxBodyOf('4096')).toMatchObject({ maxBodyBytes: 4_096 });
    expect(
      parseConfigText(`${base}monitors: [{ name: a, type: http, url: "http://127.0.0.1:1/" }]\n`).monitors[0]
        ?.check,
    ).toMatchObject({ maxBodyBytes: 65_536 });
    expect(
      issuesOf(
        `${base}monitors: [{ name: a, type: http, url: "http://127.0.0.1:1/", max_body: 64 kilobytes }]\n`,
      ),
    ).toEqual(['4:monitors[0].max_body: expected a size like 64KiB or 1MiB, found "64 kilobytes"']);
  });
});
