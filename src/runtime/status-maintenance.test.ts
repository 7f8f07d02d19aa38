import { afterEach, describe, expect, it } from 'vitest';
import { startStatusHost, type StatusHostHarness } from './status-host.test-support.ts';

interface V2Maintenance {
  readonly status: string;
  readonly scheduled_for: string;
  readonly incident_updates: readonly { readonly status: string; readonly created_at: string }[];
}

let harness: StatusHostHarness | undefined;
afterEach(async () => {
  await harness?.stop();
  harness = undefined;
});

describe('recurring maintenance on the public API', () => {
  it('is in progress within a second of its start, the move dated at the start', async () => {
    const startMs = Date.UTC(2026, 10, 20, 1);
    const h = (harness = await startStatusHost(
      [
        'status_page:',
        '  title: Acme',
        '  components: [{ name: API }]',
        '  maintenance: [{ name: Backups, cron: "0 * * * *", duration: 30m, components: [api] }]',
      ],
      startMs - 10_400,
    ));
    const occurrence = async () =>
      (await h.page<{ scheduled_maintenances: V2Maintenance[] }>('/api/v2/scheduled-maintenances.json'))
        .scheduled_maintenances[0];

    expect(await occurrence()).toMatchObject({ status: 'scheduled' });
    await h.advanceSeconds(10);
    expect(await occurrence()).toMatchObject({ status: 'scheduled' });
    await h.advanceSeconds(1);
    const started = await occurrence();
    expect(started?.status).toBe('in_progress');
    expect(Date.parse(started?.scheduled_for ?? '')).toBe(startMs);
    expect(Date.parse(started?.incident_updates[0]?.created_at ?? '')).toBe(startMs);
  });
});
