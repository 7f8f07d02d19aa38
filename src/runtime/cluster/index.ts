export { startBulwarkCluster, type ClusterStartOptions } from './primary.ts';
export { resolveWorkerCount } from './worker-count.ts';
