import { fileURLToPath } from 'node:url';

// Children need Node 24 to run .ts; the machine's default node may be older than the one vitest runs on.
export const nodeBinary = process.versions.node.startsWith('24.')
  ? process.execPath
  : fileURLToPath(new URL('../../node_modules/.bin/node', import.meta.url));
