import { afterEach, describe, expect, it } from 'vitest';
import { startFleet, type Fleet } from './upstream-fleet.ts';

let fleet: Fleet | undefined;

afterEach(async () => {
  await fleet?.stop();
  fleet = undefined;
});

async function refusedCode(url: string): Promise<string | undefined> {
  try {
    await fetch(url);
    return undefined;
  } catch (error) {
    return (error as { cause?: { code?: string } }).cause?.code;
  }
}

describe.each([{ processes: false }, { processes: true }])(
  'upstream fleet (processes: $processes)',
  (options) => {
    it('starts distinct upstreams, records request ids, kills and restarts one', async () => {
      fleet = await startFleet(2, options);
      expect(new Set(fleet.urls).size).toBe(2);
      const res = await fetch(`${fleet.urls[1]}/echo`, { headers: { 'x-request-id': 'r-1' } });
      expect(res.headers.get('x-upstream')).toBe('upstream-2');
      await fetch(`${fleet.urls[1]}/healthz`);

      await fleet.kill(1);
      expect(fleet.receivedIds(1)).toEqual(['r-1']);
      expect(fleet.receivedIds(0)).toEqual([]);
      // A pooled keep-alive socket may first report the reset; a fresh connect must then be refused.
      await expect.poll(() => refusedCode(`${fleet?.urls[1]}/healthz`)).toBe('ECONNREFUSED');

      await fleet.restart(1);
      expect((await fetch(`${fleet.urls[1]}/healthz`)).status).toBe(200);
    });

    it('sets faults over the control port', async () => {
      fleet = await startFleet(1, options);
      await fleet.setFaults(0, { unhealthy: true });
      expect((await fetch(`${fleet.urls[0]}/healthz`)).status).toBe(503);
    });
  },
);
