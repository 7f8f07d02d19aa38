import { firingAlert } from '../../src/alerting/alert.ts';
import type { Notification } from '../../src/alerting/notification.ts';

const startsAtMs = Date.UTC(2026, 10, 21, 9, 30, 0);

/** A realistic firing group (two monitors down behind the api pool) for notifier payload tests. */
export function sampleFiring(overrides: Partial<Notification> = {}): Notification {
  const labels = { alertname: 'monitor-down', component: 'API', severity: 'critical' };
  const alerts = [
    firingAlert(
      { ...labels, monitor: 'public-api' },
      { summary: 'Public API is down: expected status == 200, got 503' },
      startsAtMs,
    ),
    firingAlert(
      { ...labels, monitor: 'login' },
      { summary: 'Login is down: connect ECONNREFUSED' },
      startsAtMs + 4_000,
    ),
  ];
  return {
    id: 'ntf_01hzy3k6x8',
    receiver: 'team-chat',
    groupKey: 'route0:{component="API"}',
    status: 'firing',
    reason: 'first',
    groupLabels: { component: 'API' },
    commonLabels: labels,
    commonAnnotations: {},
    alerts,
    severity: 'critical',
    links: { statusPage: 'https://status.acme.example', admin: 'http://127.0.0.1:8082/api/v1/alerts' },
    createdAtMs: startsAtMs + 10_000,
    ...overrides,
  };
}

/** The same group after both monitors recovered. */
export function sampleResolved(overrides: Partial<Notification> = {}): Notification {
  const firing = sampleFiring();
  const endsAtMs = firing.createdAtMs + 125_000;
  return sampleFiring({
    status: 'resolved',
    reason: 'resolved',
    alerts: firing.alerts.map((a) => ({ ...a, status: 'resolved', endsAtMs })),
    createdAtMs: endsAtMs,
    ...overrides,
  });
}
