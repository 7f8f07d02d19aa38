import { describe, expect, it } from 'vitest';
import { configSchema } from '../config/schema.ts';
import { changesNeedingRestart } from './restart-settings.ts';

const base = {
  pools: { api: { endpoints: [{ url: 'http://127.0.0.1:9001' }] } },
  routes: [{ match: { path_prefix: '/' }, pool: 'api' }],
};
const parse = (extra: Record<string, unknown>) => configSchema.parse({ ...base, ...extra });

describe('changesNeedingRestart: settings a reload takes but cannot apply', () => {
  it('names the admin address, limits, workers and data_dir when they change, and nothing else', () => {
    const started = parse({});
    expect(changesNeedingRestart(started, parse({ logging: { level: 'debug' } }))).toEqual([]);
    const next = parse({
      listen: { admin: '127.0.0.1:9182' },
      limits: { max_header_bytes: '32KiB' },
      gateway: { workers: 2 },
      data_dir: '/tmp/elsewhere',
    });
    expect(changesNeedingRestart(started, next)).toEqual([
      'listen.admin',
      'limits',
      'gateway.workers',
      'data_dir',
    ]);
  });
});
