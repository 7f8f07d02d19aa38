import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';

/**
 * Calls `onChange` once a burst of changes to the config file has settled. The folder is watched, not the
 * file: editors and `kubectl` ConfigMaps replace the file by rename, which ends a watch on the old inode.
 */
export function watchConfigFile(file: string, onChange: () => void, debounceMs = 250): () => void {
  const path = resolve(file);
  const name = basename(path);
  let timer: NodeJS.Timeout | undefined;
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(dirname(path), { persistent: false }, (_event, changed) => {
      if (changed !== null && changed !== name && !changed.startsWith('..data')) return;
      clearTimeout(timer);
      timer = setTimeout(onChange, debounceMs);
    });
  } catch {
    // A folder that cannot be watched leaves SIGHUP as the way to reload.
    return () => undefined;
  }
  return () => {
    clearTimeout(timer);
    watcher?.close();
  };
}
