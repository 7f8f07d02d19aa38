import { parentPort } from 'node:worker_threads';
import { buildSite, type Resource, type Site } from './site.ts';
import type { SiteReply, SiteRequest, WireResource } from './site-builder.ts';
import { viewOfWire, type HistoriesSent } from './site-wire.ts';

/**
 * The status page's renderer on its own thread (see SiteBuilder). It keeps the site it built last, so a file
 * whose bytes did not change keeps its resource and is not sent back: the reply carries every path, in order,
 * and only the resources that are new.
 */

let previous: Site | undefined;
/** The components' histories as last sent: a view leaves out those that did not change. */
let histories: HistoriesSent = new Map();

parentPort?.on('message', ({ id, view: posted }: SiteRequest) => {
  let reply: SiteReply;
  const transfer: ArrayBuffer[] = [];
  try {
    const { view, known } = viewOfWire(posted, histories);
    histories = known;
    const site = buildSite(view, previous);
    const changed: [string, WireResource][] = [];
    for (const [path, resource] of site.files)
      if (resource !== previous?.files.get(path)) changed.push([path, wire(resource, transfer)]);
    const notFound = site.notFound === previous?.notFound ? undefined : wire(site.notFound, transfer);
    reply = { id, paths: [...site.files.keys()], changed, notFound };
    previous = site;
  } catch (error) {
    // The host builds on its own thread instead and starts a new worker, which will know nothing built before.
    reply = { id, error: error instanceof Error ? (error.stack ?? error.message) : String(error) };
    previous = undefined;
  }
  parentPort?.postMessage(reply, transfer);
});

/**
 * A copy whose bytes own their memory, moved to the host rather than copied again: this thread keeps its own
 * resource to compare the next build with, and small Buffers share one pooled block that must not move.
 */
function wire(resource: Resource, transfer: ArrayBuffer[]): WireResource {
  const body = new Uint8Array(resource.body);
  const gzip = resource.gzip && new Uint8Array(resource.gzip);
  transfer.push(body.buffer, ...(gzip ? [gzip.buffer] : []));
  return { ...resource, body, gzip };
}
