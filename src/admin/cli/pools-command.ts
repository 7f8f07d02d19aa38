import type { EndpointView, PoolView } from '../../services/index.ts';
import { adminOption, listFromAdmin, runAdminVerb } from './admin-client.ts';
import type { CliIo, Command } from './command.ts';
import { configOption } from './validate-command.ts';
import { jsonOption, noArguments, refuseOtherOptions } from './verb-options.ts';

interface EndpointRow {
  readonly pool: PoolView;
  readonly endpoint: EndpointView;
}

/** `bulwark pools`: every endpoint of every pool, one row each, as HAProxy's `show servers state` lists them. */
export const poolsCommand: Command = {
  name: 'pools',
  summary: 'Show the endpoints of each pool of a running Bulwark: state, health, in-flight, weight',
  usage: 'bulwark pools [--json] [-c FILE | --admin URL]',
  takesArguments: true,
  options: [configOption, adminOption, jsonOption],
  run: runAdminVerb(
    'pools',
    ['list'],
    '/api/v1/pools',
    (_verb, values, args) => {
      refuseOtherOptions(values, 'pools', ['json']);
      noArguments('pools', args);
      return (io, url) => listPools(io, url, values.json === true);
    },
    'list',
  ),
};

function listPools(io: CliIo, url: string, asJson: boolean): Promise<number> {
  return listFromAdmin<EndpointRow>(io, url, {
    asJson,
    noun: 'pools',
    key: 'pools',
    // HEALTH last: a failed check's reason is long, and the last column is not padded.
    headers: ['POOL', 'ENDPOINT', 'STATE', 'IN-FLIGHT', 'WEIGHT', 'HEALTH'],
    items: (body) =>
      ((body as { pools?: PoolView[] }).pools ?? []).flatMap((pool) =>
        pool.endpoints.map((endpoint) => ({ pool, endpoint })),
      ),
    row: ({ pool, endpoint }) => [
      pool.mode === 'normal' ? pool.name : `${pool.name} (${pool.mode})`,
      endpoint.id,
      endpoint.override?.state === undefined ? endpoint.state : `${endpoint.state} (set at run time)`,
      String(endpoint.inFlight),
      weightOf(endpoint),
      healthOf(endpoint),
    ],
  });
}

/** Why an endpoint does or does not take new requests, as far as health goes; its state is its own column. */
function healthOf(endpoint: EndpointView): string {
  if (endpoint.isEjected) return `ejected (${endpoint.ejections}x)`;
  // Refused by its upstream with a Retry-After: healthy, but sent nothing until the pause it asked for ends.
  if (endpoint.isCoolingDown) return 'cooling down (Retry-After)';
  if (endpoint.isHealthy) return 'healthy';
  return endpoint.lastCheckFailure ? `unhealthy: ${endpoint.lastCheckFailure}` : 'unhealthy';
}

function weightOf(endpoint: EndpointView): string {
  const { configured, current, effective } = endpoint.weight;
  const notes = [
    ...(current === configured ? [] : [`config ${configured}`]),
    ...(endpoint.slowStartRemainingMs > 0 ? [`ramping: ${formatWeight(effective)} now`] : []),
  ];
  return notes.length === 0 ? String(current) : `${current} (${notes.join(', ')})`;
}

const formatWeight = (weight: number): string => String(Math.round(weight * 100) / 100);
