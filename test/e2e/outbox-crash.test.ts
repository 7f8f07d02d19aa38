import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeBinary } from '../support/node-binary.ts';
import { crashNotificationId, crashNotifierCount } from '../support/outbox-dispatcher-child.ts';
import { startTestUpstream } from '../support/test-upstream.ts';

const childScript = fileURLToPath(new URL('../support/outbox-dispatcher-child.ts', import.meta.url));
const notificationCount = 200;
// Long enough that a notifier's send is often in flight when the kill lands; short enough for a quick test.
const answerDelayMs = 15;

interface Delivery {
  readonly webhookId: string | string[] | undefined;
  readonly id: string;
  readonly notifier: string;
  readonly groupKey: string;
}

/** A webhook service that answers each POST after a delay and remembers every request, repeats included. */
interface SlowReceiver {
  readonly url: string;
  readonly deliveries: Delivery[];
  /** Called synchronously as each request arrives, before it is answered. */
  onRequest: (() => void) | undefined;
  readonly close: () => Promise<void>;
}

async function startSlowReceiver(): Promise<SlowReceiver> {
  const deliveries: Delivery[] = [];
  const hooks: { onRequest: (() => void) | undefined } = { onRequest: undefined };
  const upstream = await startTestUpstream((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Omit<Delivery, 'webhookId'>;
      deliveries.push({ ...body, webhookId: req.headers['webhook-id'] });
      hooks.onRequest?.();
      setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'), answerDelayMs);
    });
  });
  return Object.assign(hooks, { url: upstream.url, deliveries, close: () => upstream.close() });
}

interface ChildExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

function runChild(dbPath: string, receiver: SlowReceiver, killAfterRequests?: number): Promise<ChildExit> {
  const args = [
    '--disable-warning=ExperimentalWarning',
    childScript,
    dbPath,
    receiver.url,
    String(notificationCount),
  ];
  const child = spawn(nodeBinary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  receiver.onRequest =
    killAfterRequests === undefined
      ? undefined
      : () => {
          // Before the answer: this request, at least, is in flight when the child dies.
          if (receiver.deliveries.length === killAfterRequests) child.kill('SIGKILL');
        };
  return new Promise((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
}

let dir: string;
let receiver: SlowReceiver;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bulwark-outbox-crash-'));
  receiver = await startSlowReceiver();
});
afterAll(async () => {
  await receiver.close();
  await rm(dir, { recursive: true, force: true });
});

describe('outbox under SIGKILL', () => {
  it('delivers every notification at least once, repeating only the sends in flight at the kill', async () => {
    const dbPath = join(dir, 'bulwark.db');
    const killAfter = Math.floor(notificationCount / 3);
    const killed = await runChild(dbPath, receiver, killAfter);
    expect(killed.stderr).toBe('');
    expect(killed.signal).toBe('SIGKILL');
    // A notifier sends one at a time, and marks each before the next: per notifier, only its last request
    // before the kill can be unrecorded.
    const lastBeforeKill = new Map(receiver.deliveries.map((d) => [d.notifier, d.id]));
    const receivedBeforeKill = receiver.deliveries.length;
    expect(receivedBeforeKill).toBeLessThan(notificationCount);

    const restarted = await runChild(dbPath, receiver);
    expect(restarted.stderr).toBe('');
    expect(restarted).toMatchObject({ code: 0, stdout: 'done\n' });

    const ids = receiver.deliveries.map((d) => d.id);
    const expectedIds = Array.from({ length: notificationCount }, (_, i) => crashNotificationId(i));
    expect(new Set(ids).size).toBe(notificationCount);
    expect([...new Set(ids)].sort()).toEqual(expectedIds);

    // At-least-once with a stable idempotency key: the repeats are the in-flight sends, one per notifier at most.
    const repeated = ids.filter((id, i) => ids.indexOf(id) !== i);
    expect(repeated.length).toBeGreaterThanOrEqual(1);
    expect(repeated.length).toBeLessThanOrEqual(crashNotifierCount);
    expect(new Set(repeated).size).toBe(repeated.length);
    for (const id of repeated) expect([...lastBeforeKill.values()]).toContain(id);
    // The first child's last request was unanswered when it died, so the second sends it again.
    expect(repeated).toContain(ids[killAfter - 1]);

    expect(receiver.deliveries.filter((d) => d.webhookId !== d.id)).toEqual([]);

    // Each group's messages were first received in the order they were enqueued, across the restart.
    const firstSeen = [...new Map(receiver.deliveries.map((d) => [d.id, d])).values()];
    const byGroup = Map.groupBy(firstSeen, (d) => `${d.notifier}/${d.groupKey}`);
    expect(byGroup.size).toBe(20);
    for (const group of byGroup.values()) {
      const groupIds = group.map((d) => d.id);
      expect(groupIds).toEqual([...groupIds].sort());
    }

    const db = new DatabaseSync(dbPath);
    try {
      expect(db.prepare('PRAGMA integrity_check').get()).toEqual({ integrity_check: 'ok' });
      const states = db.prepare('SELECT state, count(*) AS n FROM alert_outbox GROUP BY state').all();
      expect(states).toEqual([{ state: 'delivered', n: notificationCount }]);
    } finally {
      db.close();
    }
  });
});
