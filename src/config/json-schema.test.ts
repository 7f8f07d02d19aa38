import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { buildJsonSchema, renderJsonSchema } from './json-schema.ts';

const checkedIn = new URL('../../schema/bulwark.schema.json', import.meta.url);

describe('schema/bulwark.schema.json', () => {
  it('matches the zod schema (run `npm run schema` after changing src/config/schema.ts)', async () => {
    const onDisk = await readFile(checkedIn, 'utf8').catch(() => '');
    expect(onDisk === renderJsonSchema(), 'schema/bulwark.schema.json is stale: run `npm run schema`').toBe(
      true,
    );
  });

  it('describes the input side: snake_case keys, unit strings, no unknown keys', () => {
    const schema = buildJsonSchema();
    expect(schema).toMatchObject({ title: 'Bulwark configuration', additionalProperties: false });
    expect(typeof schema.$id).toBe('string');
    expect(schema.required).toEqual(['pools', 'routes']);
    const text = JSON.stringify(schema);
    expect(text).toContain('"max_replay_body"');
    expect(text).not.toContain('maxReplayBodyBytes');
  });
});
