import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { renderJsonSchema } from '../src/config/json-schema.ts';

// Regenerates schema/bulwark.schema.json from the zod schema; src/config/json-schema.test.ts fails when it is stale.
const target = new URL('../schema/bulwark.schema.json', import.meta.url);
await writeFile(target, renderJsonSchema());
console.log(`wrote ${fileURLToPath(target)}`);
