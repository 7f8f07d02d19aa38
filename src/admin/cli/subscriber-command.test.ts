import { describe, expect, it } from 'vitest';
import { runCliCaptured } from '../../../test/support/cli-run.ts';

describe('bulwark subscriber: usage errors exit 2 before the admin API is asked', () => {
  it.each([
    [['subscriber'], 'subscriber: expected add, list, remove'],
    [['subscriber', 'add'], 'subscriber add: give one of --email ADDRESS or --webhook URL'],
    [
      ['subscriber', 'add', '--email', 'a@example.com', '--webhook', 'https://hooks.example.com/x'],
      'subscriber add: give one of --email ADDRESS or --webhook URL',
    ],
    [
      ['subscriber', 'add', '--email', 'a@example.com', 'extra'],
      'subscriber add: unexpected argument "extra"',
    ],
    [['subscriber', 'list', '--email', 'a@example.com'], 'subscriber list: --email does not apply here'],
    [['subscriber', 'remove'], 'subscriber remove: give one ID'],
  ])('%j', async (argv, message) => {
    const result = await runCliCaptured(...argv);
    expect(result.code).toBe(2);
    expect(result.err).toContain(message);
    expect(result.out).toBe('');
  });
});
