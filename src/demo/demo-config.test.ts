import { describe, expect, it } from 'vitest';
import { demoConfig, newDemoAdminToken } from './demo-config.ts';
import { demoGuide } from './guide.ts';

const urls = ['http://127.0.0.1:9001', 'http://127.0.0.1:9002', 'http://127.0.0.1:9003'];
const adminToken = 'demo-test-token-0123456789';

describe('demo config', () => {
  it('parses through the real schema with the policies the guide promises', () => {
    const config = demoConfig(urls, { gatewayPort: 0, adminPort: 8082, dataDir: 'data/demo', adminToken });
    expect(config.listen.gateway).toEqual({ host: '127.0.0.1', port: 0 });
    const pool = config.pools['llm'];
    expect(pool?.balancer).toBe('least-request');
    expect(pool?.endpoints.map((e) => e.url)).toEqual(urls);
    expect(pool?.healthCheck?.intervalMs).toBe(1000);
    expect(pool?.outlierDetection.consecutiveFailures).toBe(3);
    // Step 4 (error_rate): /healthz keeps passing, so a passing check must not return the ejected upstream.
    expect(pool?.outlierDetection.unejectOnHealthCheck).toBe(false);
    expect(config.routes[0]?.match.pathPrefix).toBe('/v1/');
    expect(config.routes[0]?.retry.on).toEqual([
      'connect-failure',
      'refused',
      'reset-before-response',
      502,
      503,
    ]);
  });

  it('monitors every upstream and, when its port is fixed, the gateway’s chat completion', () => {
    const withGateway = demoConfig(urls, {
      gatewayPort: 8080,
      adminPort: 8082,
      dataDir: 'data/demo',
      adminToken,
    });
    expect(withGateway.monitors.map((m) => m.id)).toEqual([
      'chat-completions',
      'upstream-1',
      'upstream-2',
      'upstream-3',
    ]);
    expect(withGateway.monitors[0]?.check).toMatchObject({
      kind: 'http',
      method: 'POST',
      url: 'http://127.0.0.1:8080/v1/chat/completions',
    });
    const ephemeral = demoConfig(urls, { gatewayPort: 0, adminPort: 0, dataDir: 'data/demo', adminToken });
    expect(ephemeral.monitors.map((m) => m.id)).toEqual(['upstream-1', 'upstream-2', 'upstream-3']);
  });
});

describe('demo guide', () => {
  it('prints copy-paste commands built from the bound addresses', () => {
    const upstreams = urls.map((url, i) => ({
      name: `upstream-${i + 1}`,
      url,
      controlUrl: `http://127.0.0.1:910${i + 1}`,
    }));
    const guide = demoGuide({
      gatewayUrl: 'http://127.0.0.1:8080',
      adminUrl: 'http://127.0.0.1:8082',
      statusUrl: 'http://127.0.0.1:8081',
      upstreams,
      adminToken,
    });
    expect(guide).toContain('curl -si http://127.0.0.1:8080/v1/chat/completions');
    expect(guide).toContain(`curl -X POST http://127.0.0.1:9002/_faults -d '{"crash":true}'`);
    expect(guide).toContain(`curl -X POST http://127.0.0.1:9102/_faults -d '{"crash":false}'`);
    expect(guide).toContain('http://127.0.0.1:8082/metrics');
    expect(guide).toContain('http://127.0.0.1:8081/api/v2/summary.json');
    expect(guide).toContain('npm run bulwark -- incident publish ID --admin http://127.0.0.1:8082');
    expect(guide).toContain(`export BULWARK_ADMIN_TOKEN=${adminToken} `);
  });
});

describe('demo admin token', () => {
  it('is new for every run, long and shell-safe, and the only one the config accepts', () => {
    const tokens = [newDemoAdminToken(), newDemoAdminToken()];
    expect(tokens[0]).not.toBe(tokens[1]);
    for (const token of tokens) expect(token).toMatch(/^demo-[A-Za-z0-9_-]{32}$/);
    const config = demoConfig(urls, { gatewayPort: 0, adminPort: 0, dataDir: 'd', adminToken: tokens[0]! });
    expect(config.admin.tokens).toEqual([tokens[0]]);
  });
});

describe('demo status page', () => {
  it('shows the chat API (gateway monitor and pool) and each upstream, and alerts into the printed sink', () => {
    const config = demoConfig(urls, {
      gatewayPort: 8080,
      adminPort: 8082,
      dataDir: 'data/demo',
      alertSinkUrl: 'http://127.0.0.1:9999/alerts',
      adminToken,
    });
    expect(config.listen.status).toEqual({ host: '127.0.0.1', port: 8081 });
    expect(config.statusPage?.components.map((c) => [c.id, c.monitors, c.pools])).toEqual([
      ['chat-api', ['chat-completions'], ['llm']],
      ['inference-upstreams', [], []],
      ['upstream-1', ['upstream-1'], []],
      ['upstream-2', ['upstream-2'], []],
      ['upstream-3', ['upstream-3'], []],
    ]);
    expect(Object.keys(config.alerting.notifiers)).toEqual(['console']);
  });
});
