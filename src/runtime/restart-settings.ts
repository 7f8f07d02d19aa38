import { isDeepStrictEqual } from 'node:util';
import type { Config } from '../config/index.ts';
import type { Logger } from '../observability/index.ts';

/**
 * Settings read once at start: a reload that changes them succeeds, but they keep their running values until
 * a restart. Said out loud, or an operator who moved the admin port believes it moved.
 */
export function changesNeedingRestart(live: Config, next: Config): string[] {
  const changes: [string, unknown, unknown][] = [
    ['listen.admin', live.listen.admin, next.listen.admin],
    ['limits', live.limits, next.limits],
    ['gateway.workers', live.gateway.workers, next.gateway.workers],
    ['data_dir', live.dataDir, next.dataDir],
  ];
  return changes.filter(([, before, after]) => !isDeepStrictEqual(before, after)).map(([name]) => name);
}

/** After a reload: names what still runs with its start-up value (compared with the config Bulwark started with). */
export function warnOfRestartSettings(logger: Logger, started: Config, next: Config): void {
  const settings = changesNeedingRestart(started, next);
  if (settings.length === 0) return;
  logger.warn(
    { event: 'config-needs-restart', settings },
    `these settings changed but keep their running values until a restart: ${settings.join(', ')}`,
  );
}
