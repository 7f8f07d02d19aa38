import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { readDailyHistory } from '../src/monitor/daily-history.ts';
import { maxHoldOf } from '../src/monitor/uptime.ts';
import { seedHistory } from './lib/seeded-history.ts';

/**
 * How long the status page's minute refresh of its uptime bars blocks the event loop: readDailyHistory for
 * every monitor on the page, as StatusHost does every 60 s. (node:sqlite answers synchronously, so the whole
 * refresh is one block.) One SQLite file holds 3 hours of 1-s results for each monitor, rolled up by the
 * rollup job as it runs in Bulwark; the clock stands `--minutes` into the current hour, where up to that many
 * minutes of raw results are not in an hour rollup yet. `--compare-with DIR` reads the same file with another
 * checkout's readDailyHistory, side by side, and checks that both give the same history.
 *
 *   npm run bench:status-history [-- --monitors 50 --minutes 5,30,58 --rounds 3 --compare-with ../other-checkout]
 */

const { values } = parseArgs({
  options: {
    monitors: { type: 'string', default: '50' },
    minutes: { type: 'string', default: '5,30,58' },
    rounds: { type: 'string', default: '3' },
    'compare-with': { type: 'string' },
  },
});
const monitorCount = Number(values.monitors);
const rounds = Number(values.rounds);
const minuteMarks = values.minutes.split(',').map(Number);
if (![monitorCount, rounds].every((n) => Number.isInteger(n) && n > 0) || minuteMarks.some((m) => !(m >= 0)))
  throw new Error('expected --monitors 50 --minutes 5,30,58 --rounds 3');

type Read = typeof readDailyHistory;
const readers: { name: string; read: Read }[] = [{ name: 'this checkout', read: readDailyHistory }];
if (values['compare-with']) {
  const other = resolve(values['compare-with'], 'src/monitor/daily-history.ts');
  const module = (await import(other)) as { readDailyHistory: Read };
  readers.push({ name: values['compare-with'], read: module.readDailyHistory });
}

const hourMs = 3_600_000;
const checkEveryMs = 1_000;
const options = { dayCount: 90, maxHoldMs: maxHoldOf(checkEveryMs), runningSlackMs: 30_000 };

async function measureAt(minutesIntoHour: number): Promise<void> {
  const seeded = await seedHistory({
    monitorCount,
    checkEveryMs,
    hours: 3,
    nowMs: Math.floor(Date.now() / hourMs) * hourMs + minutesIntoHour * 60_000 + 30_000,
  });
  try {
    const { stores, monitors, nowMs } = seeded;
    for (let round = 1; round <= rounds; round++) {
      const line: string[] = [];
      const histories: string[] = [];
      for (const { read } of readers) {
        const startMs = performance.now();
        const all = [];
        for (const { id } of monitors) all.push(await read(stores, id, nowMs, options));
        line.push(`${(performance.now() - startMs).toFixed(1)} ms`);
        histories.push(JSON.stringify(all));
      }
      const same = histories.every((h) => h === histories[0]);
      console.log(
        `| ${minutesIntoHour} | ${round} | ${line.join(' | ')} |${readers.length > 1 ? ` ${same ? 'same' : 'DIFFERENT'} |` : ''}`,
      );
    }
  } finally {
    await seeded.close();
  }
}

console.log(`${monitorCount} monitors checked every second, 3 hours of results, 90 days on the page\n`);
console.log(
  `| minutes into the hour | round | ${readers.map((r) => r.name).join(' | ')} |${readers.length > 1 ? ' histories |' : ''}`,
);
console.log(`|--:|--:|${readers.map(() => '--:|').join('')}${readers.length > 1 ? '---|' : ''}`);
for (const minutes of minuteMarks) await measureAt(minutes);
