export { startUpstream } from './upstream.ts';
export type { RunningUpstream, SeenRequest, UpstreamOptions } from './upstream.ts';
export { faultsToWire, noFaults } from './faults.ts';
export type { Faults, FaultsPatch } from './faults.ts';
export { runDemo } from './run-demo.ts';
export type { DemoOptions, RunningDemo } from './run-demo.ts';
