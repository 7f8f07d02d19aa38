import { execFile } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoGuide } from '../../src/demo/guide.ts';
import { runDemo, type RunningDemo } from '../../src/demo/index.ts';

/** The guide's commands run verbatim, as a user pastes them, against a running demo. */

const run = promisify(execFile);
let demo: RunningDemo;
let guide: string;

beforeAll(async () => {
  demo = await runDemo({
    gatewayPort: 0,
    adminPort: 0,
    dataDir: await mkdtemp(join(tmpdir(), 'bulwark-demo-guide-')),
  });
  guide = demoGuide({
    gatewayUrl: demo.bulwark.gatewayUrl,
    adminUrl: demo.bulwark.adminUrl,
    statusUrl: demo.bulwark.statusUrl ?? '',
    upstreams: demo.upstreamUrls.map((url, i) => ({ name: `upstream-${i + 1}`, url, controlUrl: url })),
    adminToken: demo.adminToken,
  });
});

afterAll(async () => {
  await demo?.stop();
});

/** The first command line (indented, not prose) of step `step`. */
function commandOf(step: number): string {
  const lines = guide.split('\n');
  const start = lines.findIndex((line) => line.startsWith(`${step}. `));
  const command = lines.slice(start + 1).find((line) => /^ {3}(curl|seq|for|while|npm) /.test(line));
  if (start < 0 || command === undefined) throw new Error(`no command in step ${step} of the guide`);
  return command.trim();
}

describe('the demo guide, run verbatim', () => {
  it('step 5: some of the 20 requests get 429, after the burst of 10 got 200', async () => {
    const { stdout } = await run('bash', ['-c', commandOf(5)]);
    const codes = stdout.trim().split(/\s+/);
    // Sent one after another, 12 requests took up to 1.7 s: the 5/s bucket refilled and all got 200.
    expect(codes.filter((code) => code === '429').length).toBeGreaterThan(0);
    expect(codes.filter((code) => code === '200').length).toBeGreaterThanOrEqual(10);
    expect(codes).toHaveLength(20);
    expect(codes.every((code) => code === '200' || code === '429')).toBe(true);
  });
});
