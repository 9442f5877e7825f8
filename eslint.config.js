import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules', 'dist', 'dev-dist', 'coverage', 'eslint.config.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // The pure core: no DOM-bound libraries, adapters, UI or storage.
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/adapters/**', '**/ui/**', '**/app/**', '**/node/**', '**/ports/**'],
              message: 'The core imports only core.',
            },
            { group: ['idb', 'simple-peer', 'lit', 'lit/*', 'comlink', 'ws', 'node:*'], message: 'The core is pure.' },
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'Date', message: 'Inject time.' },
        { name: 'setTimeout', message: 'No timers in the core.' },
        { name: 'setInterval', message: 'No timers in the core.' },
        { name: 'indexedDB', message: 'The core is pure.' },
        { name: 'window', message: 'The core is pure.' },
        { name: 'document', message: 'The core is pure.' },
        { name: 'fetch', message: 'The core is pure.' },
      ],
      'no-restricted-properties': ['error', { object: 'Math', property: 'random', message: 'Inject randomness.' }],
    },
  },
);
