import { afterEach, describe, expect, it, vi } from 'vitest';
import { cancelMaintenance } from '../services/maintenances.ts';
import type { StatusEvent } from '../status/events.ts';
import { startStatusHost, type StatusHostHarness } from './status-host.test-support.ts';

interface V2Maintenance {
  readonly status: string;
  readonly scheduled_for: string;
  readonly incident_updates: readonly { readonly status: string; readonly created_at: string }[];
}

let harness: StatusHostHarness | undefined;
afterEach(async () => {
  vi.restoreAllMocks();
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

describe('cancelling an occurrence of a recurring maintenance', () => {
  it('skips it for good, across a restart too; the next one is scheduled as usual and announced once', async () => {
    const hourMs = 3_600_000;
    const firstMs = Date.UTC(2026, 10, 20, 1);
    const h = (harness = await startStatusHost(
      [
        'status_page:',
        '  title: Acme',
        '  components: [{ name: API }]',
        '  maintenance: [{ name: Backups, cron: "0 * * * *", duration: 30m, components: [api] }]',
      ],
      firstMs - 10 * 60_000,
    ));
    const starts = () => h.host.book.maintenances().map((m) => m.scheduledForMs);
    const [occurrence] = h.host.book.maintenances();
    expect(occurrence?.scheduledForMs).toBe(firstMs);
    const announced: number[] = [];
    const tell = (event: StatusEvent) => {
      if (event.kind === 'maintenance' && event.isNew) announced.push(event.maintenance.scheduledForMs);
      return Promise.resolve();
    };
    vi.spyOn(h.host, 'tellSubscribers').mockImplementation(tell);

    await h.host.serially(() => cancelMaintenance(h.host.deps, occurrence?.id ?? ''));
    expect(starts()).toEqual([firstMs + hourMs]);
    await h.advanceSeconds(11 * 60);
    expect(starts()).toEqual([firstMs + hourMs]);
    expect(announced).toEqual([firstMs + hourMs]);

    // Within the skipped window, after a restart, the next one is cancelled too: the skipped one stays skipped.
    await h.restart();
    vi.spyOn(h.host, 'tellSubscribers').mockImplementation(tell);
    const [next] = h.host.book.maintenances();
    await h.host.serially(() => cancelMaintenance(h.host.deps, next?.id ?? ''));
    await h.advanceSeconds(2);
    expect(starts()).toEqual([firstMs + 2 * hourMs]);
    expect(announced).toEqual([firstMs + hourMs, firstMs + 2 * hourMs]);
  });
});
