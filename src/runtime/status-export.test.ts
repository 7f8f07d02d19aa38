import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Resource, Site } from '../status/site.ts';
import { writeSiteTo } from './status-export.ts';

const page = (text: string): Resource => ({
  body: Buffer.from(text),
  gzip: undefined,
  etag: `"${text}"`,
  contentType: 'text/html; charset=utf-8',
  contentSecurityPolicy: undefined,
});
const siteOf = (paths: readonly string[]): Site => ({
  files: new Map(paths.map((path) => [path, page(path)])),
  notFound: page('not found'),
});

describe('writeSiteTo: the static copy in export_dir', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bulwark-export-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('removes the page of an incident that was deleted, and leaves files it did not write', async () => {
    await writeFile(join(dir, 'robots.txt'), "the operator's own file");
    await writeSiteTo(siteOf(['/', '/incidents/a', '/incidents/b']), dir);
    expect(await readFile(join(dir, 'incidents', 'b', 'index.html'), 'utf8')).toBe('/incidents/b');

    await writeSiteTo(siteOf(['/', '/incidents/a']), dir);
    expect(existsSync(join(dir, 'incidents', 'b', 'index.html'))).toBe(false);
    expect(await readFile(join(dir, 'incidents', 'a', 'index.html'), 'utf8')).toBe('/incidents/a');
    expect(await readFile(join(dir, '404.html'), 'utf8')).toBe('not found');
    expect(await readFile(join(dir, 'robots.txt'), 'utf8')).toBe("the operator's own file");
  });
});
