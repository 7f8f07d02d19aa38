import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfigFile, parseConfigText } from './index.ts';

// The config contract from the design brief, verbatim.
const contractExample = `
listen:
  gateway: 127.0.0.1:8080
  admin: 127.0.0.1:8082
pools:
  api:
    balancer: least-request
    hash_key: header:x-user-id
    endpoints:
      - url: http://127.0.0.1:9001
        weight: 2
      - url: http://127.0.0.1:9002
      - url: http://127.0.0.1:9003
        drain: true
    health_check: { path: /healthz, interval: 2s, timeout: 1s, unhealthy_threshold: 2, healthy_threshold: 2 }
    outlier_detection: { consecutive_failures: 5, base_ejection: 30s, max_ejection: 300s, max_ejected_percent: 50% }
    panic_threshold: 50%
    failover: api-backup
  api-backup:
    endpoints: [{ url: http://127.0.0.1:9101 }]
routes:
  - match: { path_prefix: /v1/, methods: [GET, POST], headers: { x-tenant: acme } }
    pool: api
    timeouts: { connect: 1s, first_byte: 30s, idle: 60s, total: 120s }
    retry: { attempts: 3, on: [connect-failure, refused, reset-before-response, 502, 503], budget: { ratio: 20%, min_per_second: 10 } }
    max_replay_body: 64KiB
`;

const minimal = 'pools:\n  app:\n    endpoints: [{ url: http://127.0.0.1:3000 }]\nroutes:\n  - pool: app\n';

describe('parseConfigText', () => {
  it('accepts the contract example and maps units and names', () => {
    const config = parseConfigText(contractExample, { env: {} });
    const api = config.pools.api;
    expect(config.listen.gateway).toEqual({ host: '127.0.0.1', port: 8080 });
    expect(api?.hashKey).toEqual({ from: 'header', name: 'x-user-id' });
    expect(api?.endpoints.map((e) => [e.weight, e.drain])).toEqual([
      [2, false],
      [1, false],
      [1, true],
    ]);
    expect(api?.healthCheck).toMatchObject({ intervalMs: 2_000, timeoutMs: 1_000 });
    expect(api?.outlierDetection).toMatchObject({ baseEjectionMs: 30_000, maxEjectedFraction: 0.5 });
    expect(api?.failover).toBe('api-backup');
    const route = config.routes[0];
    expect(route?.match).toEqual({
      pathPrefix: '/v1/',
      methods: ['GET', 'POST'],
      headers: { 'x-tenant': 'acme' },
    });
    expect(route?.timeouts).toEqual({
      connectMs: 1_000,
      firstByteMs: 30_000,
      idleMs: 60_000,
      totalMs: 120_000,
    });
    expect(route?.retry.on).toEqual(['connect-failure', 'refused', 'reset-before-response', 502, 503]);
    expect(route?.retry.budget).toEqual({ ratio: 0.2, minPerSecond: 10, ttlMs: 10_000 });
    expect(route?.maxReplayBodyBytes).toBe(65_536);
  });

  it('fills defaults for everything a minimal file leaves out', () => {
    const config = parseConfigText(minimal, { env: {} });
    expect(config.listen).toEqual({
      gateway: { host: '127.0.0.1', port: 8080 },
      admin: { host: '127.0.0.1', port: 8082 },
      status: { host: '127.0.0.1', port: 8081 },
    });
    expect(config.logging.level).toBe('info');
    expect(config.pools.app).toMatchObject({
      balancer: 'least-request',
      healthCheck: undefined,
      panicThreshold: 0.5,
      maxConnectionsPerEndpoint: 128,
      keepAliveTimeoutMs: 4_000,
      outlierDetection: {
        consecutiveFailures: 5,
        baseEjectionMs: 30_000,
        maxEjectionMs: 300_000,
        intervalMs: 10_000,
        unejectOnHealthCheck: true,
      },
    });
    expect(config.pools.app?.endpoints[0]).toEqual({ url: 'http://127.0.0.1:3000', weight: 1, drain: false });
    expect(config.routes[0]).toEqual({
      match: { pathPrefix: '/', methods: undefined, headers: undefined },
      pool: 'app',
      timeouts: { connectMs: 2_000, firstByteMs: 30_000, idleMs: 60_000, totalMs: 120_000 },
      retry: {
        attempts: 3,
        on: ['connect-failure', 'refused', 'reset-before-response'],
        retryNonIdempotent: false,
        backoffBaseMs: 25,
        backoffMaxMs: 250,
        budget: { ratio: 0.2, minPerSecond: 10, ttlMs: 10_000 },
      },
      maxReplayBodyBytes: 65_536,
      priority: 'default',
      rateLimits: [],
    });
  });

  it('fills defaults inside a partly written block', () => {
    const text = minimal.replace('endpoints:', 'health_check: { path: /ready }\n    endpoints:');
    expect(parseConfigText(text, { env: {} }).pools.app?.healthCheck).toEqual({
      path: '/ready',
      intervalMs: 2_000,
      timeoutMs: 1_000,
      unhealthyThreshold: 2,
      healthyThreshold: 2,
    });
  });

  it('keeps 0 where it turns a setting off, and long durations that never reach a timer', () => {
    const text = `${minimal}    timeouts: { connect: 0s, first_byte: 0s, idle: 0s, total: 24d }
limits: { header_timeout: 0s, request_timeout: 0s }
retention: { raw: 1000d, rollups: 1000d }
monitors: [{ name: backup, type: heartbeat, expect_every: 31d, grace: 30d }]
alerting: { defaults: { repeat_interval: 365d }, cert_expiry: { warning: 30d, critical: 0s } }
`;
    const config = parseConfigText(text, { env: {} });
    expect(config.routes[0]?.timeouts).toEqual({
      connectMs: 0,
      firstByteMs: 0,
      idleMs: 0,
      totalMs: 24 * 86_400_000,
    });
    expect(config.limits).toMatchObject({ headerTimeoutMs: 0, requestTimeoutMs: 0 });
    expect(config.retention).toEqual({ rawMs: 1000 * 86_400_000, rollupsMs: 1000 * 86_400_000 });
    expect(config.monitors[0]?.check).toMatchObject({ expectEveryMs: 31 * 86_400_000 });
    expect(config.alerting.root.repeatIntervalMs).toBe(365 * 86_400_000);
    expect(config.alerting.certExpiryDays).toEqual({ warning: 30, critical: 0 });
  });

  it('interpolates environment variables into values, typed like YAML', () => {
    const text =
      'pools:\n  app:\n    endpoints:\n      - url: ${URL}\n        weight: ${WEIGHT:-3}\nroutes:\n  - pool: app\n';
    const config = parseConfigText(text, { env: { URL: 'http://10.0.0.5:3000' } });
    expect(config.pools.app?.endpoints[0]).toMatchObject({ url: 'http://10.0.0.5:3000', weight: 3 });
  });
});

describe('loadConfigFile', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bulwark-config-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads and validates a file, naming it in errors', async () => {
    const good = join(dir, 'good.yaml');
    const bad = join(dir, 'bad.yaml');
    await writeFile(good, minimal);
    await writeFile(bad, minimal.replace('pool: app', 'pool: nope'));
    await expect(loadConfigFile(good, { env: {} })).resolves.toMatchObject({ routes: [{ pool: 'app' }] });
    await expect(loadConfigFile(bad, { env: {} })).rejects.toThrow(`${bad}:5:11 routes[0].pool:`);
  });

  it('reports a missing file as CFG_NOT_FOUND', async () => {
    const missing = join(dir, 'missing.yaml');
    const error: unknown = await loadConfigFile(missing).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({ code: 'CFG_NOT_FOUND', message: `${missing}: file not found` });
  });
});
