import { mkdtemp, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBulwarkProcess, type BulwarkProcess } from '../support/bulwark-process.ts';
import { runCliCaptured } from '../support/cli-run.ts';
import { eventually } from '../support/gateway-harness.ts';
import { startTestUpstream, type TestUpstream } from '../support/test-upstream.ts';

const adminToken = 'monitors-test-token-0123456789';

interface MonitorJson {
  readonly id: string;
  readonly state: string;
  readonly since: string;
  readonly last_result?: { readonly message: string; readonly status: number | null };
  readonly uptime: Record<string, number | null>;
  readonly push_url?: string | null;
}

describe('monitors in a running Bulwark, with history on SQLite', () => {
  let dir: string;
  let file: string;
  let upstream: TestUpstream;
  let isHealthy = true;
  let tcpServer: Server;
  let tcpPort = 0;
  let bulwark: BulwarkProcess;

  const api = async <T>(path: string, init: RequestInit = {}): Promise<{ status: number; body: T }> => {
    const res = await fetch(`${bulwark.adminUrl}${path}`, init);
    return { status: res.status, body: (await res.json()) as T };
  };
  const monitor = async (id: string): Promise<MonitorJson> =>
    (await api<MonitorJson>(`/api/v1/monitors/${id}`)).body;
  const withToken = { headers: { authorization: `Bearer ${adminToken}` } };

  beforeAll(async () => {
    upstream = await startTestUpstream((_req, res) => {
      res.writeHead(isHealthy ? 200 : 503, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: isHealthy ? 'ok' : 'broken' }));
    });
    tcpServer = createServer((socket) => socket.end());
    await new Promise<void>((resolve) => tcpServer.listen(0, '127.0.0.1', resolve));
    tcpPort = (tcpServer.address() as { port: number }).port;
    dir = await mkdtemp(join(tmpdir(), 'bulwark-monitors-'));
    file = join(dir, 'bulwark.yaml');
    await writeFile(
      file,
      [
        'listen: { gateway: 127.0.0.1:0, admin: 127.0.0.1:0 }',
        'logging: { level: warn }',
        `admin: { tokens: ["${adminToken}"] }`,
        `data_dir: ${join(dir, 'data')}`,
        `pools: { api: { endpoints: [{ url: "${upstream.url}" }] } }`,
        'routes: [{ pool: api }]',
        'monitors:',
        `  - name: Upstream API`,
        `    type: http`,
        `    url: ${upstream.url}/healthz`,
        '    interval: 200ms',
        '    timeout: 150ms',
        '    assert: [ status == 200, body.json.status == "ok" ]',
        '    failure_threshold: 2',
        '    success_threshold: 1',
        `  - { name: Port, type: tcp, host: 127.0.0.1, port: ${tcpPort}, interval: 200ms, timeout: 150ms }`,
        '  - { name: Backup, type: heartbeat, expect_every: 1s, grace: 0s }',
      ].join('\n'),
    );
    bulwark = await startBulwarkProcess(file);
  });

  afterAll(async () => {
    bulwark.child.kill('SIGTERM');
    await bulwark.exited();
    await upstream.close();
    await new Promise((resolve) => tcpServer.close(resolve));
  });

  it('runs every kind and reports state, last result and uptime', async () => {
    await eventually(async () => (await monitor('upstream-api')).state === 'up', 5_000, 'the API monitor up');
    await eventually(async () => (await monitor('port')).state === 'up', 5_000, 'the TCP monitor up');
    const list = (await api<{ monitors: MonitorJson[] }>('/api/v1/monitors')).body.monitors;
    expect(list.map((m) => m.id)).toEqual(['upstream-api', 'port', 'backup']);
    const up = list[0]!;
    expect(up.last_result).toMatchObject({ status: 200, message: 'ok' });
    // Uptime comes from stored history, written in batches within a second.
    await eventually(
      async () => (await monitor('upstream-api')).uptime['24h'] === 1,
      5_000,
      'uptime from history',
    );
    // The push URL is a secret: only an admin sees it.
    expect(list[2]!.push_url).toBeNull();
    // `bulwark monitors` reads the same API.
    const { code, out } = await runCliCaptured('monitors', '--admin', bulwark.adminUrl);
    expect(code).toBe(0);
    expect(out.split('\n')[0]).toMatch(/^MONITOR\s+TYPE\s+STATE\s+SINCE\s+UP 24H\s+UP 30D\s+P95 24H\s+LAST$/);
    expect(out).toMatch(/\nupstream-api\s+http\s+up\s+\S+ \S+\s+100%\s/);
  });

  it('takes a failing target down after the threshold, with the failed assertion as the reason', async () => {
    isHealthy = false;
    await eventually(
      async () => (await monitor('upstream-api')).state === 'down',
      5_000,
      'the API monitor down',
    );
    expect((await monitor('upstream-api')).last_result?.message).toBe('expected status == 200, got 503');
    const metrics = await (await fetch(`${bulwark.adminUrl}/metrics`)).text();
    expect(metrics).toContain('bulwark_monitor_up{monitor="upstream-api"} 0');
    expect(metrics).toContain('bulwark_monitor_state{monitor="upstream-api",state="down"} 1');
    // One series per monitor: its current state only.
    expect(metrics.match(/bulwark_monitor_state\{monitor="upstream-api"/g)).toHaveLength(1);
    isHealthy = true;
    await eventually(
      async () => (await monitor('upstream-api')).state === 'up',
      5_000,
      'the API monitor up again',
    );
  });

  it('accepts heartbeats on the secret URL and goes down when they stop', async () => {
    const listed = (await api<{ monitors: MonitorJson[] }>('/api/v1/monitors', withToken)).body.monitors;
    const pushUrl = listed.find((m) => m.id === 'backup')!.push_url!;
    expect(pushUrl).toMatch(new RegExp(`^${bulwark.adminUrl}/api/v1/heartbeat/[A-Za-z0-9_-]{32}$`));
    expect((await fetch(pushUrl, { method: 'POST' })).status).toBe(200);
    expect((await monitor('backup')).state).toBe('up');
    expect((await fetch(`${pushUrl}?status=down&msg=disk%20full`)).status).toBe(200);
    expect((await monitor('backup')).last_result?.message).toBe('disk full');
    expect((await fetch(`${bulwark.adminUrl}/api/v1/heartbeat/not-a-token`)).status).toBe(404);
    await fetch(pushUrl);
    await eventually(
      async () => (await monitor('backup')).state === 'down',
      5_000,
      'a late heartbeat to go down',
    );
    expect((await monitor('backup')).last_result?.message).toMatch(
      /^no heartbeat for \d+ s \(expected every 1 s\)$/,
    );
  });

  it('pauses and resumes only with an admin token', async () => {
    expect((await api('/api/v1/monitors/port/pause', { method: 'POST' })).status).toBe(401);
    const paused = await api<MonitorJson>('/api/v1/monitors/port/pause', { method: 'POST', ...withToken });
    expect(paused).toMatchObject({ status: 200, body: { state: 'paused' } });
    expect((await api('/api/v1/monitors/nope/pause', { method: 'POST', ...withToken })).status).toBe(404);
  });

  it('keeps state and history across a restart, and shows the stopped time as no data', async () => {
    const sinceBefore = (await monitor('port')).since;
    const stoppedAt = Date.now();
    bulwark.child.kill('SIGTERM');
    expect(await bulwark.exited()).toBe(0);
    bulwark = await startBulwarkProcess(file);
    const restartedAt = Date.now();
    expect(await monitor('port')).toMatchObject({ state: 'paused', since: sinceBefore });
    const from = new Date(stoppedAt - 60_000).toISOString();
    const history = await api<{ results: { at: string }[]; no_data: { from: string; to: string }[] }>(
      `/api/v1/monitors/upstream-api/results?from=${from}`,
    );
    expect(history.status).toBe(200);
    expect(history.body.results.length).toBeGreaterThan(5);
    // A gap covers the moment Bulwark was down, bounded by the last stored result and the restart.
    const gap = history.body.no_data.find(
      (g) => Date.parse(g.to) >= stoppedAt && Date.parse(g.from) <= restartedAt,
    );
    expect(gap).toBeDefined();
    expect(Date.parse(gap!.to) - Date.parse(gap!.from)).toBeGreaterThan(0);
    // The running process is alive up to now, though it records so only every 15 s: no gap reaches past it.
    expect(history.body.no_data.filter((g) => Date.parse(g.to) > restartedAt)).toEqual([]);
    const bad = await api<{ error: { field: string } }>(
      '/api/v1/monitors/upstream-api/results?from=yesterday',
    );
    expect(bad).toMatchObject({ status: 400, body: { error: { field: 'from' } } });
  });
});
