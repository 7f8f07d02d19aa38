import {
  adminOption,
  callAdmin,
  listFromAdmin,
  reportRefusal,
  runAdminVerb,
  type AdminCall,
} from './admin-client.ts';
import { exitCodes, type CliIo, type Command, type OptionValues } from './command.ts';
import { configOption } from './validate-command.ts';
import { authorOf, jsonOption, noArguments, oneId, refuseOtherOptions } from './verb-options.ts';

/** One standing alert as GET /api/v1/alerts shows it (the fields this command prints). */
interface AlertRow {
  readonly fingerprint: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly startsAt: string;
  readonly state: 'active' | 'suppressed';
  readonly suppressedBy: { readonly by: string } | null;
  readonly acknowledged: { readonly by: string; readonly at: string } | null;
}

const verbs = ['list', 'ack'] as const;
type Verb = (typeof verbs)[number];

/** `bulwark alerts [list]` (amtool's `alert query`) and `bulwark alerts ack FINGERPRINT`. */
export const alertsCommand: Command = {
  name: 'alerts',
  summary: 'List the firing alerts of a running Bulwark, or acknowledge one',
  usage: [
    'bulwark alerts [list] [--json]',
    '       bulwark alerts ack FINGERPRINT [--author NAME]',
    '       (each with [-c FILE | --admin URL]; BULWARK_ADMIN_TOKEN holds the admin token)',
  ].join('\n'),
  takesArguments: true,
  options: [
    configOption,
    adminOption,
    {
      name: 'author',
      type: 'string',
      valueName: 'NAME',
      description: 'Who acknowledges (ack; default: $USER)',
    },
    jsonOption,
  ],
  run: runAdminVerb('alerts', verbs, '/api/v1/alerts', plan, 'list'),
};

function plan(verb: Verb, values: OptionValues, args: readonly string[]): AdminCall {
  const context = `alerts ${verb}`;
  switch (verb) {
    case 'list':
      refuseOtherOptions(values, context, ['json']);
      noArguments(context, args);
      return (io, base) => list(io, base, values.json === true);
    case 'ack': {
      refuseOtherOptions(values, context, ['author']);
      const fingerprint = oneId(context, args);
      return (io, base) => {
        const by = authorOf(values, io);
        return ack(io, `${base}/${encodeURIComponent(fingerprint)}/ack`, fingerprint, by);
      };
    }
  }
}

function list(io: CliIo, base: string, asJson: boolean): Promise<number> {
  return listFromAdmin<AlertRow>(io, base, {
    asJson,
    noun: 'firing alerts',
    key: 'alerts',
    headers: ['FINGERPRINT', 'ALERT', 'STATE', 'SINCE', 'LABELS'],
    row: (a) => [
      a.fingerprint,
      a.labels.alertname ?? '',
      stateOf(a),
      a.startsAt,
      Object.entries(a.labels)
        .filter(([name]) => name !== 'alertname')
        .map(([name, value]) => `${name}=${value}`)
        .join(' '),
    ],
  });
}

function stateOf(alert: AlertRow): string {
  const state = alert.suppressedBy ? `suppressed (${alert.suppressedBy.by})` : alert.state;
  return alert.acknowledged ? `${state}, acked by ${alert.acknowledged.by}` : state;
}

async function ack(io: CliIo, url: string, fingerprint: string, by: string): Promise<number> {
  const response = await callAdmin(io, url, { method: 'POST', body: { by } });
  if (response.status !== 200) return reportRefusal(io, `cannot acknowledge alert ${fingerprint}`, response);
  io.out(`alert ${fingerprint} acknowledged by ${by}: no reminders until it resolves or changes\n`);
  return exitCodes.ok;
}
