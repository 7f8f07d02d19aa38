import { describe, expect, it } from 'vitest';
import { runCliCaptured } from '../../../test/support/cli-run.ts';

const start = '2030-06-01T22:00:00+02:00';

describe('bulwark maintenance: usage errors exit 2 before the admin API is asked', () => {
  it.each([
    [['maintenance'], 'maintenance: expected schedule, list, cancel'],
    [
      ['maintenance', 'schedule', '--start', start, '--duration', '2h'],
      'maintenance schedule: --name is required',
    ],
    [
      ['maintenance', 'schedule', '--name', 'DB', '--duration', '2h'],
      'maintenance schedule: --start is required',
    ],
    [
      ['maintenance', 'schedule', '--name', 'DB', '--start', '2030-06-01 22:00', '--duration', '2h'],
      'maintenance schedule: --start expects ISO 8601 with an offset, such as 2025-06-01T22:00:00+02:00, got "2030-06-01 22:00"',
    ],
    [
      ['maintenance', 'schedule', '--name', 'DB', '--start', '2030-06-01T22:00:00', '--duration', '2h'],
      '--start expects ISO 8601 with an offset',
    ],
    [
      ['maintenance', 'schedule', '--name', 'DB', '--start', '2030-13-45T22:00:00Z', '--duration', '2h'],
      '--start expects ISO 8601 with an offset',
    ],
    [['maintenance', 'schedule', '--name', 'DB', '--start', start], 'give one of --end ISO or --duration 2h'],
    [
      ['maintenance', 'schedule', '--name', 'DB', '--start', start, '--end', start, '--duration', '1h'],
      'give one of --end ISO or --duration 2h',
    ],
    [
      ['maintenance', 'schedule', '--name', 'DB', '--start', start, '--end', '2030-06-01T19:00:00Z'],
      'maintenance schedule: --end must be after --start',
    ],
    [
      ['maintenance', 'schedule', '--name', 'DB', '--start', start, '--duration', 'long'],
      '--duration expects a duration such as 2h or 90m',
    ],
    [
      [
        'maintenance',
        'schedule',
        '--name',
        'DB',
        '--start',
        start,
        '--duration',
        '2h',
        '--drain',
        '10.0.0.5:8080',
      ],
      '--drain expects POOL/ENDPOINT such as api/127.0.0.1:9001, got "10.0.0.5:8080"',
    ],
    [['maintenance', 'schedule', 'DB'], 'maintenance schedule: unexpected argument "DB"'],
    [['maintenance', 'list', '--start', start], 'maintenance list: --start does not apply here'],
    [['maintenance', 'cancel'], 'maintenance cancel: give one ID'],
    [['maintenance', 'cancel', 'm1', '--body', 'x'], 'maintenance cancel: --body does not apply here'],
  ])('%j', async (argv, message) => {
    const result = await runCliCaptured(...argv);
    expect(result).toMatchObject({ code: 2, out: '' });
    expect(result.err).toMatch(/^bulwark: /);
    expect(result.err).toContain(message);
  });
});
