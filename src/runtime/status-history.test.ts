import { afterEach, describe, expect, it } from 'vitest';
import type { MonitorHistory } from '../status/build-view.ts';
import { startStatusHost, type StatusHostHarness } from './status-host.test-support.ts';

const startMs = Date.UTC(2026, 10, 20, 9);
const todayMs = Date.UTC(2026, 10, 20);

const yaml = [
  'monitors:',
  '  - { name: API check, url: "http://127.0.0.1:9/api", type: http }',
  'status_page: { title: Acme, components: [{ name: API, from: { monitors: [api-check] } }] }',
];

let harness: StatusHostHarness | undefined;
afterEach(async () => {
  await harness?.stop();
  harness = undefined;
});

/** The store's answer: nothing until the monitor has reported, then a day with `upMs` observed. */
function fakeHistories() {
  const store = { hasResults: false, reads: 0 };
  const monitorHistories = (ids: readonly string[]) => {
    store.reads += 1;
    const history: MonitorHistory = {
      days: [{ startMs: todayMs, upMs: 5_000, degradedMs: 0, downMs: 0, excludedMs: 0 }],
      latency: [],
    };
    return Promise.resolve(new Map(store.hasResults ? ids.map((id) => [id, history] as const) : []));
  };
  return { store, monitorHistories };
}

const uptimeOf = (h: StatusHostHarness) => h.host.view().components.find((c) => c.id === 'api')?.uptime90d;

describe("the status page's uptime history after a start", () => {
  it('shows uptime within seconds of the first results, not after the first minute', async () => {
    const { store, monitorHistories } = fakeHistories();
    const h = (harness = await startStatusHost(yaml, startMs, { monitorHistories }));
    expect(uptimeOf(h)).toBeNull();

    store.hasResults = true;
    await h.advanceSeconds(3);
    expect(uptimeOf(h)).toBe(1);
  });

  it('reads once a minute again as soon as every monitor of the page shows observed time', async () => {
    const { store, monitorHistories } = fakeHistories();
    const h = (harness = await startStatusHost(yaml, startMs, { monitorHistories }));
    store.hasResults = true;
    await h.advanceSeconds(3);
    const readsThen = store.reads;
    await h.advanceSeconds(50);
    expect(store.reads).toBe(readsThen);
  });

  it('stops reading more often after a minute when a monitor never reports', async () => {
    const { store, monitorHistories } = fakeHistories();
    const h = (harness = await startStatusHost(yaml, startMs, { monitorHistories }));
    await h.advanceSeconds(62);
    const readsThen = store.reads;
    await h.advanceSeconds(55);
    expect(store.reads).toBe(readsThen);
    expect(uptimeOf(h)).toBeNull();
  });
});
