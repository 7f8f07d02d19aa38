import { describe, expect, it } from 'vitest';
import { configSchema } from '../../config/index.ts';
import { mergePins, pinsOf, withPins } from './listen-pins.ts';

const configListening = (gateway: string, tls?: string) =>
  configSchema.parse({
    listen: { gateway, ...(tls && { gateway_tls: { address: tls, cert: 'c.pem', key: 'k.pem' } }) },
    pools: { api: { endpoints: [{ url: 'http://127.0.0.1:1' }] } },
    routes: [{ pool: 'api' }],
  });

describe('listen pins', () => {
  it('pins the bound port of each port-0 listener, and only those', () => {
    const bound = { gatewayUrl: 'http://127.0.0.1:41000', gatewayTlsUrl: 'https://127.0.0.1:41001' };
    expect(pinsOf(configListening('127.0.0.1:0', '127.0.0.1:0'), bound)).toEqual([
      { listener: 'gateway', host: '127.0.0.1', port: 41000 },
      { listener: 'gatewayTls', host: '127.0.0.1', port: 41001 },
    ]);
    expect(pinsOf(configListening('127.0.0.1:41000', '127.0.0.1:0'), bound)).toEqual([
      { listener: 'gatewayTls', host: '127.0.0.1', port: 41001 },
    ]);
  });

  it('moves a port-0 listener to its pinned port on the same host, and leaves any other address alone', () => {
    const pins = [
      { listener: 'gateway', host: '127.0.0.1', port: 41000 },
      { listener: 'gatewayTls', host: '127.0.0.1', port: 41001 },
    ] as const;
    const pinned = withPins(configListening('127.0.0.1:0', '127.0.0.1:0'), pins);
    expect(pinned.listen.gateway).toEqual({ host: '127.0.0.1', port: 41000 });
    expect(pinned.listen.gatewayTls?.address).toEqual({ host: '127.0.0.1', port: 41001 });
    const fixed = configListening('127.0.0.1:8080');
    expect(withPins(fixed, pins)).toBe(fixed);
    const otherHost = configListening('127.0.0.2:0');
    expect(withPins(otherHost, pins)).toBe(otherHost);
  });

  it('keeps the latest pin of each listener', () => {
    const first = [{ listener: 'gateway', host: '127.0.0.1', port: 41000 }] as const;
    const moved = [{ listener: 'gateway', host: '127.0.0.2', port: 42000 }] as const;
    expect(mergePins(first, moved)).toEqual(moved);
    expect(mergePins(first, [])).toEqual(first);
  });
});
