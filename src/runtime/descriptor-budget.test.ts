import { describe, expect, it } from 'vitest';
import { configSchema } from '../config/schema.ts';
import { createLogger } from '../observability/index.ts';
import {
  descriptorDemandOf,
  openFileLimitOf,
  ownDescriptors,
  warnOfDescriptorLimit,
  type DescriptorDemand,
} from './descriptor-budget.ts';

const twoEndpoints = { endpoints: [{ url: 'http://127.0.0.1:9001' }, { url: 'http://127.0.0.1:9002' }] };
const parse = (extra: Record<string, unknown> = {}) =>
  configSchema.parse({ pools: { api: twoEndpoints }, routes: [{ pool: 'api' }], ...extra });
const statusPage = { title: 'Status' };

// As Linux writes it (man 5 proc): soft, then hard limit.
const procLimits = (soft: string) =>
  [
    'Limit                     Soft Limit           Hard Limit           Units     ',
    'Max processes             63448                63448                processes ',
    `Max open files            ${soft.padEnd(20)} 524288               files     `,
    'Max locked memory         8388608              8388608              bytes     ',
  ].join('\n');

describe('openFileLimitOf', () => {
  it('reads the soft limit on open files, and nothing from an unlimited or missing one', () => {
    expect(openFileLimitOf(procLimits('1024'))).toBe(1024);
    expect(openFileLimitOf(procLimits('unlimited'))).toBeUndefined();
    expect(openFileLimitOf('Max processes 10 10 processes')).toBeUndefined();
  });
});

describe('descriptorDemandOf', () => {
  it('sums, in one process, every listener cap, the pools’ upstream connections and Bulwark’s own', () => {
    const demand = descriptorDemandOf(parse({ status_page: statusPage }), 1);
    expect(demand.caps.map((cap) => [cap.key, cap.descriptors, cap.reading])).toEqual([
      ['limits.max_connections', 10_000, '10000'],
      ['status_page.max_connections', 512, '512'],
      ['pools.api.max_connections_per_endpoint', 256, '128 × 2 endpoints'],
      ['admin.max_connections', 128, '128'],
    ]);
    expect(demand.total).toBe(10_000 + 512 + 256 + 128 + ownDescriptors);
  });

  it('takes the caps as configured, counts the TLS listener too, and no status listener without a page', () => {
    const config = parse({
      listen: { gateway_tls: { address: '127.0.0.1:8443', cert: 'c.pem', key: 'k.pem' } },
      limits: { max_connections: 300 },
      admin: { max_connections: 20 },
      pools: { api: { ...twoEndpoints, max_connections_per_endpoint: 10 } },
    });
    const demand = descriptorDemandOf(config, 1);
    expect(Object.fromEntries(demand.caps.map((cap) => [cap.key, cap.reading]))).toEqual({
      'limits.max_connections': '300 × 2 listeners',
      'pools.api.max_connections_per_endpoint': '10 × 2 endpoints',
      'admin.max_connections': '20',
    });
    expect(demand.total).toBe(600 + 20 + 20 + ownDescriptors);
  });

  it('under gateway.workers, is the heavier of the primary (admin, status) and one worker (gateway, pools)', () => {
    const worker = descriptorDemandOf(parse({ status_page: statusPage }), 4);
    expect([worker.process, worker.total]).toEqual(['worker', 10_000 + 256 + ownDescriptors]);
    const small = parse({
      status_page: { ...statusPage, max_connections: 5_000 },
      limits: { max_connections: 100 },
    });
    const primary = descriptorDemandOf(small, 4);
    expect([primary.process, primary.total]).toEqual(['primary', 5_000 + 128 + ownDescriptors]);
  });
});

describe('warnOfDescriptorLimit', () => {
  const demand: DescriptorDemand = {
    process: 'single',
    caps: [
      { key: 'limits.max_connections', descriptors: 900, reading: '900' },
      { key: 'admin.max_connections', descriptors: 100, reading: '100' },
    ],
    total: 1_000 + ownDescriptors,
  };

  function warningsAt(openFileLimit: number | undefined): Record<string, unknown>[] {
    const lines: string[] = [];
    const logger = createLogger({
      level: 'info',
      destination: { write: (line: string) => lines.push(line) },
    });
    warnOfDescriptorLimit(logger, demand, openFileLimit);
    return lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  }

  it('warns once, naming the limit, the demand and every key, when the caps exceed the limit', () => {
    const [warning, ...more] = warningsAt(1_024);
    expect(more).toEqual([]);
    expect(warning).toMatchObject({
      level: 'warn',
      event: 'descriptor-limit-low',
      openFileLimit: 1_024,
      demand: 1_128,
      caps: { 'limits.max_connections': 900, 'admin.max_connections': 100 },
    });
    expect(warning?.msg).toContain('lower limits.max_connections (900), admin.max_connections (100)');
  });

  it('says nothing when the caps fit, or when the limit is unknown', () => {
    expect(warningsAt(1_128)).toEqual([]);
    expect(warningsAt(undefined)).toEqual([]);
  });
});
