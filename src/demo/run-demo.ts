import type { RunningBulwark } from '../app.ts';

export interface RunningDemo {
  readonly bulwark: RunningBulwark;
  /** Base URLs of the simulated upstreams, in order. */
  readonly upstreamUrls: readonly string[];
  stop(): Promise<void>;
}

export interface DemoOptions {
  /** Gateway port; 0 picks a free one (tests). Default 8080. */
  readonly gatewayPort?: number | undefined;
  readonly adminPort?: number | undefined;
  /** Print the guide to stdout (the CLI does; tests do not). */
  readonly printGuide?: boolean | undefined;
}

// Placeholder; the demo helper replaces it.
export function runDemo(_options: DemoOptions = {}): Promise<RunningDemo> {
  return Promise.reject(new Error('not implemented yet'));
}
