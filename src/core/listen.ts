/**
 * What the helpers below need of a node:http (or net) server, written out so core imports no node module:
 * the admin and status listeners share one way to bind and one way to close.
 */
export interface ListeningServer {
  listen(options: { readonly host: string; readonly port: number }, onListening: () => void): unknown;
  once(event: 'error', listener: (error: Error) => void): unknown;
  off(event: 'error', listener: (error: Error) => void): unknown;
  address(): { readonly port: number } | string | null;
  close(onClosed: (error?: Error) => void): unknown;
  closeAllConnections(): void;
}

/**
 * Binds `server` to host:port and answers with the URL it serves on (the bound port, so port 0 works); rejects
 * with the bind error (EADDRINUSE, EACCES) instead of leaving it to an 'error' event nobody awaits.
 */
export function listenOn(server: ListeningServer, host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port }, () => {
      server.off('error', reject);
      const bound = server.address();
      const boundPort = bound !== null && typeof bound === 'object' ? bound.port : port;
      resolve(host.includes(':') ? `http://[${host}]:${boundPort}` : `http://${host}:${boundPort}`);
    });
  });
}

/**
 * Stops listening and ends every connection, idle or not (a control-plane listener has no request worth
 * draining); calling it again returns the same promise.
 */
export function closerOf(server: ListeningServer): () => Promise<void> {
  let closing: Promise<void> | undefined;
  return () => {
    closing ??= new Promise((resolve, reject) => {
      server.close((error) => (error ? reject(error) : resolve()));
      server.closeAllConnections();
    });
    return closing;
  };
}
