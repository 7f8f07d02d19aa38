import { describe, expect, it } from 'vitest';
import { sampleView } from './render/fixture.test-support.ts';
import { viewOfWire, wireViewOf } from './site-wire.ts';
import type { StatusView } from './view.ts';

const view = sampleView({ components: 12, incidents: 5 });
const leafIndex = view.components.findIndex((c) => c.days.length > 0 && c.latency.length > 0);

/** The view with one field of the leaf's last day (or last latency point) set to `value`. */
function withLast(list: 'days' | 'latency', field: string, value: unknown): StatusView {
  const components = view.components.map((c, i) => {
    if (i !== leafIndex) return c;
    const items = c[list].map((item, j, all) => (j === all.length - 1 ? { ...item, [field]: value } : item));
    return { ...c, [list]: items };
  });
  return { ...structuredClone(view), components };
}

describe('wireViewOf and viewOfWire', () => {
  it('posts a history again when any field of a day or a latency point changed, and the worker rebuilds the view', () => {
    const { sent } = wireViewOf(view, new Map());
    const leaf = view.components[leafIndex]!;
    const changes = [
      ...Object.keys(leaf.days.at(-1)!).map((field) => ['days', field] as const),
      ...Object.keys(leaf.latency.at(-1)!).map((field) => ['latency', field] as const),
    ];
    for (const [list, field] of changes) {
      const changed = withLast(list, field, 'changed');
      const { wire } = wireViewOf(changed, sent);
      const posted = wire.components.flatMap((c, i) => (c.history ? [i] : []));
      expect(posted, `${list}.${field}`).toEqual([leafIndex]);
      const { known } = viewOfWire(wireViewOf(view, new Map()).wire, new Map());
      expect(viewOfWire(wire, known).view, `${list}.${field}`).toEqual(changed);
    }
  });

  it('refuses a view that leaves out a history the worker was never sent', () => {
    const { wire } = wireViewOf(structuredClone(view), wireViewOf(view, new Map()).sent);
    expect(() => viewOfWire(wire, new Map())).toThrow(/no history for component/);
  });
});
