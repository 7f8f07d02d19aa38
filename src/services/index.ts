export type { ControllableGateway } from './controllable-gateway.ts';
export {
  drainEndpoint,
  listPools,
  markEndpointReady,
  putEndpointInMaintenance,
  setEndpointWeight,
  withWorkersState,
  type EndpointControl,
} from './endpoint-control.ts';
export {
  EndpointOverrides,
  type AppliedOverrides,
  type EndpointOverride,
  type OverrideChange,
} from './endpoint-overrides.ts';
export type { EndpointView, PoolView, WorkersEndpointReading, WorkersView } from './pool-views.ts';
export { ServiceError, type ServiceErrorCode } from './service-error.ts';
export {
  createSilence,
  expireSilence,
  listSilences,
  statusOf as silenceStatusOf,
  type SilenceDeps,
  type SilenceStatus,
  type SilenceView,
} from './silences.ts';
export { acknowledgeAlert, type AckDeps } from './acknowledge-alert.ts';
