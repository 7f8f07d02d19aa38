import type { Worker } from 'node:cluster';

interface Closable {
  close(): void;
}

/**
 * node:cluster's round-robin primary accepts each connection and sends it to a worker, closing its own copy
 * only when the worker acknowledges it. A worker killed in between never does: the connection hangs, held by
 * the primary, until the client gives up, and its descriptor leaks. Closing those copies when the worker
 * exits lets the client see a reset at once. The hand-off is node-internal (a NODE_CLUSTER `newconn`
 * message with a `seq`, answered by an `ack`): should that protocol change, nothing matches and this does
 * nothing (ADR 14).
 */
export function closeLostHandoffs(worker: Worker): void {
  const child = worker.process;
  const unacknowledged = new Map<number, Closable>();
  const send = child.send.bind(child) as (...args: unknown[]) => boolean;
  child.send = (...args: unknown[]): boolean => {
    const [message, handle] = args;
    if (isHandoff(message) && isClosable(handle)) unacknowledged.set(message.seq, handle);
    return send(...args);
  };
  child.on('internalMessage', (message: unknown) => {
    if (isAck(message)) unacknowledged.delete(message.ack);
  });
  worker.once('exit', () => {
    for (const handle of unacknowledged.values()) handle.close();
    unacknowledged.clear();
  });
}

function isHandoff(message: unknown): message is { readonly seq: number } {
  const candidate = message as { cmd?: unknown; act?: unknown; seq?: unknown } | null;
  return (
    typeof candidate === 'object' &&
    candidate?.cmd === 'NODE_CLUSTER' &&
    candidate.act === 'newconn' &&
    typeof candidate.seq === 'number'
  );
}

function isAck(message: unknown): message is { readonly ack: number } {
  const candidate = message as { cmd?: unknown; ack?: unknown } | null;
  return (
    typeof candidate === 'object' && candidate?.cmd === 'NODE_CLUSTER' && typeof candidate.ack === 'number'
  );
}

function isClosable(handle: unknown): handle is Closable {
  return typeof handle === 'object' && handle !== null && typeof (handle as Closable).close === 'function';
}
