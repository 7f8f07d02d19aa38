import { BulwarkError } from '../../core/errors.ts';
import type { EndpointView } from '../../services/index.ts';
import { adminOption, callAdmin, reportRefusal, runAdminVerb, type AdminCall } from './admin-client.ts';
import { exitCodes, type CliIo, type Command, type OptionValues } from './command.ts';
import { configOption } from './validate-command.ts';
import { refuseOtherOptions } from './verb-options.ts';

// HAProxy's `set server … state ready|drain|maint` and `set server … weight N`, under the admin API's names.
const verbs = ['drain', 'maintenance', 'ready', 'weight'] as const;
type Verb = (typeof verbs)[number];

/**
 * `bulwark endpoint drain|maintenance|ready POOL ENDPOINT`, `endpoint weight POOL ENDPOINT N`: take an
 * endpoint out of rotation and back at run time, through the admin API (BULWARK_ADMIN_TOKEN).
 */
export const endpointCommand: Command = {
  name: 'endpoint',
  summary: 'Drain, put in maintenance, make ready or re-weight an endpoint of a running Bulwark',
  usage: [
    'bulwark endpoint drain|maintenance|ready POOL ENDPOINT',
    '       bulwark endpoint weight POOL ENDPOINT N',
    '       (ENDPOINT as `bulwark pools` shows it, 127.0.0.1:9001, or its URL; POOL/ENDPOINT works too)',
    '       (each with [-c FILE | --admin URL]; BULWARK_ADMIN_TOKEN holds the admin token)',
  ].join('\n'),
  takesArguments: true,
  options: [configOption, adminOption],
  run: runAdminVerb('endpoint', verbs, '/api/v1/pools', plan),
};

const refusals: Readonly<Record<Verb, string>> = {
  drain: 'cannot drain',
  maintenance: 'cannot put in maintenance',
  ready: 'cannot make ready',
  weight: 'cannot set the weight of',
};

function plan(verb: Verb, values: OptionValues, args: readonly string[]): AdminCall {
  const context = `endpoint ${verb}`;
  refuseOtherOptions(values, context, []);
  const isWeight = verb === 'weight';
  const target = targetOf(context, isWeight ? args.slice(0, -1) : args, isWeight ? ' N' : '');
  const what = `${refusals[verb]} ${target.name}`;
  if (!isWeight) return (io, base) => change(io, `${base}/${target.path}/${verb}`, { method: 'POST' }, what);
  const weightText = args.at(-1) ?? '';
  if (!/^\d+$/.test(weightText))
    throw new BulwarkError(
      'CLI_USAGE',
      `${context}: N must be a whole number such as 3, got "${weightText}"`,
    );
  const init = { method: 'PUT', body: { weight: Number(weightText) } };
  return (io, base) => change(io, `${base}/${target.path}/weight`, init, what);
}

/** `POOL ENDPOINT` or `POOL/ENDPOINT` (as `maintenance schedule --drain` takes it): its name and API path. */
function targetOf(context: string, args: readonly string[], rest: string): { name: string; path: string } {
  const [first = '', second] = args;
  const split = args.length === 1 ? /^([^/\s]+)\/([^/\s]+)$/.exec(first) : null;
  const pool = split ? split[1] : args.length === 2 ? first : undefined;
  const endpoint = split ? split[2] : args.length === 2 ? second : undefined;
  if (pool === undefined || endpoint === undefined)
    throw new BulwarkError(
      'CLI_USAGE',
      `${context}: give POOL ENDPOINT${rest}, such as api 127.0.0.1:9001${rest && ' 3'}`,
    );
  const id = endpointIdOf(context, endpoint);
  return { name: `${pool}/${id}`, path: `${encodeURIComponent(pool)}/endpoints/${encodeURIComponent(id)}` };
}

/**
 * The API names an endpoint by its URL's host:port (the port left out when it is the scheme's default), which
 * is what `new URL(…).host` gives: a URL copied from the config or a log is turned into that.
 */
function endpointIdOf(context: string, text: string): string {
  if (!text.includes('://')) return text;
  try {
    return new URL(text).host;
  } catch {
    throw new BulwarkError(
      'CLI_USAGE',
      `${context}: "${text}" is not a URL; give HOST:PORT, such as 127.0.0.1:9001`,
    );
  }
}

async function change(
  io: CliIo,
  url: string,
  init: { method: string; body?: unknown },
  what: string,
): Promise<number> {
  const response = await callAdmin(io, url, init);
  if (response.status !== 200) return reportRefusal(io, what, response);
  const { pool, endpoint } = response.body as { pool: string; endpoint: EndpointView };
  const serving = endpoint.isServing ? 'takes new requests' : 'takes no new requests';
  io.out(
    `${pool}/${endpoint.id}: ${endpoint.state}, weight ${endpoint.weight.current}, ${serving}, ${endpoint.inFlight} in flight\n`,
  );
  return exitCodes.ok;
}
