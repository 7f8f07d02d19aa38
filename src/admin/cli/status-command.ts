import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { BulwarkError } from '../../core/errors.ts';
import { fileOf } from '../../runtime/status-export.ts';
import type { SummaryDocument, V2Component } from '../../status/api/index.ts';
import { adminOption, adminUrlOf, callAdmin, reportRefusal } from './admin-client.ts';
import { jsonOption, refuseOtherOptions } from './verb-options.ts';
import { table } from './check-command.ts';
import { exitCodes, stringOption, type CliIo, type Command } from './command.ts';
import { oneLine } from './terminal-text.ts';
import { configOption } from './validate-command.ts';

/** One public file of the status page as the admin API sends it. */
export interface StatusFile {
  readonly path: string;
  readonly contentType: string;
  /** base64 */
  readonly body: string;
}

/**
 * `bulwark status`: the status page as a terminal summary (it reports, it does not judge: exit 0 whatever
 * the page says). `bulwark status export --out DIR`: every public file, written as a static site.
 */
export const statusCommand: Command = {
  name: 'status',
  summary: 'Show the status page of a running Bulwark, or export it as static files',
  usage: [
    'bulwark status [--json]',
    '       bulwark status export --out DIR',
    '       (each with [-c FILE | --admin URL]; BULWARK_ADMIN_TOKEN holds the admin token)',
  ].join('\n'),
  takesArguments: true,
  options: [
    configOption,
    adminOption,
    jsonOption,
    { name: 'out', type: 'string', valueName: 'DIR', description: 'Where export writes the files' },
  ],
  async run(values, io, args) {
    const [verb, ...extra] = args;
    if ((verb !== undefined && verb !== 'export') || extra.length > 0)
      throw new BulwarkError('CLI_USAGE', 'status: expected no argument, or "export --out DIR"');
    const base = `${await adminUrlOf(values, io)}/api/v1/status`;
    if (verb === 'export') {
      refuseOtherOptions(values, 'status export', ['out']);
      const dir = stringOption(values, 'out');
      if (!dir) throw new BulwarkError('CLI_USAGE', 'status export: --out DIR is required');
      return exportFiles(io, base, dir);
    }
    refuseOtherOptions(values, 'status', ['json']);
    return show(io, base, values.json === true);
  },
};

async function show(io: CliIo, base: string, asJson: boolean): Promise<number> {
  const response = await callAdmin(io, `${base}/summary`);
  if (response.status !== 200) return reportRefusal(io, 'cannot read the status page', response);
  const summary = response.body as SummaryDocument;
  io.out(asJson ? `${JSON.stringify(summary, null, 2)}\n` : renderSummary(summary));
  return exitCodes.ok;
}

/** The summary as text: the overall line, components (group children indented), incidents, maintenances. */
export function renderSummary(summary: SummaryDocument): string {
  const { page, status } = summary;
  const sections = [`${oneLine(page.name)}: ${oneLine(status.description)} (${oneLine(status.indicator)})\n`];
  const rows = componentRows(summary.components);
  sections.push(rows.length > 0 ? table(['COMPONENT', 'STATUS'], rows) : 'no components\n');
  const incidents = summary.incidents.map((i) => [i.id, i.status, i.impact, i.name, i.updated_at]);
  sections.push(
    incidents.length > 0
      ? `Unresolved incidents:\n${indent(table(['ID', 'STATUS', 'IMPACT', 'NAME', 'UPDATED'], incidents))}`
      : 'No unresolved incidents\n',
  );
  const maintenances = summary.scheduled_maintenances.map((m) => [
    m.id,
    m.status,
    m.scheduled_for,
    m.scheduled_until,
    m.name,
  ]);
  sections.push(
    maintenances.length > 0
      ? `Maintenance (active and upcoming):\n${indent(table(['ID', 'STATUS', 'START', 'END', 'NAME'], maintenances))}`
      : 'No active or upcoming maintenance\n',
  );
  return sections.join('\n');
}

/**
 * Top-level components in page order, each group followed by its children, indented. A group shows its
 * status too (its worst child's), as the page and the API do.
 */
function componentRows(components: readonly V2Component[]): string[][] {
  const rows: string[][] = [];
  for (const c of components.filter((c) => c.group_id === null)) {
    rows.push([c.name, c.status]);
    if (c.group)
      for (const child of components.filter((x) => x.group_id === c.id))
        rows.push([`  ${child.name}`, child.status]);
  }
  return rows;
}

function indent(text: string): string {
  return text.replace(/^(?=.)/gm, '  ');
}

async function exportFiles(io: CliIo, base: string, dir: string): Promise<number> {
  const response = await callAdmin(io, `${base}/files`);
  if (response.status !== 200) return reportRefusal(io, 'cannot read the status page files', response);
  const { files } = response.body as { files: StatusFile[] };
  // Every name is checked before anything is written: a bad one leaves the directory as it was.
  const targets = files.map((file) => ({ file, target: exportTarget(dir, file) }));
  for (const { file, target } of targets) {
    await mkdir(dirname(target), { recursive: true });
    // Written beside its place and renamed over it: a server reading DIR never sends half a file.
    const temporary = `${target}.${process.pid}.tmp`;
    await writeFile(temporary, Buffer.from(file.body, 'base64'));
    await rename(temporary, target);
  }
  io.out(`wrote ${targets.length} files to ${dir}\n`);
  return exitCodes.ok;
}

/** Where a file goes under DIR; a path that could escape DIR is refused (the server is not trusted with the disk). */
export function exportTarget(dir: string, file: Pick<StatusFile, 'path' | 'contentType'>): string {
  const { path } = file;
  if (!path.startsWith('/') || path.includes('..') || path.includes('\0') || path.includes('\\'))
    throw new Error(`status export: refusing the file path ${JSON.stringify(path)} from the server`);
  const root = resolve(dir);
  const target = join(root, fileOf(path, file.contentType));
  if (!target.startsWith(`${root}${sep}`))
    throw new Error(`status export: refusing the file path ${JSON.stringify(path)} from the server`);
  return target;
}
