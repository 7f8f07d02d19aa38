import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeBinary } from '../support/node-binary.ts';

const childScript = fileURLToPath(new URL('../support/store-writer-child.ts', import.meta.url));

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bulwark-crash-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs the writer child until it reported `killAfterSeq` as stored, SIGKILLs it, returns the last reported seq. */
async function writeThenKill(dbPath: string, monitorId: string, killAfterSeq: number): Promise<number> {
  const child = spawn(nodeBinary, ['--disable-warning=ExperimentalWarning', childScript, dbPath, monitorId], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  const exited = new Promise<NodeJS.Signals | null>((resolve) =>
    child.on('exit', (_code, signal) => resolve(signal)),
  );
  child.stdout.setEncoding('utf8').on('data', (text: string) => {
    stdout += text;
    const lastLine = stdout.slice(0, stdout.lastIndexOf('\n')).split('\n').at(-1);
    // Mid-stream: the child is inside its next append when the signal lands, with no pause in between.
    if (Number(lastLine) >= killAfterSeq) child.kill('SIGKILL');
  });
  const signal = await exited;
  expect(stderr).toBe('');
  expect(signal).toBe('SIGKILL');
  // Only complete lines count; each was written after its append resolved.
  const reported = stdout.slice(0, stdout.lastIndexOf('\n')).split('\n').map(Number);
  return Math.max(...reported);
}

describe('results store under SIGKILL', () => {
  it('keeps every result reported as stored, and the file stays intact', async () => {
    const dbPath = join(dir, 'crash.db');
    // Several kills into the same file: each reopen also recovers the previous crash's WAL.
    for (const [round, killAfterSeq] of [2_000, 15_000, 40_000].entries()) {
      const monitorId = `round-${round}`;
      const lastReported = await writeThenKill(dbPath, monitorId, killAfterSeq);
      expect(lastReported).toBeGreaterThanOrEqual(killAfterSeq);
      // Killed with the connection open: committed pages are still in the WAL, not yet checkpointed.
      expect(existsSync(`${dbPath}-wal`)).toBe(true);

      const db = new DatabaseSync(dbPath);
      try {
        expect(db.prepare('PRAGMA integrity_check').get()).toEqual({ integrity_check: 'ok' });
        const stored = db
          .prepare(
            'SELECT count(*) AS n, min(at_ms) AS first, max(at_ms) AS last FROM monitor_results WHERE monitor_id = ?',
          )
          .get(monitorId) as { n: number; first: number; last: number };
        // Seqs 1..n with no gap (each batch is one transaction), and every reported one among them.
        expect(stored.first).toBe(1);
        expect(stored.n).toBe(stored.last);
        expect(stored.last).toBeGreaterThanOrEqual(lastReported);
      } finally {
        db.close();
      }
    }
  });
});
