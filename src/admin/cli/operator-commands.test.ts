import { describe, expect, it } from 'vitest';
import { runCliCaptured } from '../../../test/support/cli-run.ts';

// Port 9 (discard) has no admin API: a usage check that let the call through would fail with exit 1 instead.
const admin = ['--admin', '127.0.0.1:9'];

describe('bulwark endpoint | pools | monitors | alerts | component | config: usage errors exit 2 before the admin API is asked', () => {
  it.each([
    [['endpoint'], 'endpoint: expected drain, maintenance, ready, weight'],
    [['endpoint', 'maint', 'api', '127.0.0.1:9001'], 'endpoint: expected drain, maintenance, ready, weight'],
    [['endpoint', 'drain', 'api'], 'endpoint drain: give POOL ENDPOINT, such as api 127.0.0.1:9001'],
    [['endpoint', 'drain', 'api', 'a:1', 'b:2'], 'endpoint drain: give POOL ENDPOINT'],
    [['endpoint', 'ready', 'api/a/b'], 'endpoint ready: give POOL ENDPOINT'],
    [
      ['endpoint', 'weight', 'api', 'a:1'],
      'endpoint weight: give POOL ENDPOINT N, such as api 127.0.0.1:9001 3',
    ],
    [
      ['endpoint', 'weight', 'api', 'a:1', '1.5'],
      'endpoint weight: N must be a whole number such as 3, got "1.5"',
    ],
    [['endpoint', 'weight', 'api', 'a:1', 'heavy'], 'N must be a whole number such as 3, got "heavy"'],
    [['endpoint', 'drain', 'api', 'http://[::1'], 'endpoint drain: "http://[::1" is not a URL'],
    [['endpoint', 'drain', 'api', 'a:1', '--json'], "endpoint: Unknown option '--json'"],
    [['pools', 'api'], 'pools: expected list'],
    [['pools', 'list', 'api'], 'pools: unexpected argument "api"'],
    [['alerts', 'silence'], 'alerts: expected list, ack'],
    [['alerts', 'ack'], 'alerts ack: give one ID'],
    [['alerts', 'ack', 'a', 'b'], 'alerts ack: give one ID'],
    [['alerts', 'ack', 'a', '--json'], 'alerts ack: --json does not apply here'],
    [['alerts', '--author', 'amy'], 'alerts list: --author does not apply here'],
    [['monitors', 'pause'], 'monitors pause: give one ID'],
    [['monitors', 'resume', 'a', '--json'], 'monitors resume: --json does not apply here'],
    [['monitors', 'stop', 'a'], 'monitors: expected list, pause, resume'],
    [['component', 'set', 'api'], 'component set: give ID STATUS, such as api major_outage'],
    [['component', 'set', 'api', 'down'], 'component set: STATUS must be one of operational | '],
    [['component', 'set', 'api', 'major_outage', 'now'], 'component set: give ID STATUS'],
    [['component', 'clear'], 'component clear: give one ID'],
    [['config'], 'config: expected status'],
    [['config', 'reload'], 'config: expected status'],
    [['config', 'status', 'now'], 'config status: unexpected argument "now"'],
  ])('%j', async (argv, message) => {
    const result = await runCliCaptured(...argv, ...admin);
    expect(result).toMatchObject({ code: 2, out: '' });
    expect(result.err).toMatch(/^bulwark: /);
    expect(result.err).toContain(message);
  });
});
