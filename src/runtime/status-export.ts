import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Site } from '../status/site.ts';

/** Lists the files the last export wrote, so the next one removes those the site no longer has, and only those. */
export const manifestName = '.bulwark-export.json';

/**
 * Writes the site as static files any web server or CDN can serve: pages as `path/index.html`, everything
 * else under its own name. Each file is written beside its place and renamed over it, so a host serving the
 * directory never sends half a file. A page the site no longer has (a deleted incident, a removed component)
 * is removed, as the live page answers 404 for it: a deleted incident must not stay public in the copy.
 * Files Bulwark did not write are never touched.
 */
export async function writeSiteTo(site: Site, dir: string): Promise<number> {
  const written = new Set<string>();
  const put = async (relative: string, body: Buffer) => {
    const file = join(dir, relative);
    await mkdir(dirname(file), { recursive: true });
    const temporary = `${file}.${process.pid}.tmp`;
    await writeFile(temporary, body);
    await rename(temporary, file);
    written.add(relative);
  };
  for (const [path, resource] of site.files) await put(fileOf(path, resource.contentType), resource.body);
  await put('404.html', site.notFound.body);
  for (const stale of (await previousManifest(dir)).filter((file) => !written.has(file)))
    await rm(join(dir, stale), { force: true });
  await put(manifestName, Buffer.from(JSON.stringify([...written].sort())));
  return written.size - 1;
}

async function previousManifest(dir: string): Promise<string[]> {
  try {
    const files: unknown = JSON.parse(await readFile(join(dir, manifestName), 'utf8'));
    // Only plain relative paths: a manifest edited by hand must not make us delete outside the directory.
    return Array.isArray(files)
      ? files.filter(
          (f): f is string => typeof f === 'string' && !f.startsWith('/') && !f.split(/[\\/]/).includes('..'),
        )
      : [];
  } catch {
    return [];
  }
}

/** `/` → index.html, `/incidents/x` → incidents/x/index.html, `/api/v2/summary.json` stays as it is. */
export function fileOf(path: string, contentType: string): string {
  const relative = path.replace(/^\/+/, '');
  if (contentType.startsWith('text/html'))
    return relative === '' ? 'index.html' : join(relative, 'index.html');
  return relative;
}
