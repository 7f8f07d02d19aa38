// Appends results in a loop and prints each batch's last sequence number only after its append resolved.
// Usage: node store-writer-child.ts DB_PATH MONITOR_ID. Runs until killed.
import { SqliteResultsStore } from '../../src/store/index.ts';
import type { StoredResult } from '../../src/monitor/results-store.ts';

const [dbPath, monitorId] = process.argv.slice(2);
if (dbPath === undefined || monitorId === undefined)
  throw new Error('usage: store-writer-child.ts DB_PATH MONITOR_ID');

const store = await SqliteResultsStore.open(dbPath);
let seq = 0;
for (let round = 0; ; round++) {
  // Batch sizes 1..700 so some appends span several insert chunks inside one transaction.
  const size = 1 + ((round * 37) % 700);
  const batch: StoredResult[] = [];
  for (let i = 0; i < size; i++) {
    seq++;
    batch.push({
      monitorId,
      probe: 'local',
      atMs: seq,
      state: 'up',
      ok: true,
      responseTimeMs: 1.5,
      message: `seq ${seq}`,
    });
  }
  await store.append(batch);
  // stdout on a pipe is synchronous on Linux: once this returns, the parent can read the line.
  process.stdout.write(`${seq}\n`);
}
