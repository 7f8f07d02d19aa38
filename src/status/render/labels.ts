import type { ComponentStatus, Impact, IncidentStatus, Indicator, MaintenanceStatus } from '../model.ts';

/** A colour family in styles.ts; every status shown in colour also shows its label as text. */
export type Tone = 'ok' | 'minor' | 'major' | 'critical' | 'maint' | 'info';

export const componentStatusLabels: Readonly<Record<ComponentStatus, string>> = {
  operational: 'Operational',
  degraded_performance: 'Degraded performance',
  partial_outage: 'Partial outage',
  major_outage: 'Major outage',
  under_maintenance: 'Under maintenance',
};

export const componentStatusTones: Readonly<Record<ComponentStatus, Tone>> = {
  operational: 'ok',
  degraded_performance: 'minor',
  partial_outage: 'major',
  major_outage: 'critical',
  under_maintenance: 'maint',
};

export const updateStatusLabels: Readonly<Record<IncidentStatus | MaintenanceStatus, string>> = {
  investigating: 'Investigating',
  identified: 'Identified',
  monitoring: 'Monitoring',
  resolved: 'Resolved',
  postmortem: 'Postmortem',
  scheduled: 'Scheduled',
  in_progress: 'In progress',
  verifying: 'Verifying',
  completed: 'Completed',
};

export const impactLabels: Readonly<Record<Impact, string>> = {
  none: 'No impact',
  minor: 'Minor impact',
  major: 'Major impact',
  critical: 'Critical impact',
};

/** An incident's impact, or the page's indicator (the impacts plus `maintenance`). */
export const impactTones: Readonly<Record<Indicator, Tone>> = {
  none: 'ok',
  minor: 'minor',
  major: 'major',
  critical: 'critical',
  maintenance: 'maint',
};

/** A coloured status label; the text carries the meaning, the colour repeats it. */
export function toneLabel(tone: Tone, text: string): string {
  return `<span class="tag ${tone}">${text}</span>`;
}
