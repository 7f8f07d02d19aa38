import { summarizeMonitor } from '../src/monitor/history-summary.ts';
import { seedHistory } from './lib/seeded-history.ts';
import { benchArgs } from './lib/args.ts';

/**
 * How long `GET /api/v1/monitors` holds the event loop. Each monitor's report (summarizeMonitor, as
 * MonitoringHost makes it) reads its last day of raw results, synchronously (node:sqlite). Since 6adea06 the
 * list is made one monitor at a time with a turn of the loop between them, so the longest block is the
 * slowest single report; before, the whole list was one block. One SQLite file holds 26 hours of results for
 * each monitor, rolled up by the rollup job; each report is timed on its own.
 *
 *   npm run bench:monitor-reports [-- --monitors 50 --every-s 5,30 --rounds 3]
 */

const { values } = benchArgs(import.meta.url, {
  options: {
    monitors: { type: 'string', default: '50' },
    'every-s': { type: 'string', default: '5,30' },
    rounds: { type: 'string', default: '3' },
  },
});
const monitorCount = Number(values.monitors);
const rounds = Number(values.rounds);
const intervalsS = values['every-s'].split(',').map(Number);
if (![monitorCount, rounds, ...intervalsS].every((n) => Number.isInteger(n) && n > 0))
  throw new Error('expected --monitors 50 --every-s 5,30 --rounds 3 (positive integers)');

const hourMs = 3_600_000;
const ms = (value: number) => `${value.toFixed(0)} ms`;

console.log(`${monitorCount} monitors, 26 hours of results each\n`);
console.log(
  '| checks every | round | whole list (one block before 6adea06) | one report: median | one report: max (the longest block now) |',
);
console.log('|--:|--:|--:|--:|--:|');
for (const everyS of intervalsS) {
  const seeded = await seedHistory({
    monitorCount,
    checkEveryMs: everyS * 1000,
    hours: 26,
    nowMs: Math.floor(Date.now() / hourMs) * hourMs + 30 * 60_000,
  });
  try {
    for (let round = 1; round <= rounds; round++) {
      const eachMs: number[] = [];
      for (const { id, maxHoldMs } of seeded.monitors) {
        const startMs = performance.now();
        await summarizeMonitor(seeded.stores, id, seeded.nowMs, {
          rawRetentionMs: 7 * 86_400_000,
          maxHoldMs,
          runningSinceMs: seeded.runningSinceMs,
        });
        eachMs.push(performance.now() - startMs);
      }
      const sorted = eachMs.toSorted((a, b) => a - b);
      const totalMs = eachMs.reduce((sum, value) => sum + value, 0);
      console.log(
        `| ${everyS} s | ${round} | ${ms(totalMs)} | ${ms(sorted[Math.floor(sorted.length / 2)] ?? NaN)} | ${ms(sorted.at(-1) ?? NaN)} |`,
      );
    }
  } finally {
    await seeded.close();
  }
}
