import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliCaptured } from '../../../test/support/cli-run.ts';
import type { SummaryDocument } from '../../status/api/index.ts';
import { exportTarget, renderSummary } from './status-command.ts';

describe('bulwark status: usage errors exit 2', () => {
  it.each([
    [['status', 'show'], 'status: expected no argument, or "export --out DIR"'],
    [['status', 'export', 'dir'], 'status: expected no argument, or "export --out DIR"'],
    [['status', 'export', '--admin', 'http://127.0.0.1:9'], 'status export: --out DIR is required'],
    [['status', 'export', '--json', '--admin', 'http://127.0.0.1:9'], 'status export: --json does not apply'],
    [['status', '--out', 'd', '--admin', 'http://127.0.0.1:9'], 'status: --out does not apply here'],
    [['status', '--admin', 'not a url'], '--admin expects http://HOST:PORT or HOST:PORT'],
  ])('%j', async (argv, message) => {
    const result = await runCliCaptured(...argv);
    expect(result).toMatchObject({ code: 2, out: '' });
    expect(result.err).toContain(`bulwark: ${message}`);
  });
});

describe('bulwark status against an admin API', () => {
  let server: Server;
  let admin = '';
  let dir = '';
  let files: { path: string; contentType: string; body: string }[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ files }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    admin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    dir = await mkdtemp(join(tmpdir(), 'bulwark-status-export-'));
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses a file path that could leave DIR, and writes nothing at all', async () => {
    const body = Buffer.from('x').toString('base64');
    for (const path of ['/../escape.txt', '/a/..', '/ok\0.txt']) {
      files = [
        { path: '/', contentType: 'text/html; charset=utf-8', body },
        { path, contentType: 'text/plain', body },
      ];
      const result = await runCliCaptured('status', 'export', '--out', dir, '--admin', admin);
      expect(result.code).toBe(1);
      expect(result.err).toContain('status export: refusing the file path');
      expect(await readdir(dir)).toEqual([]);
    }
  });

  it('reports an admin API it cannot reach as a runtime failure (exit 1)', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise((resolve) => closed.close(resolve));
    const result = await runCliCaptured('status', '--admin', url);
    expect(result).toMatchObject({ code: 1, out: '' });
    expect(result.err).toBe(`bulwark: cannot reach the admin API at ${url}: ECONNREFUSED\n`);
  });
});

describe('exportTarget', () => {
  it.each([
    ['/', 'text/html; charset=utf-8', 'index.html'],
    ['/incidents/abc', 'text/html; charset=utf-8', 'incidents/abc/index.html'],
    ['/api/v2/summary.json', 'application/json', 'api/v2/summary.json'],
    ['/history.rss', 'application/rss+xml', 'history.rss'],
    ['/badge/api.svg', 'image/svg+xml', 'badge/api.svg'],
  ])('%s (%s) → %s', (path, contentType, file) => {
    expect(exportTarget('/srv/status', { path, contentType })).toBe(join('/srv/status', file));
  });

  it.each(['/../etc/passwd', '/a/../../b', 'relative.txt', '/x\0y', '/a\\b', '/'])('refuses %j', (path) => {
    expect(() => exportTarget('/srv/status', { path, contentType: 'text/plain' })).toThrow('refusing');
  });
});

describe('renderSummary', () => {
  const component = (id: string, name: string, status: string, extra: object = {}) => ({
    id,
    name,
    status,
    group_id: null,
    group: false,
    ...extra,
  });
  const summary = {
    page: { name: 'Acme Status' },
    status: { indicator: 'major', description: 'Partial System Outage' },
    components: [
      component('api', 'API', 'major_outage'),
      component('platform', 'Platform', 'major_outage', { group: true, components: ['dashboard', 'db'] }),
      component('dashboard', 'Dashboard', 'operational', { group_id: 'platform' }),
      component('db', 'Database', 'major_outage', { group_id: 'platform' }),
    ],
    incidents: [
      {
        id: 'inc_1',
        status: 'investigating',
        impact: 'major',
        name: 'API errors',
        updated_at: '2030-06-01T10:00:00+02:00',
      },
    ],
    scheduled_maintenances: [],
  } as unknown as SummaryDocument;

  it('prints the overall line, components (a group with its status, its children indented), incidents and maintenance', () => {
    expect(renderSummary(summary)).toBe(
      [
        'Acme Status: Partial System Outage (major)',
        '',
        'COMPONENT    STATUS',
        'API          major_outage',
        'Platform     major_outage',
        '  Dashboard  operational',
        '  Database   major_outage',
        '',
        'Unresolved incidents:',
        '  ID     STATUS         IMPACT  NAME        UPDATED',
        '  inc_1  investigating  major   API errors  2030-06-01T10:00:00+02:00',
        '',
        'No active or upcoming maintenance',
        '',
      ].join('\n'),
    );
  });
});

describe('bulwark status and incident list print no control characters from the API', () => {
  const hostile = 'ansi \u001b[2J\u001b]0;pwned\u0007 \u009b31m\rFAKE\nrow';
  const shown = 'ansi \\u001b[2J\\u001b]0;pwned\\u0007 \\u009b31m\\u000dFAKE\\u000arow';
  let server: Server;
  let admin = '';
  beforeAll(async () => {
    const incident = {
      id: 'inc_1',
      status: 'investigating',
      impact: 'major',
      draft: false,
      name: hostile,
      created_at: '2030-06-01T10:00:00+02:00',
      updated_at: '2030-06-01T10:00:00+02:00',
    };
    const summary = {
      page: { name: `Acme${hostile}` },
      status: { indicator: 'major', description: 'Partial System Outage' },
      components: [{ id: 'api', name: hostile, status: 'major_outage', group_id: null, group: false }],
      incidents: [incident],
      scheduled_maintenances: [],
    };
    server = createServer((req, res) => {
      const body = req.url?.startsWith('/api/v1/status/summary') ? summary : { incidents: [incident] };
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    admin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  // C0 but the layout's tab and newline, DEL and C1.
  const controls = /(?![\t\n])\p{Cc}/u;

  it.each([[['status']], [['incident', 'list']]])(
    '%j shows them escaped, each name on its own line',
    async (argv) => {
      const result = await runCliCaptured(...argv, '--admin', admin);
      expect(result.code).toBe(0);
      expect(result.out).not.toMatch(controls);
      expect(result.out).toContain(shown);
      expect(result.out.split('\n').filter((line) => line.includes('ansi'))).toHaveLength(
        argv[0] === 'status' ? 3 : 1,
      );
    },
  );

  it.each([[['status', '--json']], [['incident', 'list', '--json']]])(
    '%j stays valid JSON with the same values',
    async (argv) => {
      const result = await runCliCaptured(...argv, '--admin', admin);
      expect(result.out).not.toMatch(controls);
      expect(JSON.stringify(JSON.parse(result.out))).toContain(JSON.stringify(hostile).slice(1, -1));
    },
  );
});
