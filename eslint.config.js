// Flat config: typescript-eslint's recommended rules plus the layering rule from DESIGN.md.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

/** Folders of the pure protocol core: they must never reach for I/O layers. */
const pureLayers = ['src/wire', 'src/swim', 'src/cluster', 'src/kv', 'src/balance', 'src/discovery'];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**'] },
  js.configs.recommended,
  { languageOptions: { globals: { ...globals.node } } },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: pureLayers.map((p) => `${p}/**/*.ts`),
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/transport/**', '**/runtime/**', '**/agent/**', '**/cli/**', '**/sim/**'],
              message: 'The protocol core must not import I/O layers (DESIGN.md, layers).',
            },
            {
              group: ['node:dgram', 'node:net', 'node:fs', 'node:http', 'node:child_process', 'node:timers'],
              message: 'The protocol core is sans-I/O.',
            },
          ],
        },
      ],
      'no-restricted-globals': ['error', 'setTimeout', 'setInterval', 'setImmediate'],
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: 'Use the injected clock (`now`).' },
        { object: 'Math', property: 'random', message: 'Use the injected Random.' },
      ],
    },
  },
  {
    files: ['src/wire/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['../*', '!../wire/**'], message: 'wire imports nothing of ours.' }] },
      ],
    },
  },
);
