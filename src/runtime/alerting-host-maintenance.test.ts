import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../test/support/fake-clock.ts';
import { isPrepared, type Notification } from '../alerting/notification.ts';
import { parseConfigText } from '../config/index.ts';
import { AlertingMetrics, createLogger } from '../observability/index.ts';
import { AlertingHost, maintenanceWaitMs } from './alerting-host.ts';

const startMs = Date.UTC(2026, 10, 21, 9, 0, 0);
let dir: string | undefined;
let host: AlertingHost | undefined;

afterEach(async () => {
  await host?.stop();
  host = undefined;
  if (dir) await rm(dir, { recursive: true, force: true });
});

/**
 * An alerting host as a control plane starts it with a status page: before the page. `window` stands in for the
 * page's maintenance lookup (a window over the API component), known only once the page would have started.
 */
async function startBeforeThePage() {
  dir = await mkdtemp(join(tmpdir(), 'bulwark-alerting-maintenance-'));
  const config = parseConfigText(
    [
      'pools: { api: { endpoints: [{ url: "http://127.0.0.1:9" }] } }',
      'routes: [{ pool: api }]',
      `data_dir: ${join(dir, 'data')}`,
      'alerting:',
      '  defaults: { group_wait: 1s, group_interval: 5s }',
      '  notifiers: { hook: { type: webhook, url: "http://127.0.0.1:9/hook" } }',
      '  routes: [{ notify: [hook] }]',
      'status_page: { title: Acme, components: [{ name: API }] }',
    ].join('\n'),
  );
  const clock = new FakeClock(startMs);
  const warnings: string[] = [];
  const page = { isStarted: false, isWindowOpen: true };
  const running = (host = await AlertingHost.start(config, {
    logger: createLogger({
      level: 'warn',
      destination: { write: (line: string) => void warnings.push(line) },
    }),
    metrics: new AlertingMetrics(new Registry()),
    poolSamples: () => Promise.resolve([]),
    adminUrl: () => 'http://127.0.0.1:8082',
    clock,
    maintenanceOf: (labels) =>
      page.isStarted && page.isWindowOpen && labels['component'] === 'api' ? 'window-1' : undefined,
  }));
  running.monitorChanged({
    id: 'api',
    name: 'API',
    state: 'down',
    sinceMs: startMs,
    isFlapping: false,
    labels: { component: 'api' },
  });
  const advance = async (ms: number) => {
    for (let doneMs = 0; doneMs < ms; doneMs += 500) {
      clock.advance(Math.min(500, ms - doneMs));
      await new Promise((resolve) => setImmediate(resolve));
      await running.pipeline.idle();
    }
  };
  const queued = async () =>
    (await running.store.listOutbox({ limit: 100 }))
      .map((e) => e.notification)
      .filter((n): n is Notification => !isPrepared(n))
      .map((n) => `${n.reason}/${n.status}`);
  return { host: running, page, advance, queued, warnings };
}

describe('AlertingHost before the status page has started', () => {
  it('sends nothing until the windows are known: an alert a window already mutes is not sent, and is after it', async () => {
    const { host, page, advance, queued } = await startBeforeThePage();
    await advance(5_000);
    expect(await queued()).toEqual([]);

    page.isStarted = true;
    host.maintenanceKnown();
    await advance(10_000);
    expect(host.pipeline.firing().map((f) => f.suppression)).toEqual([{ by: 'maintenance', id: 'window-1' }]);
    expect(await queued()).toEqual([]);

    page.isWindowOpen = false;
    await advance(5_000);
    expect(await queued()).toEqual(['first/firing']);
  });

  it(`waits for a page that never starts no longer than ${maintenanceWaitMs / 1_000} s, and says so`, async () => {
    const { advance, queued, warnings } = await startBeforeThePage();
    await advance(maintenanceWaitMs - 500);
    expect(await queued()).toEqual([]);
    await advance(500);
    expect(await queued()).toEqual(['first/firing']);
    expect(warnings.filter((line) => line.includes('"maintenance-unknown"'))).toHaveLength(1);
  });
});
