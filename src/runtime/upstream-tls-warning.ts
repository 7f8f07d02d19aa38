import type { Config } from '../config/index.ts';
import type { Logger } from '../observability/index.ts';

/** The pools whose `tls.verify` is false: they accept any certificate, so anyone on the path can read them. */
export function unverifiedPools(config: Config): string[] {
  return Object.entries(config.pools)
    .filter(([, pool]) => pool.tls?.isVerified === false)
    .map(([name]) => name);
}

/** Once per load (start and every reload), so an operator who left it off keeps hearing about it. */
export function warnOfUnverifiedPools(logger: Logger, config: Config): void {
  const pools = unverifiedPools(config);
  if (pools.length === 0) return;
  logger.warn(
    { event: 'upstream-tls-unverified', pools },
    `tls.verify is false for ${pools.join(', ')}: any certificate is accepted, so anyone on the path to those ` +
      'endpoints can read and change their traffic; set tls.ca_file (and tls.server_name) instead',
  );
}
