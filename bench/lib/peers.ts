import { openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * nginx and HAProxy configured as equals of the Node proxies: one worker/thread, keep-alive to the client and
 * a reused connection pool to the upstream, no access logs. Everything they write lives in the temp dir.
 */

export interface PeerLaunch {
  readonly command: string;
  readonly args: string[];
  /** stdout and stderr go to this file so a failed start can be diagnosed. */
  readonly logFd: number;
  readonly url: string;
}

export interface PeerSetup {
  readonly binary: string;
  readonly dir: string;
  readonly port: number;
  readonly upstreamUrl: string;
  /** nginx `worker_processes`; 1 unless a bench compares multi-process proxies (bench/workers.ts). */
  readonly workers?: number | undefined;
  /** nginx `worker_connections`: a proxied request holds two, one to the client and one upstream. */
  readonly workerConnections?: number | undefined;
}

const upstreamHostPort = (url: string): string => new URL(url).host;

export function nginxLaunch({
  binary,
  dir,
  port,
  upstreamUrl,
  workers = 1,
  workerConnections = 4096,
}: PeerSetup): PeerLaunch {
  const confPath = join(dir, 'nginx.conf');
  const temp = (name: string): string => `${name}_temp_path ${join(dir, name)};`;
  writeFileSync(
    confPath,
    `worker_processes ${workers};
daemon off;
master_process on;
pid ${join(dir, 'nginx.pid')};
error_log ${join(dir, 'nginx-error.log')} warn;
events { worker_connections ${workerConnections}; }
http {
  access_log off;
  ${['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map(temp).join('\n  ')}
  # Node servers keep a connection for any number of requests; nginx's default cap is 1000.
  keepalive_requests 1000000;
  upstream bench_upstream {
    server ${upstreamHostPort(upstreamUrl)};
    keepalive 64;
    keepalive_requests 1000000;
  }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://bench_upstream;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
`,
  );
  return {
    command: binary,
    // -e: nginx otherwise opens /var/log/nginx/error.log before reading the config.
    args: ['-p', dir, '-c', confPath, '-e', join(dir, 'nginx-error.log')],
    logFd: openSync(join(dir, 'nginx.log'), 'a'),
    url: `http://127.0.0.1:${port}`,
  };
}

export function haproxyLaunch({ binary, dir, port, upstreamUrl }: PeerSetup): PeerLaunch {
  const confPath = join(dir, 'haproxy.cfg');
  writeFileSync(
    confPath,
    `global
  nbthread 1
  # Within the default 20k fd limit: HAProxy reserves two descriptors per connection.
  maxconn 4096

defaults
  mode http
  option http-keep-alive
  http-reuse always
  timeout connect 5s
  timeout client 60s
  timeout server 60s
  timeout http-keep-alive 60s

frontend bench_in
  bind 127.0.0.1:${port}
  default_backend bench_out

backend bench_out
  server upstream ${upstreamHostPort(upstreamUrl)}
`,
  );
  return {
    command: binary,
    // -db: stay in the foreground so the bench owns the process and can kill it.
    args: ['-db', '-f', confPath, '-p', join(dir, 'haproxy.pid')],
    logFd: openSync(join(dir, 'haproxy.log'), 'a'),
    url: `http://127.0.0.1:${port}`,
  };
}
