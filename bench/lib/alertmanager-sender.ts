import { epochNowMs } from './flip-upstream.ts';

/**
 * The bench playing Prometheus toward Alertmanager (`POST /api/v2/alerts`), as Prometheus 2.x/3.x sends:
 * a firing alert carries endsAt = now + 4 × max(resend_delay, evaluation_interval) and is re-sent every
 * resend_delay; a resolved one carries endsAt = the resolution time and is re-sent for 15 minutes
 * (rules/alerting.go: sendAlerts, needsSending, resolvedRetention; rules/manager.go: SendAlerts).
 */

/** One alert as the bench's rule produces it: `alertname: MonitorDown` for one monitor of one component. */
export interface PromAlert {
  readonly monitor: string;
  readonly component: string;
}

// notifier/notifier.go: maxBatchSize.
const maxBatchAlerts = 64;
// Prometheus's --rules.alert.resend-delay default.
const resendDelayMs = 60_000;
const resolvedRetentionMs = 15 * 60_000;
const postTimeoutMs = 10_000;

interface Tracked {
  readonly alert: PromAlert;
  readonly startsAtMs: number;
  resolvedAtMs: number | undefined;
  lastSentAtMs: number;
}

export class PrometheusSender {
  readonly #postUrl: string;
  readonly #evalIntervalMs: number;
  readonly #tracked = new Map<string, Tracked>();
  readonly #inFlight = new Set<Promise<unknown>>();
  readonly #timer: NodeJS.Timeout;
  /** Re-sends that failed; a scenario reports them rather than stopping on one. */
  readonly resendFailures: string[] = [];
  posts = 0;
  /** POSTs that were Prometheus's periodic re-sends, not a change of state. */
  resendPosts = 0;

  constructor(alertmanagerUrl: string, options: { readonly evalIntervalMs: number }) {
    this.#postUrl = `${alertmanagerUrl}/api/v2/alerts`;
    this.#evalIntervalMs = options.evalIntervalMs;
    // Prometheus re-sends from its rule evaluations, so due alerts are looked for once per evaluation.
    this.#timer = setInterval(() => this.#resendDue(), this.#evalIntervalMs);
  }

  /** Posts the alerts as newly firing; resolves with when the first POST began (epoch ms). */
  async fire(alerts: readonly PromAlert[]): Promise<number> {
    const nowMs = epochNowMs();
    const tracked = alerts.map((alert) => {
      const entry: Tracked = { alert, startsAtMs: nowMs, resolvedAtMs: undefined, lastSentAtMs: nowMs };
      this.#tracked.set(alert.monitor, entry);
      return entry;
    });
    return await this.#track(this.#post(tracked, nowMs));
  }

  /** Posts the monitors' alerts as resolved now; resolves with when the first POST began (epoch ms). */
  async resolve(monitors: readonly string[]): Promise<number> {
    const nowMs = epochNowMs();
    const tracked = monitors.map((monitor) => {
      const entry = this.#tracked.get(monitor);
      if (entry?.resolvedAtMs !== undefined || !entry) throw new Error(`${monitor} is not firing`);
      entry.resolvedAtMs = nowMs;
      entry.lastSentAtMs = nowMs;
      return entry;
    });
    return await this.#track(this.#post(tracked, nowMs));
  }

  /** Stops re-sending and waits for POSTs under way. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await Promise.allSettled([...this.#inFlight]);
  }

  #resendDue(): void {
    const nowMs = epochNowMs();
    const due = [...this.#tracked.values()].filter((t) => t.lastSentAtMs + resendDelayMs < nowMs);
    for (const t of due) {
      t.lastSentAtMs = nowMs;
      if (t.resolvedAtMs !== undefined && t.resolvedAtMs + resolvedRetentionMs < nowMs)
        this.#tracked.delete(t.alert.monitor);
    }
    if (due.length === 0) return;
    this.resendPosts += Math.ceil(due.length / maxBatchAlerts);
    void this.#track(this.#post(due, nowMs)).catch((error: unknown) =>
      this.resendFailures.push(error instanceof Error ? error.message : String(error)),
    );
  }

  async #post(tracked: readonly Tracked[], nowMs: number): Promise<number> {
    let firstStartMs: number | undefined;
    for (let i = 0; i < tracked.length; i += maxBatchAlerts) {
      const body = JSON.stringify(tracked.slice(i, i + maxBatchAlerts).map((t) => this.#wire(t, nowMs)));
      firstStartMs ??= epochNowMs();
      const res = await fetch(this.#postUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        signal: AbortSignal.timeout(postTimeoutMs),
      });
      const answer = await res.text();
      this.posts++;
      if (!res.ok) throw new Error(`POST /api/v2/alerts answered ${res.status}: ${answer.slice(0, 200)}`);
    }
    return firstStartMs ?? nowMs;
  }

  #wire(t: Tracked, nowMs: number): object {
    const validUntilMs = nowMs + 4 * Math.max(resendDelayMs, this.#evalIntervalMs);
    return {
      labels: { alertname: 'MonitorDown', monitor: t.alert.monitor, component: t.alert.component },
      annotations: { summary: `${t.alert.monitor} is down` },
      startsAt: new Date(t.startsAtMs).toISOString(),
      endsAt: new Date(t.resolvedAtMs ?? validUntilMs).toISOString(),
    };
  }

  #track<T>(work: Promise<T>): Promise<T> {
    this.#inFlight.add(work);
    return work.finally(() => this.#inFlight.delete(work));
  }
}
