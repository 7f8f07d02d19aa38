export { loadConfigFile, parseConfigText } from './load.ts';
export type { ParseOptions } from './load.ts';
export { ConfigError, formatIssue } from './config-error.ts';
export type { ConfigIssue } from './config-error.ts';
export type { Env } from './interpolate.ts';
export { configSchema } from './schema.ts';
export type { Config, ConfigInput } from './schema.ts';
export { buildJsonSchema } from './json-schema.ts';
export { closestMatch } from './suggest.ts';
