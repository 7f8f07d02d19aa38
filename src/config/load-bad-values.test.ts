import { describe, expect, it } from 'vitest';
import { isCollection, isPair, isScalar, parseDocument, stringify, type Node } from 'yaml';
import { ConfigError, parseConfigText } from './index.ts';

/**
 * Every refinement, cross-check and transform must cope with a value that failed to parse beneath it: zod runs
 * some of them on what failed (a URL without a scheme reached `new URL()` and crashed `validate`). This puts
 * each kind of wrong value at every position of a file that uses every section, and asks for a ConfigError.
 */
const everything = `
listen:
  gateway: 127.0.0.1:8080
  gateway_tls: { address: 127.0.0.1:8443, cert: c.pem, key: k.pem }
  admin: 127.0.0.1:8082
  status: 127.0.0.1:8081
logging: { level: warn }
gateway: { drain_timeout: 5s, workers: 2 }
limits: { max_header_bytes: 16KiB, max_headers: 100, header_timeout: 5s, request_timeout: 30s, max_connections_per_ip: 10 }
admin: { tokens: [a-token-of-sixteen-chars] }
pools:
  api:
    balancer: consistent-hash
    hash_key: header:x-user
    endpoints:
      - { url: http://127.0.0.1:9001, weight: 2, drain: false }
      - url: http://127.0.0.1:9002
    health_check: { path: /healthz, interval: 2s, timeout: 1s, unhealthy_threshold: 2, healthy_threshold: 2 }
    outlier_detection: { consecutive_failures: 5, base_ejection: 30s, max_ejection: 300s, max_ejected_percent: 50%, interval: 10s }
    panic_threshold: 50%
    failover: backup
    concurrency: adaptive
    adaptive_concurrency: { initial_limit: 20, min_limit: 3, max_limit: 100, buffer: 25%, sample_interval: 100ms }
    queue: { max: 10, timeout: 1s }
    upstream_throttle: { k: 2, window: 2m }
    slow_start: 10s
  backup:
    endpoints: [{ url: https://127.0.0.1:9101 }]
    concurrency: 50
routes:
  - match: { path_prefix: /v1/, methods: [GET], headers: { x-tenant: acme } }
    pool: api
    timeouts: { connect: 1s, first_byte: 5s, idle: 60s, total: 10s }
    retry: { attempts: 3, on: [refused, 503], backoff: { base: 25ms, max: 250ms }, budget: { ratio: 20%, min_per_second: 10, ttl: 10s } }
    max_replay_body: 64KiB
    max_body: 1MiB
    priority: critical
    priority_header: x-priority
    rate_limits:
      - { key: ip, rate: 10/s, burst: 20 }
      - { key: [ip, header:x-key], rate: 100/m, name: per-key }
  - pool: backup
monitors:
  - name: Public API
    type: http
    url: http://127.0.0.1:9001/healthz
    method: GET
    headers: { accept: application/json }
    max_body: 4096
    interval: 30s
    timeout: 5s
    assert: [status == 200]
    degraded_when: [response_time > 300ms]
    recheck: { attempts: 1, delay: 2s }
    labels: { component: api }
  - { name: Port, id: port, type: tcp, host: 127.0.0.1, port: 5432 }
  - { name: Cert, type: tls, host: example.com, port: 443 }
  - { name: DNS, type: dns, host: example.com, record: A, resolver: 127.0.0.1:53 }
  - { name: Backup job, type: heartbeat, expect_every: 24h, grace: 30m }
data_dir: ./data
retention: { raw: 7d, rollups: 400d }
alerting:
  defaults: { group_by: [component], group_wait: 10s, group_interval: 1m, repeat_interval: 4h }
  rules:
    - { name: api-down, pool: api, when: healthy_share < 50%, for: 30s, window: 5m, labels: { team: web } }
  routes:
    - { match: { severity: critical }, matchers: [team=~web|db], notify: [hooks], routes: [{ notify: [hooks], group_interval: 5m }] }
  inhibit:
    - { source: [severity=critical], target: [severity=warning], equal: [component] }
  notifiers:
    hooks: { type: webhook, url: https://hooks.example.com/x }
  external_url: https://admin.example.com
status_page:
  title: Status
  url: https://status.example.com
  time_zone: Europe/Berlin
  components:
    - { name: API, from: { monitors: [public-api], pools: [api] } }
    - group: Platform
      components: [{ name: Database, id: db, from: { monitors: [port] } }]
  maintenance:
    - { name: Weekly, weekly: { days: [sun], at: "02:00" }, duration: 1h, components: [db], drain: [api/127.0.0.1:9001] }
    - { name: Nightly, cron: "0 3 * * *", duration: 30m, components: [api] }
`;

// The failures zod does not stop at are the dangerous ones: a string failing its format (the URL without a
// scheme that crashed) or length, a number below its minimum, an unknown key. Each is a wrong type elsewhere.
const badValues: readonly unknown[] = ['127.0.0.1:18102', '', -1, { x: 1 }];

/** The path of every value in the document: each one is a place a wrong value can be written. */
function valuePaths(node: Node | null, at: (string | number)[] = []): (string | number)[][] {
  if (!isCollection(node)) return [];
  return (node.items as unknown[]).flatMap((item, index) => {
    const [key, value] = isPair(item)
      ? [String(isScalar(item.key) ? item.key.value : item.key), item.value]
      : [index, item];
    const path = [...at, key];
    return [path, ...valuePaths(value as Node | null, path)];
  });
}

function outcomeOf(text: string): 'ok' | ConfigError {
  try {
    parseConfigText(text, { file: 'bad.yaml', env: {} });
    return 'ok';
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
}

describe('a wrong value anywhere is a located config error, never a crash', () => {
  it('the fixture itself is valid', () => {
    expect(outcomeOf(everything)).toBe('ok');
  });

  const document = parseDocument(everything);
  const paths = valuePaths(document.contents);

  it.each(paths.map((path) => [path.join('.'), path] as const))('%s', (_name, path) => {
    for (const bad of badValues) {
      const changed = document.clone();
      changed.setIn(path, changed.createNode(bad));
      const where = `${path.join('.')} = ${stringify(bad).trim()}`;
      let outcome: 'ok' | ConfigError;
      try {
        outcome = outcomeOf(changed.toString());
      } catch (error) {
        throw new Error(`${where}: ${String(error)}`, { cause: error });
      }
      if (outcome === 'ok') continue;
      for (const issue of outcome.issues) {
        expect(issue.line, `${where}: ${issue.message}`).toBeGreaterThan(0);
        expect(issue.message, where).not.toMatch(/undefined|NaN|\[object |\(\)/);
      }
    }
  });
});
