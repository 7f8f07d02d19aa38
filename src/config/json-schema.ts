import { z } from 'zod';
import { configSchema } from './schema.ts';

// A URN, not a URL: the schema is addressed by file path (yaml-language-server, VS Code), not fetched.
const schemaId = 'urn:bulwark:config:v1';

/** The JSON Schema of bulwark.yaml as a user writes it (the input side: snake_case keys, unit strings). */
export function buildJsonSchema(): Record<string, unknown> {
  const generated = z.toJSONSchema(configSchema, {
    io: 'input',
    target: 'draft-2020-12',
    override: ({ jsonSchema }) => {
      // zod marks startsWith() as format "starts_with", which is no JSON Schema format; the pattern says it all.
      if (jsonSchema.format === 'starts_with') delete jsonSchema.format;
    },
  });
  const { $schema, ...rest } = generated;
  return {
    $schema,
    $id: schemaId,
    title: 'Bulwark configuration',
    description:
      'bulwark.yaml: gateway listeners, upstream pools and routes. Generated from src/config/schema.ts by `npm run schema`.',
    ...rest,
  };
}

/** The exact text checked in as schema/bulwark.schema.json. */
export function renderJsonSchema(): string {
  return `${JSON.stringify(buildJsonSchema(), null, 2)}\n`;
}
