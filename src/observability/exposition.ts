/**
 * Pieces of the Prometheus text format 0.0.4, for the series rendered by hand rather than through prom-client
 * (ADR 7). One family is `# HELP`, `# TYPE`, then its samples, every line ending in '\n'.
 */

const labelEscapes = /[\\"\n]/;
const helpEscapes = /[\\\n]/;

/** A label value between its double quotes: backslash, double quote and line feed are escaped. */
export function escapeLabelValue(value: string): string {
  // Ids are nearly always plain; testing first spares three replace() passes per series.
  if (!labelEscapes.test(value)) return value;
  return value.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n');
}

/** `# HELP` text: backslash and line feed are escaped (a double quote is not, unlike in label values). */
export function escapeHelp(text: string): string {
  return helpEscapes.test(text) ? text.replaceAll('\\', '\\\\').replaceAll('\n', '\\n') : text;
}

/** A sample value as Go's ParseFloat reads it back: NaN, +Inf and -Inf spelled the exposition's way. */
export function formatSampleValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

/** The two comment lines that open a family; each family has them exactly once. */
export function familyHeader(name: string, help: string, type: 'gauge' | 'counter'): string {
  return `# HELP ${name} ${escapeHelp(help)}\n# TYPE ${name} ${type}\n`;
}
