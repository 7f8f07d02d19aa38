import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// The dependency rule from the house plan: gateway → core only; core imports no node:*.
const restrict = (patterns) => ({ 'no-restricted-imports': ['error', { patterns }] });

const folders = [
  'admin',
  'alerting',
  'config',
  'demo',
  'gateway',
  'monitor',
  'observability',
  'runtime',
  'services',
  'status',
  'store',
];

/** src/FOLDER may import core/ and itself only; `why` says what it owns. Its tests may reach further. */
const importsOnlyCore = (folder, why, { testsToo = false } = {}) => ({
  files: [`src/${folder}/**/*.ts`],
  ...(testsToo ? {} : { ignores: [`src/${folder}/**/*.test.ts`] }),
  rules: restrict([
    {
      group: folders
        .filter((f) => f !== folder)
        .map((f) => `**/${f}/**`)
        .concat('**/app.ts'),
      message: `${folder}/ imports core/ only (architecture.md dependency rule): ${why}`,
    },
  ]),
});

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
  importsOnlyCore('gateway', 'the data plane never waits on the control plane', { testsToo: true }),
  {
    // Verbs work on structural interfaces they own; transports (admin) call them, app/runtime wire them.
    files: ['src/services/**/*.ts'],
    ignores: ['src/services/**/*.test.ts'],
    rules: restrict([
      {
        group: ['**/gateway/**', '**/admin/**', '**/runtime/**', '**/observability/**', '**/app.ts'],
        message: 'services/ imports core/ and the domain folders only (architecture.md dependency rule).',
      },
    ]),
  },
  importsOnlyCore('monitor', 'it owns its domain and the interfaces its stores implement'),
  importsOnlyCore('alerting', 'it owns its pipeline, notifiers and the interfaces its store implements'),
  importsOnlyCore('status', 'its model, renderers and Statuspage formats are pure over a StatusView'),
  { files: ['**/*.js'], ...tseslint.configs.disableTypeChecked },
  // Tool config files must default-export; that is the tools' convention, not ours.
  { files: ['eslint.config.js', 'vitest.config.ts'], rules: { 'no-restricted-syntax': 'off' } },
);
