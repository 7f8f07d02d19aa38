import { z } from 'zod';
import type { YamlPath } from './locate.ts';
import { unitHints, type UnitHint } from './unit-hints.ts';

/**
 * Reads the shape of a zod schema at a YAML path, so error messages derive allowed keys and descriptions
 * from the schema itself instead of a hand-kept list that would drift.
 */
type Schema = z.core.$ZodType;

const defOf = (schema: Schema) => (schema as z.core.$ZodTypes)._zod.def;

/** The schema one wrapper down (a transform's input, a default's inner type), or undefined for a real type. */
function innerOf(schema: Schema): Schema | undefined {
  const def = defOf(schema);
  if (def.type === 'pipe') return def.in;
  return 'innerType' in def ? def.innerType : undefined;
}

/** Peels the wrappers that do not change what may be written at a position: transforms, defaults, optionals. */
function unwrap(schema: Schema): Schema {
  let current = schema;
  for (let inner = innerOf(current); inner; inner = innerOf(current)) current = inner;
  return current;
}

/** The schema that validates the value at `path`, or undefined when the path leaves the schema. */
export function schemaAt(schema: Schema, path: YamlPath): Schema | undefined {
  const [segment, ...rest] = path;
  if (segment === undefined) return schema;
  const def = defOf(unwrap(schema));
  if (def.type === 'object') {
    const child =
      typeof segment === 'string' && Object.hasOwn(def.shape, segment) ? def.shape[segment] : undefined;
    return child && schemaAt(child, rest);
  }
  if (def.type === 'record') return schemaAt(def.valueType, rest);
  if (def.type === 'array') return typeof segment === 'number' ? schemaAt(def.element, rest) : undefined;
  if (def.type === 'union') {
    for (const option of def.options) {
      const found = schemaAt(option, path);
      if (found) return found;
    }
  }
  return undefined;
}

/**
 * The keys a mapping at this schema position may hold; empty when it is not a fixed-key object. In a union
 * (a monitor, a notifier) they are those of the options whose literal keys (`type: tcp`) the value matches.
 */
export function allowedKeys(schema: Schema | undefined, value?: unknown): string[] {
  if (!schema) return [];
  const def = defOf(unwrap(schema));
  // A key the schema forbids (z.never, as heartbeats do for the cycle keys) is no suggestion.
  if (def.type === 'object')
    return Object.entries(def.shape)
      .filter(([, field]) => defOf(unwrap(field)).type !== 'never')
      .map(([key]) => key);
  if (def.type !== 'union') return [];
  const options = def.options.map(unwrap).filter((option) => defOf(option).type === 'object');
  const matching = options.filter((option) => isTaggedAs(option, value));
  return [...new Set((matching.length > 0 ? matching : options).flatMap((option) => allowedKeys(option)))];
}

function isTaggedAs(option: Schema, value: unknown): boolean {
  const def = defOf(option);
  if (def.type !== 'object' || typeof value !== 'object' || value === null) return false;
  return Object.entries(def.shape).some(([key, field]) => {
    const fieldDef = defOf(unwrap(field));
    const tag = (value as Record<string, unknown>)[key];
    return fieldDef.type === 'literal' && (fieldDef.values as readonly unknown[]).includes(tag);
  });
}

/** The `.meta({ description })` of a scalar (e.g. durations), looked up through its wrappers. */
export function scalarDescription(schema: Schema | undefined): string | undefined {
  if (!schema || ['object', 'record', 'array'].includes(defOf(unwrap(schema)).type)) return undefined;
  for (let current: Schema | undefined = schema; current; current = innerOf(current)) {
    const description = z.globalRegistry.get(current)?.description;
    if (description) return description;
  }
  return undefined;
}

/** The unit hint (unit-hints.ts) of a scalar such as a duration, looked up through its wrappers. */
export function unitHintOf(schema: Schema | undefined): UnitHint | undefined {
  for (let current: Schema | undefined = schema; current; current = innerOf(current)) {
    const hint = unitHints.get(current);
    if (hint) return hint;
  }
  return undefined;
}
