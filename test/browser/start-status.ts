import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunningBulwark } from '../../src/app.ts';
import { adminJson } from '../support/admin-json.ts';
import { writeTempConfig, startFromFile } from '../support/config-file.ts';

const adminToken = 'browser-test-token-0123456789';

export interface StatusFixture {
  readonly statusUrl: string;
  readonly incidentId: string;
  stop(): Promise<void>;
}

/** A real Bulwark with a status page holding one incident (two updates, hostile markdown) and one upcoming maintenance. */
export async function startStatusFixture(): Promise<StatusFixture> {
  const { dir, file } = await writeTempConfig('bulwark-browser-', (dir) =>
    [
      'listen: { gateway: 127.0.0.1:0, admin: 127.0.0.1:0, status: 127.0.0.1:0 }',
      `admin: { tokens: ["${adminToken}"] }`,
      `data_dir: ${join(dir, 'data')}`,
      // Nothing is proxied here; the gateway only needs somewhere to point.
      'pools: { api: { endpoints: [{ url: "http://127.0.0.1:9" }] } }',
      'routes: [{ pool: api }]',
      'status_page:',
      '  title: Acme Status',
      '  components:',
      '    - { name: API, description: Public REST API }',
      '    - group: Platform',
      '      components:',
      '        - { name: Dashboard }',
      // Nothing listens there: the confirmation mail waits in the outbox, which is all the form needs.
      '  subscribers: { email: { from: status@acme.example, smtp: { host: 127.0.0.1, port: 9, tls: none } } }',
    ].join('\n'),
  );
  let bulwark: RunningBulwark | undefined;
  try {
    bulwark = await startFromFile(file);
    const running = bulwark;
    const call = adminJson(() => running.adminUrl, adminToken);
    const admin = async (method: string, path: string, body: unknown): Promise<Record<string, unknown>> => {
      const { status, body: answer } = await call<Record<string, unknown>>(method, path, body);
      if (status >= 300) throw new Error(`${method} ${path}: ${status} ${JSON.stringify(answer)}`);
      return answer;
    };
    const incident = await admin('POST', '/api/v1/incidents', {
      incident: {
        name: 'Elevated errors',
        body: 'We are <script>window.__pwned=1</script> investigating. [click](javascript:window.__pwned=2) <img src=x onerror="window.__pwned=3"> **bold**',
        components: { api: 'partial_outage' },
      },
    });
    const incidentId = String(incident['id']);
    await admin('PATCH', `/api/v1/incidents/${incidentId}`, {
      incident: { status: 'identified', body: 'Found it.' },
    });
    const hour = 3_600_000;
    await admin('POST', '/api/v1/scheduled-maintenances', {
      scheduled_maintenance: {
        name: 'Database upgrade',
        component_ids: ['dashboard'],
        scheduled_for: new Date(Date.now() + hour).toISOString(),
        scheduled_until: new Date(Date.now() + 2 * hour).toISOString(),
      },
    });
    if (!running.statusUrl) throw new Error('the status page is not listening');
    return {
      statusUrl: running.statusUrl,
      incidentId,
      stop: async () => {
        await running.stop();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await bulwark?.stop();
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}
