import type { Clock } from '../core/clock.ts';

/**
 * Runs `task` every `intervalMs` on `clock`, the next run timed from the end of the last (never two at once,
 * never a backlog); a failure goes to `onError` and the schedule goes on. Returns a function that stops it.
 */
export function repeatEvery(
  clock: Clock,
  intervalMs: number,
  task: () => Promise<unknown>,
  onError: (error: unknown) => void,
): () => void {
  let isStopped = false;
  let cancel = (): void => undefined;
  const arm = (): void => {
    if (isStopped) return;
    cancel = clock.setTimer(intervalMs, () => {
      task().catch(onError).finally(arm);
    });
  };
  arm();
  return () => {
    isStopped = true;
    cancel();
  };
}
