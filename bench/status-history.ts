import { resolve } from 'node:path';
import { readDailyHistories, type DailyHistory, type HistoryMonitor } from '../src/monitor/daily-history.ts';
import { LatencySketch } from '../src/monitor/latency-sketch.ts';
import { periodStartOf, resolutionMs, type Rollup } from '../src/monitor/rollup.ts';
import { seedHistory, type SeededHistory } from './lib/seeded-history.ts';
import { benchArgs } from './lib/args.ts';

/**
 * How long the status page's minute refresh of its uptime bars blocks the event loop: the daily history of
 * every monitor on the page, as StatusHost reads it every 60 s. (node:sqlite answers synchronously, so the
 * whole refresh is one block.) One SQLite file holds 3 hours of 1-s results for each monitor, rolled up by the
 * rollup job as it runs in Bulwark; the clock stands `--minutes` into the current hour, where up to that many
 * minutes of raw results are not in an hour rollup yet. `--days N` adds day rollups for the N days before
 * those hours, as a page with a long history has (89 for the 90 days on the page). `--compare-with DIR` reads
 * the same file with another checkout's daily-history.ts, side by side and each round in the other order
 * (readDailyHistories, or before it readDailyHistory once per monitor), and checks that both give the same
 * history.
 *
 *   npm run bench:status-history [-- --monitors 50 --minutes 5,30,58 --rounds 3 --days 0 --compare-with DIR]
 */

const { values } = benchArgs(import.meta.url, {
  options: {
    monitors: { type: 'string', default: '50' },
    minutes: { type: 'string', default: '5,30,58' },
    rounds: { type: 'string', default: '3' },
    days: { type: 'string', default: '0' },
    'compare-with': { type: 'string' },
  },
});
const monitorCount = Number(values.monitors);
const rounds = Number(values.rounds);
const minuteMarks = values.minutes.split(',').map(Number);
const pastDays = Number(values.days);
if (
  ![monitorCount, rounds].every((n) => Number.isInteger(n) && n > 0) ||
  minuteMarks.some((m) => !(m >= 0)) ||
  !(Number.isInteger(pastDays) && pastDays >= 0)
)
  throw new Error('expected --monitors 50 --minutes 5,30,58 --rounds 3 --days 0');

type ReadAll = (
  stores: SeededHistory['stores'],
  monitors: readonly HistoryMonitor[],
  nowMs: number,
  // Both: an older checkout (--compare-with) reads runningSlackMs, this one runningSinceMs.
  options: { readonly dayCount: number; readonly runningSlackMs: number; readonly runningSinceMs: number },
) => Promise<Map<string, DailyHistory>>;
/** daily-history.ts before readDailyHistories: one monitor per call, as the status host called it for each. */
type ReadOne = (
  stores: SeededHistory['stores'],
  monitorId: string,
  nowMs: number,
  options: { readonly dayCount: number; readonly maxHoldMs: number; readonly runningSlackMs: number },
) => Promise<DailyHistory>;

async function readerOf(dir: string): Promise<ReadAll> {
  const path = resolve(dir, 'src/monitor/daily-history.ts');
  const module = (await import(path)) as { readDailyHistories?: ReadAll; readDailyHistory?: ReadOne };
  const { readDailyHistories: readAll, readDailyHistory: readOne } = module;
  if (readAll) return readAll;
  if (!readOne) throw new Error(`${path} exports neither readDailyHistories nor readDailyHistory`);
  return async (stores, monitors, nowMs, { dayCount, runningSlackMs }) => {
    const histories = new Map<string, DailyHistory>();
    for (const { id, maxHoldMs } of monitors)
      histories.set(id, await readOne(stores, id, nowMs, { dayCount, maxHoldMs, runningSlackMs }));
    return histories;
  };
}

const readers: { name: string; read: ReadAll }[] = [{ name: 'this checkout', read: readDailyHistories }];
if (values['compare-with'])
  readers.push({ name: values['compare-with'], read: await readerOf(values['compare-with']) });

const hourMs = 3_600_000;
const checkEveryMs = 1_000;
const seededHours = 3;
const dayCount = 90;

/** Day rollups of the `--days` whole UTC days before `beforeMs`: up all day, latencies spread over 10–210 ms. */
function pastDayRollups(monitors: readonly HistoryMonitor[], beforeMs: number): Rollup[] {
  const dayMs = resolutionMs.day;
  const sketch = new LatencySketch();
  for (let i = 0; i < 86_400; i++) sketch.add(10 + 200 * (i / 86_400) ** 3);
  const bytes = sketch.toBytes();
  const lastDayMs = periodStartOf(beforeMs, 'day') - dayMs;
  return monitors.flatMap(({ id }) =>
    Array.from({ length: pastDays }, (_, i) => ({
      monitorId: id,
      resolution: 'day' as const,
      startMs: lastDayMs - i * dayMs,
      count: 86_400,
      failures: 0,
      upMs: dayMs,
      degradedMs: 0,
      downMs: 0,
      otherMs: 0,
      noDataMs: 0,
      sketch: bytes,
    })),
  );
}

async function measureAt(minutesIntoHour: number): Promise<void> {
  const seeded = await seedHistory({
    monitorCount,
    checkEveryMs,
    hours: seededHours,
    nowMs: Math.floor(Date.now() / hourMs) * hourMs + minutesIntoHour * 60_000 + 30_000,
  });
  try {
    const { stores, monitors, nowMs, runningSinceMs } = seeded;
    const options = { dayCount, runningSlackMs: 30_000, runningSinceMs };
    await stores.rollups.upsertRollups(pastDayRollups(monitors, nowMs - seededHours * hourMs));
    for (let round = 1; round <= rounds; round++) {
      const took = new Map<string, string>();
      const histories: string[] = [];
      // Alternating which goes first, so neither always reads a file the other has just warmed.
      for (const { name, read } of round % 2 ? readers : readers.toReversed()) {
        const startMs = performance.now();
        const all = await read(stores, monitors, nowMs, options);
        took.set(name, `${(performance.now() - startMs).toFixed(1)} ms`);
        histories.push(JSON.stringify([...all]));
      }
      const same = histories.every((h) => h === histories[0]);
      const line = readers.map(({ name }) => took.get(name)).join(' | ');
      console.log(
        `| ${minutesIntoHour} | ${round} | ${line} |${readers.length > 1 ? ` ${same ? 'same' : 'DIFFERENT'} |` : ''}`,
      );
    }
  } finally {
    await seeded.close();
  }
}

console.log(
  `${monitorCount} monitors checked every second, ${seededHours} hours of results, ` +
    `${pastDays} day rollups before them, 90 days on the page\n`,
);
console.log(
  `| minutes into the hour | round | ${readers.map((r) => r.name).join(' | ')} |${readers.length > 1 ? ' histories |' : ''}`,
);
console.log(`|--:|--:|${readers.map(() => '--:|').join('')}${readers.length > 1 ? '---|' : ''}`);
for (const minutes of minuteMarks) await measureAt(minutes);
