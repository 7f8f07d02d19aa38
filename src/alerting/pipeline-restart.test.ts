import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../test/support/fake-clock.ts';
import { equalityMatchers } from './matchers.ts';
import {
  Harnesses,
  minuteMs,
  monitorDown,
  route,
  secondMs,
  startMs,
} from '../../test/support/pipeline-harness.ts';
import { defaultMessage } from './notifiers/message.ts';
import { opsgenieCloseBody } from './notifiers/opsgenie.ts';
import { pagerdutyEvent } from './notifiers/pagerduty.ts';
import { slackPayload } from './notifiers/slack.ts';
import { resolutionBatchMs } from './pipeline.ts';
import { MonitorAlerts, type MonitorSignal } from './sources/monitor-alerts.ts';
import { PoolRules, type PoolSample } from './sources/pool-rules.ts';
import type { PoolRule } from './sources/pool-rule.ts';

const harnesses = new Harnesses();
afterEach(() => harnesses.closeAll());
afterAll(() => harnesses.remove());

const poolDown: PoolRule = {
  name: 'pool-down',
  pool: 'api',
  condition: { signal: 'healthy_share', comparison: '<', threshold: 0.5 },
  forMs: 0,
  windowMs: 5 * minuteMs,
  severity: 'critical',
  labels: { component: 'API' },
  text: 'healthy_share < 50%',
};
const reading = (healthyShare: number): PoolSample[] => [
  { pool: 'api', healthyShare, requests: 0, errors: 0, latencyBuckets: [] },
];
const certSignal: MonitorSignal = {
  id: 'web',
  name: 'Web',
  state: 'up',
  sinceMs: startMs - 86_400_000,
  isFlapping: false,
  certDaysLeft: 5,
  labels: { component: 'Web' },
};

/** Two pipelines on one database file and clock, the second started after the first stopped. */
async function restartable() {
  const path = await harnesses.path();
  const clock = new FakeClock(startMs);
  const before = await harnesses.harness({}, path, clock);
  return { before, after: async () => harnesses.harness({}, path, clock) };
}

describe('after a restart', () => {
  it('resolves an alert receivers were told fires once no source reported it again', async () => {
    const { before, after } = await restartable();
    new PoolRules(before.pipeline, [poolDown]).observe(reading(0), before.clock.nowMs());
    await before.advance(10 * secondMs);
    await before.stop();
    // The pool recovered while Bulwark was down: its rule, which keeps no state, has nothing to resolve.
    const h = await after();
    const rules = new PoolRules(h.pipeline, [poolDown]);
    for (let i = 0; i < 12; i++) {
      rules.observe(reading(1), h.clock.nowMs());
      await h.advance(5 * secondMs);
    }
    expect((await h.queued('oncall')).map((n) => n.reason)).toEqual(['first']);
    h.pipeline.resolveUnreported();
    await h.advance(resolutionBatchMs);
    const sent = await h.queued('oncall');
    expect(sent.map((n) => `${n.reason}/${n.status}`)).toEqual(['first/firing', 'resolved/resolved']);
    expect(sent[1]).toMatchObject({ groupKey: sent[0]?.groupKey, groupLabels: { component: 'API' } });
    expect(sent[1]?.alerts[0]).toMatchObject({
      fingerprint: sent[0]?.alerts[0]?.fingerprint,
      startsAtMs: sent[0]?.alerts[0]?.startsAtMs,
      status: 'resolved',
    });
    expect((await h.store.notificationLog('oncall', sent[0]!.groupKey))?.firingFingerprints).toEqual([]);
    expect((await h.queued('chat')).map((n) => n.reason)).toEqual(['first', 'resolved']);
  });

  it('keeps the episode of an alert its source re-creates with a new start, so it is not sent as new', async () => {
    const { before, after } = await restartable();
    new MonitorAlerts(before.pipeline, { warning: 14, critical: 7 }).update(certSignal, before.clock.nowMs());
    await before.advance(10 * secondMs);
    await before.stop();
    before.clock.advance(2 * minuteMs);
    const h = await after();
    const alerts = new MonitorAlerts(h.pipeline, { warning: 14, critical: 7 });
    alerts.update(certSignal, h.clock.nowMs());
    await h.advance(10 * secondMs);
    alerts.update(certSignal, h.clock.nowMs());
    h.pipeline.resolveUnreported();
    await h.advance(10 * minuteMs);
    const sent = await h.queued('oncall');
    expect(sent.map((n) => n.reason)).toEqual(['first']);
    const [kept] = h.pipeline.firing();
    expect(kept?.alert.startsAtMs).toBe(startMs);
    // Its resolution names the episode the receiver was told about.
    alerts.update({ ...certSignal, certDaysLeft: 90 }, h.clock.nowMs());
    await h.advance(resolutionBatchMs);
    expect((await h.queued('oncall'))[1]?.alerts[0]).toMatchObject({
      status: 'resolved',
      startsAtMs: startMs,
    });
  });

  it('resolves only the unreported alerts of a group, beside those still firing', async () => {
    const { before, after } = await restartable();
    const api = monitorDown('api', startMs);
    const login = monitorDown('login', startMs);
    before.pipeline.fire(api);
    before.pipeline.fire(login);
    await before.advance(10 * secondMs);
    await before.stop();
    const h = await after();
    h.pipeline.fire(api);
    await h.advance(minuteMs);
    h.pipeline.resolveUnreported();
    await h.advance(resolutionBatchMs);
    const sent = await h.queued('oncall');
    expect(sent.map((n) => n.reason)).toEqual(['first', 'state-change']);
    expect(sent[1]?.alerts.map((a) => `${a.labels['monitor'] ?? ''} ${a.status}`)).toEqual([
      'api firing',
      'login resolved',
    ]);
  });

  it('resolves an unreported alert with the labels, annotations and start its firing message had', async () => {
    const { before, after } = await restartable();
    before.pipeline.fire(monitorDown('api', startMs));
    before.pipeline.fire(monitorDown('login', startMs + secondMs));
    await before.advance(10 * secondMs);
    await before.stop();
    const h = await after();
    h.pipeline.fire(monitorDown('api', startMs));
    await h.advance(minuteMs);
    h.pipeline.resolveUnreported();
    await h.advance(resolutionBatchMs);
    for (const receiver of ['oncall', 'chat']) {
      const [firing, resolved] = await h.queued(receiver);
      const told = firing?.alerts.find((a) => a.labels['monitor'] === 'login');
      expect(resolved?.alerts.find((a) => a.status === 'resolved')).toStrictEqual({
        ...told,
        status: 'resolved',
        endsAtMs: startMs + 10 * secondMs + minuteMs,
      });
      const slack = JSON.stringify(
        slackPayload(resolved!, { type: 'slack', webhook_url: 'https://hooks.example' }),
      );
      expect(slack).toContain('login is down: resolved after 1m 9s');
    }
  });

  it('closes the incident its trigger opened, naming the alerts, when a whole group was not reported again', async () => {
    const { before, after } = await restartable();
    new PoolRules(before.pipeline, [poolDown]).observe(reading(0), before.clock.nowMs());
    await before.advance(10 * secondMs);
    await before.stop();
    const h = await after();
    h.pipeline.resolveUnreported();
    await h.advance(resolutionBatchMs);
    const [firing, resolved] = await h.queued('oncall');
    expect(resolved?.commonLabels).toStrictEqual(firing?.commonLabels);
    expect(resolved?.commonAnnotations).toStrictEqual(firing?.commonAnnotations);
    const pagerduty = { type: 'pagerduty', routing_key: 'key', url: 'https://events.example' } as const;
    expect(pagerdutyEvent(resolved!, pagerduty)).toStrictEqual({
      routing_key: 'key',
      dedup_key: pagerdutyEvent(firing!, pagerduty)['dedup_key'],
      event_action: 'resolve',
    });
    expect(defaultMessage(resolved!).lines).toEqual([
      'pool api: 0% of endpoints healthy (rule: healthy_share < 50%): resolved after 10s (since 2026-11-21T09:00:00Z)',
    ]);
    expect(opsgenieCloseBody(resolved!)).toMatchObject({ note: 'RESOLVED: API' });
  });
});

describe('after a reload that changed the routes', () => {
  it('resolves what receivers were told in a group the routes no longer form, for them only', async () => {
    const path = await harnesses.path();
    const clock = new FakeClock(startMs);
    const before = await harnesses.harness({}, path, clock);
    const alert = monitorDown('api', startMs);
    before.pipeline.fire(alert);
    await before.advance(10 * secondMs);
    await before.stop();
    // A route for the db team inserted first: the critical route is now `1`, and chat also hears it.
    const moved = route({
      id: 'root',
      children: [
        route({ id: '0', matchers: equalityMatchers({ team: 'db' }), receivers: ['chat'] }),
        route({
          id: '1',
          matchers: equalityMatchers({ severity: 'critical' }),
          receivers: ['oncall', 'chat'],
        }),
      ],
    });
    const h = await harnesses.harness({ root: moved }, path, clock);
    h.pipeline.fire(alert);
    h.pipeline.resolveUnreported();
    await h.advance(resolutionBatchMs);
    await h.advance(10 * secondMs);
    const sent = (await h.queued()).map((n) => `${n.receiver} ${n.groupKey} ${n.reason}/${n.status}`);
    // Route 0 is now the db team's: chat, which was never told in group 0, hears nothing of it. Group
    // `1:{component="API"}` is what chat was told before (the catch-all was route 1): it stays quiet there.
    expect(sent).toEqual([
      'oncall 0:{component="API"} first/firing',
      'chat 1:{component="API"} first/firing',
      'oncall 0:{component="API"} resolved/resolved',
      'oncall 1:{component="API"} first/firing',
    ]);
  });
});
