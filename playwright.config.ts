import { defineConfig } from '@playwright/test';

// Debian's Chromium, never a downloaded browser; one worker for the 2-core machine.
// eslint-disable-next-line no-restricted-syntax -- Playwright reads its config from the default export.
export default defineConfig({
  testDir: 'test/browser',
  outputDir: 'test-results',
  workers: 1,
  retries: 0,
  reporter: 'list',
  projects: [
    {
      name: 'chromium',
      use: { launchOptions: { executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] } },
    },
  ],
});
