import { parentPort } from 'node:worker_threads';
import type { SiteRequest } from './site-builder.ts';

// The real site worker, except that a page titled "crash" ends the thread in the middle of its build.
parentPort?.on('message', ({ view }: SiteRequest) => {
  if (view.page.name === 'crash') process.exit(3);
});
await import('./site-worker.ts');
