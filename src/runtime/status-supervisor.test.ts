import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseConfigText } from '../config/index.ts';
import { createLogger } from '../observability/index.ts';
import { ServiceError } from '../services/index.ts';
import { StatusHost, type StatusHostOptions } from './status-host.ts';
import { StatusSupervisor } from './status-supervisor.ts';

const config = parseConfigText(
  [
    'pools: { api: { endpoints: [{ url: "http://127.0.0.1:9" }] } }',
    'routes: [{ pool: api }]',
    'status_page: { title: Acme, components: [{ name: API, from: { pools: [api] } }] }',
  ].join('\n'),
);
// Never called: the host's start is replaced below.
const deps = {} as Omit<StatusHostOptions, 'logger'>;

afterEach(() => {
  vi.restoreAllMocks();
});

const codeOf = (call: () => unknown): string | undefined => {
  try {
    call();
  } catch (error) {
    if (error instanceof ServiceError) return `${error.code}: ${error.message}`;
    throw error;
  }
  return undefined;
};

describe('StatusSupervisor', () => {
  it('answers "starting", not "not configured", while the configured page starts', () => {
    vi.spyOn(StatusHost, 'start').mockReturnValue(new Promise(() => undefined));
    const supervisor = new StatusSupervisor(createLogger({ level: 'silent' }), deps);
    expect(codeOf(() => supervisor.api.incidents(false))).toMatch(/^SVC_NOT_FOUND: .*add a status_page/);
    void supervisor.apply(config);
    expect(codeOf(() => supervisor.api.incidents(false))).toBe(
      'SVC_BUSY: the status page is starting; try again shortly',
    );
  });

  it('tries again on the next apply when a start failed', async () => {
    const start = vi.spyOn(StatusHost, 'start').mockRejectedValueOnce(new Error('listen EADDRINUSE'));
    start.mockReturnValueOnce(new Promise(() => undefined));
    const supervisor = new StatusSupervisor(createLogger({ level: 'silent' }), deps);
    await expect(supervisor.apply(config)).rejects.toThrow('EADDRINUSE');
    expect(codeOf(() => supervisor.api.incidents(false))).toMatch(/^SVC_NOT_FOUND/);
    void supervisor.apply(config);
    expect(start).toHaveBeenCalledTimes(2);
  });
});
