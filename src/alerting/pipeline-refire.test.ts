import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { episodeOf } from './alert-group.ts';
import type { Notification } from './notification.ts';
import { Harnesses, monitorDown, secondMs, startMs } from '../../test/support/pipeline-harness.ts';
import { resolutionBatchMs } from './pipeline.ts';

const harnesses = new Harnesses();
afterEach(() => harnesses.closeAll());
afterAll(() => harnesses.remove());

/** Each alert of each notification as `monitor@start status`, as a receiver keyed by episode reads them. */
const told = (sent: readonly Notification[]) =>
  sent.map((n) => n.alerts.map((a) => `${a.labels['monitor'] ?? ''}@${a.startsAtMs - startMs} ${a.status}`));

/** `api` fires at the start, resolves `firingMs` later, and fires again a third of the batch window after that. */
async function refiredAfter(firingMs: number) {
  const h = await harnesses.harness();
  const first = monitorDown('api', startMs);
  h.pipeline.fire(first);
  await h.advance(firingMs);
  h.pipeline.resolve(first.fingerprint, h.clock.nowMs());
  await h.advance(resolutionBatchMs / 3);
  const again = monitorDown('api', h.clock.nowMs());
  h.pipeline.fire(again);
  return { h, first, again };
}

describe('an alert that resolves and fires again before its resolution is sent', () => {
  it('tells the old episode resolved and the new one firing, in one notification', async () => {
    const { h, first, again } = await refiredAfter(10 * secondMs);
    await h.advance(resolutionBatchMs);
    const sent = await h.queued('oncall');
    expect(sent.map((n) => `${n.reason}/${n.status}`)).toEqual(['first/firing', 'new-alerts/firing']);
    const refiredAtMs = 10 * secondMs + resolutionBatchMs / 3;
    expect(told(sent)).toEqual([['api@0 firing'], [`api@${refiredAtMs} firing`, 'api@0 resolved']]);
    expect(sent[1]?.alerts[1]).toMatchObject({ endsAtMs: startMs + 10 * secondMs });
    const log = await h.store.notificationLog('oncall', sent[0]!.groupKey);
    expect(log).toMatchObject({
      firingFingerprints: [episodeOf(again)],
      resolvedFingerprints: [episodeOf(first)],
    });
  });

  it('then closes the new episode when it resolves, so no episode a receiver heard of stays open', async () => {
    const { h, again } = await refiredAfter(10 * secondMs);
    await h.advance(resolutionBatchMs);
    await h.advance(5 * secondMs);
    h.pipeline.resolve(again.fingerprint, h.clock.nowMs());
    await h.advance(resolutionBatchMs);
    for (const receiver of ['oncall', 'chat']) {
      const sent = await h.queued(receiver);
      expect(sent.map((n) => n.status)).toEqual(['firing', 'firing', 'resolved']);
      const fired = new Set(
        sent.flatMap((n) => n.alerts.filter((a) => a.status === 'firing').map(episodeOf)),
      );
      const ended = new Set(
        sent.flatMap((n) => n.alerts.filter((a) => a.status === 'resolved').map(episodeOf)),
      );
      expect([...fired].sort()).toEqual([...ended].sort());
      expect(fired.size).toBe(2);
    }
  });

  it('inside group_wait, reports the brief first episode with the new one', async () => {
    const { h } = await refiredAfter(3 * secondMs);
    await h.advance(10 * secondMs);
    const refiredAtMs = 3 * secondMs + resolutionBatchMs / 3;
    expect(told(await h.queued('chat'))).toEqual([[`api@${refiredAtMs} firing`, 'api@0 resolved']]);
  });
});
