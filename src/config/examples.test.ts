import { readdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadConfigFile } from './index.ts';

const examplesDir = fileURLToPath(new URL('../../examples/', import.meta.url));
const examples = (await readdir(examplesDir)).filter((name) => /\.ya?ml$/.test(name));

describe('examples/', () => {
  it('has examples', () => expect(examples).toContain('failover.yaml'));

  // An empty env: examples must carry defaults for every variable they reference.
  it.each(examples)('%s is a valid config', async (name) => {
    await expect(loadConfigFile(`${examplesDir}${name}`, { env: {} })).resolves.toHaveProperty('routes');
  });
});
