import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Site } from '../status/site.ts';

/**
 * Writes the site as static files any web server or CDN can serve: pages as `path/index.html`, everything
 * else under its own name. Each file is written beside its place and renamed over it, so a host serving the
 * directory never sends half a file. Files of pages that disappeared stay (a permalink keeps working).
 */
export async function writeSiteTo(site: Site, dir: string): Promise<number> {
  let count = 0;
  for (const [path, resource] of site.files) {
    const file = join(dir, fileOf(path, resource.contentType));
    await mkdir(dirname(file), { recursive: true });
    const temporary = `${file}.${process.pid}.tmp`;
    await writeFile(temporary, resource.body);
    await rename(temporary, file);
    count++;
  }
  const notFound = join(dir, '404.html');
  await writeFile(`${notFound}.tmp`, site.notFound.body);
  await rename(`${notFound}.tmp`, notFound);
  return count + 1;
}

/** `/` → index.html, `/incidents/x` → incidents/x/index.html, `/api/v2/summary.json` stays as it is. */
export function fileOf(path: string, contentType: string): string {
  const relative = path.replace(/^\/+/, '');
  if (contentType.startsWith('text/html'))
    return relative === '' ? 'index.html' : join(relative, 'index.html');
  return relative;
}
