import { readdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadConfigFile } from './index.ts';

const examplesDir = fileURLToPath(new URL('../../examples/', import.meta.url));
const examples = (await readdir(examplesDir)).filter((name) => /\.ya?ml$/.test(name));
const secrets = {
  BULWARK_ADMIN_TOKEN: 'a-test-token-of-thirty-two-chars!',
  ALERT_WEBHOOK_SECRET: 'a-test-signing-secret',
  SMTP_PASSWORD: 'a-test-password',
};

describe('examples/', () => {
  it('has examples', () => expect(examples).toContain('failover.yaml'));

  // Only secrets are set: every other variable an example references must carry a default. A secret must not,
  // or a copied example would run with a token everyone can read here.
  it.each(examples)('%s is a valid config', async (name) => {
    await expect(loadConfigFile(`${examplesDir}${name}`, { env: secrets })).resolves.toHaveProperty('routes');
  });

  it('full.yaml names its unset secrets rather than running with a public default', async () => {
    await expect(loadConfigFile(`${examplesDir}full.yaml`, { env: {} })).rejects.toThrow(
      /BULWARK_ADMIN_TOKEN/,
    );
  });
});
