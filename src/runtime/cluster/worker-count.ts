import { availableParallelism } from 'node:os';

/** `gateway.workers`: a number as given, or `auto`, one worker per core the process may use. */
export function resolveWorkerCount(
  workers: number | 'auto',
  cores: () => number = availableParallelism,
): number {
  return workers === 'auto' ? Math.max(1, cores()) : workers;
}
