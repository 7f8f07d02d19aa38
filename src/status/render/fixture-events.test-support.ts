import type {
  AffectedComponent,
  ComponentStatus,
  Impact,
  Incident,
  IncidentStatus,
  Maintenance,
  MaintenanceStatus,
  TimelineUpdate,
} from '../model.ts';

const minuteMs = 60_000;
const hourMs = 3_600_000;
const dayMs = 86_400_000;

const bodies: Readonly<Record<IncidentStatus, (component: string) => string>> = {
  investigating: (component) =>
    `We are investigating **elevated error rates** on ${component}. Some requests fail with \`502 Bad Gateway\`.`,
  identified: (component) =>
    `The cause is a failed deploy of the connection pooler behind ${component}.\n\n` +
    '- Rolled back in *eu-west-1*\n- Rolling back in *us-east-1*\n\nChange log: https://changes.acme.example/4711',
  monitoring: () =>
    'A fix has been deployed. We are monitoring the results; error rates are at 0.1% and falling.',
  resolved: () => 'This incident has been resolved. Thank you for your patience.',
  postmortem: () => 'The postmortem is below.',
};

const impactsByTurn: readonly Impact[] = ['minor', 'major', 'minor', 'critical', 'none', 'major'];
const statusByImpact: Readonly<Record<Impact, ComponentStatus>> = {
  none: 'operational',
  minor: 'degraded_performance',
  major: 'partial_outage',
  critical: 'major_outage',
};

interface UpdateSpec {
  readonly status: IncidentStatus | MaintenanceStatus;
  readonly atMs: number;
  readonly body: string;
  readonly affected: readonly AffectedComponent[] | null;
  readonly nextUpdateByMs: number | null;
}

function updatesOf(ownerId: string, specs: readonly UpdateSpec[]): TimelineUpdate[] {
  const updates = specs.map((spec, index) => ({
    id: `${ownerId}-u${index + 1}`,
    status: spec.status,
    body: spec.body,
    createdAtMs: spec.atMs,
    displayAtMs: spec.atMs,
    affectedComponents: spec.affected,
    nextUpdateByMs: spec.nextUpdateByMs,
    deliverNotifications: true,
  }));
  return updates.reverse();
}

interface IncidentSpec {
  readonly id: string;
  readonly turn: number;
  readonly startedAtMs: number;
  readonly statuses: readonly IncidentStatus[];
  readonly resolvedAtMs: number | null;
  readonly componentIds: readonly string[];
  readonly componentNames: ReadonlyMap<string, string>;
  readonly isDraft: boolean;
}

function incidentOf(spec: IncidentSpec): Incident {
  const impact = impactsByTurn[spec.turn % impactsByTurn.length] ?? 'minor';
  const hit = statusByImpact[impact];
  const names = spec.componentIds.map((id) => spec.componentNames.get(id) ?? id);
  const change = (oldStatus: ComponentStatus, newStatus: ComponentStatus): AffectedComponent[] =>
    spec.componentIds.map((code, index) => ({ code, name: names[index] ?? code, oldStatus, newStatus }));
  const lastAtMs = spec.resolvedAtMs ?? spec.startedAtMs + (spec.statuses.length - 1) * 20 * minuteMs;
  const stepMs = spec.statuses.length > 1 ? (lastAtMs - spec.startedAtMs) / (spec.statuses.length - 1) : 0;
  const updates = updatesOf(
    spec.id,
    spec.statuses.map((status, index) => ({
      status,
      atMs: Math.round(spec.startedAtMs + index * stepMs),
      body: bodies[status](names.join(' and ')),
      affected:
        index === 0 ? change('operational', hit) : status === 'resolved' ? change(hit, 'operational') : null,
      nextUpdateByMs:
        status === 'resolved' ? null : Math.round(spec.startedAtMs + index * stepMs) + 30 * minuteMs,
    })),
  );
  const status = spec.statuses.at(-1) ?? 'investigating';
  const isPostmortem = spec.resolvedAtMs !== null && spec.turn % 10 === 3;
  return {
    id: spec.id,
    name: `${impact === 'critical' ? 'Outage' : 'Elevated errors'} on ${names.join(' and ')}`,
    status: isPostmortem ? 'postmortem' : status,
    impact,
    impactOverride: null,
    isDraft: spec.isDraft,
    createdAtMs: spec.startedAtMs,
    updatedAtMs: updates[0]?.displayAtMs ?? spec.startedAtMs,
    startedAtMs: spec.startedAtMs,
    monitoringAtMs: spec.statuses.includes('monitoring') ? (updates[1]?.displayAtMs ?? null) : null,
    resolvedAtMs: spec.resolvedAtMs,
    postmortemBody: isPostmortem
      ? '## What happened\n\nA config push removed a pool.\n\n## What we change\n\n1. Canary pushes\n2. An alert on pool size'
      : null,
    componentIds: spec.componentIds,
    componentStatuses:
      spec.resolvedAtMs === null ? Object.fromEntries(spec.componentIds.map((id) => [id, hit])) : {},
    updates,
    alertFingerprint: null,
  };
}

export interface SampleIncidentOptions {
  readonly resolved: number;
  readonly active: number;
  readonly drafts: number;
  readonly leafIds: readonly string[];
  readonly componentNames: ReadonlyMap<string, string>;
  readonly nowMs: number;
  readonly random: () => number;
}

const activeStatuses: readonly (readonly IncidentStatus[])[] = [
  ['investigating'],
  ['investigating', 'identified'],
  ['investigating', 'identified', 'monitoring'],
];
const resolvedStatuses: readonly (readonly IncidentStatus[])[] = [
  ['investigating', 'resolved'],
  ['investigating', 'identified', 'resolved'],
  ['investigating', 'identified', 'monitoring', 'resolved'],
];

/** Newest first by start, as the view holds them: active ones, then resolved ones about two days apart. */
export function sampleIncidents(options: SampleIncidentOptions): Incident[] {
  const { leafIds, nowMs, random } = options;
  const pick = (turn: number): string[] => {
    const first = leafIds[(turn * 7) % leafIds.length] ?? 'website';
    const second = leafIds[(turn * 7 + 3) % leafIds.length] ?? first;
    return turn % 3 === 0 && second !== first ? [first, second] : [first];
  };
  const common = { componentNames: options.componentNames, isDraft: false };
  const active = Array.from({ length: options.active }, (_, k) =>
    incidentOf({
      ...common,
      id: `inc-a${k + 1}`,
      turn: k,
      startedAtMs: nowMs - (k + 1) * 45 * minuteMs,
      statuses: activeStatuses[k % 3] ?? ['investigating'],
      resolvedAtMs: null,
      componentIds: pick(k + 100),
    }),
  );
  const drafts = Array.from({ length: options.drafts }, (_, k) => ({
    ...incidentOf({
      ...common,
      id: `inc-d${k + 1}`,
      turn: k,
      startedAtMs: nowMs - 10 * minuteMs,
      statuses: ['investigating'],
      resolvedAtMs: null,
      componentIds: pick(k + 200),
      isDraft: true,
    }),
    name: `Draft ${k + 1}: unconfirmed alert`,
  }));
  const resolved = Array.from({ length: options.resolved }, (_, j) => {
    const startedAtMs = Math.round(nowMs - 6 * hourMs - j * 2 * dayMs - random() * dayMs);
    const durationMs = Math.round(20 * minuteMs + random() * 6 * hourMs);
    const statuses = resolvedStatuses[j % 3] ?? ['investigating', 'resolved'];
    return incidentOf({
      ...common,
      id: `inc-${String(j + 1).padStart(4, '0')}`,
      turn: j,
      startedAtMs,
      statuses,
      resolvedAtMs: startedAtMs + durationMs,
      componentIds: pick(j),
    });
  });
  return [...drafts, ...active, ...resolved];
}

export interface SampleMaintenanceOptions {
  readonly componentNames: ReadonlyMap<string, string>;
  readonly scheduled: number;
  readonly inProgress: number;
  readonly completed: number;
  readonly leafIds: readonly string[];
  readonly nowMs: number;
}

function maintenanceOf(
  id: string,
  status: MaintenanceStatus,
  scheduledForMs: number,
  componentIds: string[],
  componentNames: ReadonlyMap<string, string>,
): Maintenance {
  const names = componentIds.map((id) => componentNames.get(id) ?? id).join(', ');
  const scheduledUntilMs = scheduledForMs + 2 * hourMs;
  const createdAtMs = scheduledForMs - 7 * dayMs;
  const specs: UpdateSpec[] = [
    {
      status: 'scheduled',
      atMs: createdAtMs,
      body: 'We will upgrade the database cluster. **No downtime** is expected; writes may be slower.',
      affected: null,
      nextUpdateByMs: null,
    },
  ];
  if (status !== 'scheduled')
    specs.push({
      status: 'in_progress',
      atMs: scheduledForMs,
      body: 'The maintenance is in progress.',
      affected: null,
      nextUpdateByMs: null,
    });
  if (status === 'completed')
    specs.push({
      status: 'completed',
      atMs: scheduledUntilMs,
      body: 'The maintenance is complete.',
      affected: null,
      nextUpdateByMs: null,
    });
  const updates = updatesOf(id, specs);
  return {
    id,
    name: `Database upgrade: ${names}`,
    status,
    createdAtMs,
    updatedAtMs: updates[0]?.displayAtMs ?? createdAtMs,
    scheduledForMs,
    scheduledUntilMs,
    startedAtMs: status === 'scheduled' ? null : scheduledForMs,
    completedAtMs: status === 'completed' ? scheduledUntilMs : null,
    componentIds,
    drain: [],
    autoTransition: true,
    updates,
    seriesId: null,
  };
}

/** Newest first by scheduledFor: upcoming ones days ahead, one running now, completed ones ten days apart. */
export function sampleMaintenances(options: SampleMaintenanceOptions): Maintenance[] {
  const { leafIds, nowMs } = options;
  const onHour = (ms: number): number => Math.floor(ms / hourMs) * hourMs;
  const componentsFor = (turn: number): string[] => [leafIds[(turn * 5 + 1) % leafIds.length] ?? 'website'];
  const scheduled = Array.from({ length: options.scheduled }, (_, k) =>
    maintenanceOf(
      `mnt-s${k + 1}`,
      'scheduled',
      onHour(nowMs + (k + 1) * 3 * dayMs),
      componentsFor(k),
      options.componentNames,
    ),
  );
  const inProgress = Array.from({ length: options.inProgress }, (_, k) =>
    maintenanceOf(
      `mnt-p${k + 1}`,
      'in_progress',
      nowMs - (k + 1) * 30 * minuteMs,
      componentsFor(k + 10),
      options.componentNames,
    ),
  );
  const completed = Array.from({ length: options.completed }, (_, k) =>
    maintenanceOf(
      `mnt-c${k + 1}`,
      'completed',
      onHour(nowMs - (k + 1) * 10 * dayMs),
      componentsFor(k + 20),
      options.componentNames,
    ),
  );
  return [...scheduled.reverse(), ...inProgress, ...completed];
}
