import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningBulwark } from '../../src/app.ts';
import { runCliWithEnv } from '../support/cli-run.ts';
import { startTestUpstream, type TestUpstream } from '../support/test-upstream.ts';
import { writeTempConfig, startFromFile } from '../support/config-file.ts';

const adminToken = 'status-cli-test-token-0123456789';

describe('bulwark incident | maintenance | subscriber | status against a running Bulwark', () => {
  let dir: string;
  let upstream: TestUpstream;
  let bulwark: RunningBulwark;
  const printed: string[] = [];
  /** The CLI with the token in its environment, pointed at the instance's admin listener. */
  const cli = async (...argv: string[]) => {
    const result = await runCliWithEnv(
      { BULWARK_ADMIN_TOKEN: adminToken },
      ...argv,
      '--admin',
      bulwark.adminUrl,
    );
    printed.push(result.out, result.err);
    return result;
  };

  beforeAll(async () => {
    upstream = await startTestUpstream((_req, res) => res.writeHead(200).end('ok'));
    let file: string;
    ({ dir, file } = await writeTempConfig('bulwark-status-cli-', (dir) =>
      [
        'listen: { gateway: 127.0.0.1:0, admin: 127.0.0.1:0, status: 127.0.0.1:0 }',
        'logging: { level: silent }',
        `admin: { tokens: ["${adminToken}"] }`,
        `data_dir: ${join(dir, 'data')}`,
        `pools: { api: { endpoints: [{ url: "${upstream.url}" }] } }`,
        'routes: [{ pool: api }]',
        'status_page:',
        '  title: Acme Status',
        '  time_zone: Europe/Berlin',
        '  components:',
        '    - { name: API, from: { pools: [api] } }',
        '    - group: Platform',
        '      components:',
        '        - { name: Dashboard }',
      ].join('\n'),
    ));
    bulwark = await startFromFile(file, { watch: false });
  });

  afterAll(async () => {
    await bulwark.stop();
    await upstream.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('opens, lists, updates and resolves an incident', async () => {
    const opened = await cli(
      'incident',
      'open',
      '--name',
      'Elevated API errors',
      '--component',
      'api=major_outage',
      '--impact',
      'major',
      '--body',
      'We are looking into it.',
      '--next-update',
      '30m',
    );
    expect(opened.err).toBe('');
    expect(opened.code).toBe(0);
    expect(opened.out).toMatch(
      /^incident \S+ opened: Elevated API errors \(investigating, impact major, api=major_outage\)\n$/,
    );
    const id = opened.out.split(' ')[1] ?? '';

    const listed = await cli('incident', 'list');
    expect(listed.code).toBe(0);
    expect(listed.out).toMatch(/^ID\s+STATUS\s+IMPACT\s+DRAFT\s+NAME\s+CREATED\n/);
    expect(listed.out).toMatch(new RegExp(`${id}\\s+investigating\\s+major\\s+no\\s+Elevated API errors`));

    const shown = await cli('status');
    expect(shown.code).toBe(0);
    expect(shown.out).toContain('Acme Status: ');
    expect(shown.out).toMatch(/API\s+major_outage/);
    expect(shown.out).toMatch(/\nPlatform\s+operational\n {2}Dashboard\s+operational\n/);
    expect(shown.out).toContain('Elevated API errors');

    const updated = await cli('incident', 'update', id, '--status', 'identified', '--body', 'A bad deploy.');
    expect(updated).toMatchObject({ code: 0, err: '' });
    expect(updated.out).toContain(`incident ${id} updated: Elevated API errors (identified`);

    expect(await cli('incident', 'publish', id)).toMatchObject({
      code: 0,
      out: `incident ${id} is already public\n`,
    });

    const resolved = await cli('incident', 'resolve', id);
    expect(resolved).toMatchObject({ code: 0, err: '' });
    expect(resolved.out).toContain(`incident ${id} resolved: Elevated API errors (resolved`);

    const json = await cli('incident', 'list', '--json');
    const { incidents } = JSON.parse(json.out) as {
      incidents: { id: string; status: string; incident_updates: { body: string }[] }[];
    };
    const incident = incidents.find((i) => i.id === id);
    expect(incident?.status).toBe('resolved');
    expect(incident?.incident_updates.map((u) => u.body)).toEqual([
      'This incident has been resolved.',
      'A bad deploy.',
      'We are looking into it.',
    ]);
    expect((await cli('status')).out).not.toContain('Elevated API errors');
  });

  it('schedules, lists and cancels a maintenance', async () => {
    const start = new Date(Date.now() + 24 * 3_600_000).toISOString();
    const scheduled = await cli(
      'maintenance',
      'schedule',
      '--name',
      'Database upgrade',
      '--start',
      start,
      '--duration',
      '2h',
      '--component',
      'dashboard',
      '--body',
      'Read-only for a while.',
    );
    expect(scheduled.err).toBe('');
    expect(scheduled.code).toBe(0);
    expect(scheduled.out).toMatch(
      /^maintenance \S+ scheduled: Database upgrade \(.+, components dashboard\)\n$/,
    );
    const id = scheduled.out.split(' ')[1] ?? '';

    const listed = await cli('maintenance', 'list');
    expect(listed.out).toMatch(
      new RegExp(`${id}\\s+scheduled\\s+\\S+\\+0[12]:00\\s+\\S+\\s+Database upgrade`),
    );
    expect((await cli('status')).out).toMatch(/Maintenance \(active and upcoming\):\n.*\n.*Database upgrade/);

    expect(await cli('maintenance', 'cancel', id)).toMatchObject({
      code: 0,
      out: `maintenance ${id} cancelled\n`,
    });
    expect((await cli('maintenance', 'list')).out).not.toContain(id);
  });

  it('adds, lists and removes a webhook subscriber', async () => {
    const added = await cli('subscriber', 'add', '--webhook', `${upstream.url}/hook`, '--component', 'api');
    expect(added.err).toBe('');
    expect(added.out).toMatch(
      /^subscriber \S+ added: webhook http:\/\/127\.0\.0\.1:\d+\/hook \(components: api\)\n$/,
    );
    const id = added.out.split(' ')[1] ?? '';
    expect((await cli('subscriber', 'list')).out).toMatch(
      new RegExp(`${id}\\s+webhook\\s+confirmed\\s+api\\s+http://127`),
    );
    // No mail relay is configured: an email subscriber is refused, naming what is missing.
    const refused = await cli('subscriber', 'add', '--email', 'ada@example.com');
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('status_page.subscribers.email');
    expect(await cli('subscriber', 'remove', id)).toMatchObject({
      code: 0,
      out: `subscriber ${id} removed\n`,
    });
    expect((await cli('subscriber', 'list')).out).toBe('no subscribers\n');
  });

  it('exports every public file of the page as a static site', async () => {
    const out = join(dir, 'site');
    const exported = await cli('status', 'export', '--out', out);
    expect(exported.err).toBe('');
    expect(exported.code).toBe(0);
    expect(exported.out).toMatch(new RegExp(`^wrote \\d+ files to ${out}\\n$`));
    expect(await readFile(join(out, 'index.html'), 'utf8')).toContain('Acme Status');
    const summary = JSON.parse(await readFile(join(out, 'api/v2/summary.json'), 'utf8')) as {
      page: { name: string };
      components: { name: string }[];
    };
    expect(summary.page.name).toBe('Acme Status');
    expect(summary.components.map((c) => c.name)).toEqual(['API', 'Platform', 'Dashboard']);
    expect(await readFile(join(out, 'history.rss'), 'utf8')).toContain('<rss');
    // The same page the public listener serves.
    const live = (await (await fetch(`${bulwark.statusUrl}/api/v2/summary.json`)).json()) as typeof summary;
    expect(live.page.name).toBe(summary.page.name);
  });

  it('fails with exit 1 and a clear message, never printing the token', async () => {
    const anonymous = await runCliWithEnv({}, 'incident', 'list', '--admin', bulwark.adminUrl);
    expect(anonymous.code).toBe(1);
    expect(anonymous.err).toContain('cannot list incidents');
    expect(anonymous.err).toContain('set BULWARK_ADMIN_TOKEN');
    const missing = await cli('incident', 'resolve', 'no-such-incident');
    expect(missing.code).toBe(1);
    expect(missing.err).toContain(
      'bulwark: cannot resolve the incident: no incident with id "no-such-incident"',
    );
    const unknownComponent = await cli('incident', 'open', '--name', 'x', '--component', 'nope=major_outage');
    expect(unknownComponent.code).toBe(1);
    expect(unknownComponent.err).toContain('cannot open the incident');
    expect(printed.join('')).not.toContain(adminToken);
  });

  it('refuses a name with control characters (they would reach every operator’s terminal)', async () => {
    const refused = await cli('incident', 'open', '--name', 'ansi \u001b[2J\u001b]0;pwned\u0007 test');
    expect(refused.code).toBe(1);
    expect(refused.err).toBe(
      'bulwark: cannot open the incident: name must be one line, without control characters (field: incident.name)\n',
    );
    expect((await cli('incident', 'list')).out).not.toContain('ansi');
  });
});
