import { join } from 'node:path';

/**
 * The status page the status benchmarks share: 50 components (10 groups of 4, plus 10 on their own), each fed
 * by its own pool whose only endpoint refuses (so every one is down), and 200 resolved incidents plus 3 open
 * ones, created through the admin API as an operator would.
 */

export const componentCount = 50;
export const historicalIncidents = 200;
export const openIncidents = 3;
const adminToken = 'bench-status-token-0123456789abcdef';

export interface StatusBenchPorts {
  readonly gatewayPort: number;
  readonly adminPort: number;
  readonly statusPort: number;
  readonly dir: string;
}

/** `extraPools` are YAML lines under `pools:`; `routes` is the YAML flow sequence of the routes. */
export function statusBenchConfig(
  p: StatusBenchPorts,
  options: { extraPools?: readonly string[]; routes?: string } = {},
): string {
  const pools = Array.from({ length: componentCount }, (_, i) => `pool${i + 1}`);
  const leaf = (i: number, indent: string) =>
    `${indent}- { name: Service ${i + 1}, id: svc-${i + 1}, description: Service number ${i + 1}, from: { pools: [${pools[i]}] } }`;
  const components: string[] = [];
  for (let g = 0; g < 10; g++) {
    components.push(`    - group: Group ${g + 1}`, `      id: group-${g + 1}`, '      components:');
    for (let j = 0; j < 4; j++) components.push(leaf(g * 4 + j, '        '));
  }
  for (let i = 40; i < componentCount; i++) components.push(leaf(i, '    '));
  return [
    'logging: { level: warn }',
    `listen: { gateway: 127.0.0.1:${p.gatewayPort}, admin: 127.0.0.1:${p.adminPort}, status: 127.0.0.1:${p.statusPort} }`,
    `admin: { tokens: ["${adminToken}"] }`,
    `data_dir: ${JSON.stringify(join(p.dir, 'data'))}`,
    'pools:',
    ...pools.map(
      (name) =>
        `  ${name}: { endpoints: [{ url: "http://127.0.0.1:9" }], health_check: { interval: 1s, timeout: 500ms, unhealthy_threshold: 1 } }`,
    ),
    ...(options.extraPools ?? []),
    `routes: ${options.routes ?? '[{ pool: pool1 }]'}`,
    'status_page:',
    '  title: Bench Status',
    '  url: https://status.bench.example',
    '  time_zone: Europe/Berlin',
    '  components:',
    ...components,
    '',
  ].join('\n');
}

export async function admin(
  adminUrl: string,
  method: string,
  path: string,
  body: unknown,
): Promise<{ id: string }> {
  const res = await fetch(`${adminUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path} answered ${res.status}: ${text.slice(0, 300)}`);
  return JSON.parse(text) as { id: string };
}

const markdown = (n: number) =>
  [
    `We are investigating **elevated error rates** on Service ${(n % componentCount) + 1}.`,
    '',
    '- requests to the API fail with 502',
    '- the dashboard loads slowly',
    '',
    `See [the runbook](https://runbooks.example/incident-${n}) for details.`,
  ].join('\n');

/** Creates the incidents; returns the ids of the open ones. */
export async function seedIncidents(adminUrl: string): Promise<string[]> {
  const open: string[] = [];
  for (let n = 0; n < historicalIncidents + openIncidents; n++) {
    const component = `svc-${(n % componentCount) + 1}`;
    const created = await admin(adminUrl, 'POST', '/api/v1/incidents', {
      incident: {
        name: `Outage ${n + 1} of Service ${(n % componentCount) + 1}`,
        body: markdown(n),
        components: { [component]: 'major_outage' },
      },
    });
    if (n < historicalIncidents)
      await admin(adminUrl, 'PATCH', `/api/v1/incidents/${created.id}`, {
        incident: { status: 'resolved', body: 'The fix is deployed and **error rates** are back to normal.' },
      });
    else open.push(created.id);
  }
  return open;
}

export async function waitForIndicator(
  statusUrl: string,
  indicator: string,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    const res = await fetch(`${statusUrl}/api/v2/status.json`);
    last = ((await res.json()) as { status: { indicator: string } }).status.indicator;
    if (last === indicator) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`status indicator still "${last}" after ${timeoutMs} ms, expected "${indicator}"`);
}
