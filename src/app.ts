import type { Config } from './config/schema.ts';

/** A running Bulwark: addresses it bound (ports resolved when 0 was asked) and how to stop it. */
export interface RunningBulwark {
  readonly gatewayUrl: string;
  readonly adminUrl: string;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Where the config came from, for logs. */
  readonly configPath?: string | undefined;
}

// Placeholder until the composition root lands; the CLI and demo depend on this signature.
export function startBulwark(_config: Config, _options: StartOptions = {}): Promise<RunningBulwark> {
  return Promise.reject(new Error('not implemented yet'));
}
