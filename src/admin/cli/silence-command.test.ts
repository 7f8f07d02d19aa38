import { describe, expect, it } from 'vitest';
import { runCliCaptured } from '../../../test/support/cli-run.ts';

describe('bulwark silence: usage errors exit 2 before the admin API is asked', () => {
  it.each([
    [['silence'], 'silence: expected add, list, expire'],
    [['silence', 'mute'], 'silence: expected add, list, expire'],
    [
      ['silence', 'add', '--duration', '2h', '--comment', 'drill'],
      'silence add: give at least one MATCHER, e.g. monitor=api',
    ],
    [
      ['silence', 'add', 'monitor=api', '--duration', '2h'],
      'silence add: --duration and --comment are required',
    ],
    [
      ['silence', 'add', 'monitor=api', '--duration', '2h', '--comment', 'drill', '--json'],
      'silence add: --json does not apply here',
    ],
    [['silence', 'list', 'monitor=api'], 'silence list: unexpected argument "monitor=api"'],
    [['silence', 'list', '--duration', '2h'], 'silence list: --duration does not apply here'],
    [['silence', 'expire'], 'silence expire: give one ID'],
    [['silence', 'expire', 'a', 'b'], 'silence expire: give one ID'],
  ])('%j', async (argv, message) => {
    const result = await runCliCaptured(...argv);
    expect(result).toMatchObject({ code: 2, out: '' });
    expect(result.err).toMatch(/^bulwark: /);
    expect(result.err).toContain(message);
  });
});
