import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleView } from './render/fixture.test-support.ts';
import { buildSite } from './site.ts';
import { startStatusServer, type RunningStatusServer } from './status-server.ts';

interface Answer {
  readonly status: number;
  readonly contentEncoding: string | undefined;
  readonly text: string;
}

describe('the status listener on a real socket', () => {
  // 45 incidents: three history pages.
  const site = buildSite(sampleView({ components: 3, incidents: 45 }));
  let server: RunningStatusServer;

  beforeAll(async () => {
    server = await startStatusServer({ host: '127.0.0.1', port: 0, site: () => site });
  });
  afterAll(async () => {
    await server.close();
  });

  const get = (path: string, headers: Record<string, string> = {}): Promise<Answer> =>
    new Promise((resolve, reject) => {
      const req = request(`${server.url}${path}`, { headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            contentEncoding: res.headers['content-encoding'],
            text: Buffer.concat(chunks).toString('latin1'),
          }),
        );
      });
      req.on('error', reject);
      req.end();
    });

  it.each([
    ['gzip', 'gzip'],
    ['gzip; q=0', undefined],
    ['gzip;q=0', undefined],
    ['GZIP ; Q=0.0', undefined],
    ['*;q=0', undefined],
    ['identity, gzip;q=0.2', undefined],
    ['br, *;q=0.5', 'gzip'],
  ])('Accept-Encoding: %s → content-encoding %s', async (acceptEncoding, expected) => {
    const answer = await get('/', { 'accept-encoding': acceptEncoding });
    expect(answer.status).toBe(200);
    expect(answer.contentEncoding).toBe(expected);
  });

  const pageOf = (html: string): string | undefined => /Page (\d+) of 3/.exec(html)?.[1];

  it('serves /history/N, the form its pager links to, and /history/1 as /history', async () => {
    const first = await get('/history');
    expect(pageOf(first.text)).toBe('1');
    expect(first.text).toContain('<a rel="next" href="/history/2">');
    const second = await get('/history/2');
    expect(second.status).toBe(200);
    expect(pageOf(second.text)).toBe('2');
    expect(second.text).toContain('<a rel="prev" href="/history">');
    expect(second.text).toContain('<a rel="next" href="/history/3">');
    const one = await get('/history/1');
    expect(one.status).toBe(200);
    expect(one.text).toBe(first.text);
    expect((await get('/history/4')).status).toBe(404);
  });

  it('answers an unknown path under /api/v2 with a JSON 404, and any other with the HTML page', async () => {
    for (const path of ['/api/v2/nope.json', '/api/v2', '/api/v2/incidents/abc.json']) {
      const res = await fetch(`${server.url}${path}`);
      expect(res.status).toBe(404);
      expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(res.headers.get('cache-control')).toBe('no-store');
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('STATUS_NOT_FOUND');
      expect(body.error.message).toContain('/api/v2/summary.json');
    }
    const page = await fetch(`${server.url}/nope`);
    expect(page.status).toBe(404);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
  });

  it('keeps old /history?page=N links working', async () => {
    expect(pageOf((await get('/history?page=2')).text)).toBe('2');
    expect(pageOf((await get('/history?page=1')).text)).toBe('1');
    expect(pageOf((await get('/history/?page=3')).text)).toBe('3');
  });
});
