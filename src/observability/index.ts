export { GatewayMetrics, type GatewayMetricsOptions } from './metrics.ts';
export { requestDurationBucketsSeconds } from './gateway-series.ts';
export { registerDataPlaneGauges, type PoolStatusReader } from './pool-gauges.ts';
export { createLogger, redactedPaths, type Logger, type LoggerOptions, type LogLevel } from './logger.ts';
export { subscribeGatewayLogs, type AccessLogSwitch, type GatewayLogOptions } from './gateway-logs.ts';
export { configReloadFailures } from './config-metrics.ts';
export {
  monitorLatenessHistogram,
  registerMonitorGauges,
  type MonitorGaugeSource,
} from './monitor-gauges.ts';
export { AlertingMetrics, type AlertingGaugeSource } from './alerting-metrics.ts';
