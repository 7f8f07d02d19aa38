import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// The dependency rule from the house plan: gateway → core only; core imports no node:*.
const restrict = (patterns) => ({ 'no-restricted-imports': ['error', { patterns }] });

export default tseslint.config(
  { ignores: ['node_modules/**', 'schema/**', 'coverage/**', 'bin/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': [
        'error',
        { selector: 'ExportDefaultDeclaration', message: 'Use named exports.' },
      ],
    },
  },
  {
    files: ['src/core/**/*.ts'],
    rules: restrict([
      { group: ['node:*', '../*'], message: 'core/ is pure: no node:* and no other folders.' },
    ]),
  },
  {
    files: ['src/gateway/**/*.ts'],
    rules: restrict([
      {
        group: [
          '**/services/**',
          '**/store/**',
          '**/alerting/**',
          '**/monitor/**',
          '**/status/**',
          '**/admin/**',
          '**/observability/**',
          '**/config/**',
          '**/demo/**',
        ],
        message: 'gateway/ imports core/ only (architecture.md dependency rule).',
      },
    ]),
  },
  {
    // Verbs work on structural interfaces they own; transports (admin) call them, app/runtime wire them.
    files: ['src/services/**/*.ts'],
    ignores: ['src/services/**/*.test.ts'],
    rules: restrict([
      {
        group: ['**/gateway/**', '**/admin/**', '**/runtime/**', '**/observability/**', '**/app.ts'],
        message: 'services/ imports core/ only (architecture.md dependency rule).',
      },
    ]),
  },
  {
    // Monitoring owns its domain and the interfaces its stores implement; it reaches nothing else.
    files: ['src/monitor/**/*.ts'],
    ignores: ['src/monitor/**/*.test.ts'],
    rules: restrict([
      {
        group: [
          '**/gateway/**',
          '**/services/**',
          '**/store/**',
          '**/admin/**',
          '**/runtime/**',
          '**/observability/**',
          '**/config/**',
          '**/demo/**',
        ],
        message: 'monitor/ imports core/ only (architecture.md dependency rule).',
      },
    ]),
  },
  {
    // Alerting owns its pipeline, notifiers and the interfaces its store implements; it reaches nothing else.
    files: ['src/alerting/**/*.ts'],
    ignores: ['src/alerting/**/*.test.ts'],
    rules: restrict([
      {
        group: [
          '**/gateway/**',
          '**/services/**',
          '**/store/**',
          '**/admin/**',
          '**/runtime/**',
          '**/observability/**',
          '**/config/**',
          '**/demo/**',
          '**/monitor/**',
          '**/status/**',
        ],
        message: 'alerting/ imports core/ only (architecture.md dependency rule).',
      },
    ]),
  },
  {
    // The status page's domain, renderers and Statuspage formats are pure over a StatusView; it reaches nothing else.
    files: ['src/status/**/*.ts'],
    ignores: ['src/status/**/*.test.ts'],
    rules: restrict([
      {
        group: [
          '**/gateway/**',
          '**/services/**',
          '**/store/**',
          '**/admin/**',
          '**/runtime/**',
          '**/observability/**',
          '**/config/**',
          '**/demo/**',
          '**/monitor/**',
          '**/alerting/**',
        ],
        message: 'status/ imports core/ only (architecture.md dependency rule).',
      },
    ]),
  },
  { files: ['**/*.js'], ...tseslint.configs.disableTypeChecked },
  // Tool config files must default-export; that is the tools' convention, not ours.
  { files: ['eslint.config.js', 'vitest.config.ts'], rules: { 'no-restricted-syntax': 'off' } },
);
