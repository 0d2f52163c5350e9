// Flat config: typescript-eslint's recommended rules plus the layer table of docs/architecture.md,
// enforced per folder: a file may import only the folders its layer sits on.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

/** Every folder of src/ that is a layer. */
const layers = [
  'wire',
  'core',
  'swim',
  'cluster',
  'kv',
  'balance',
  'discovery',
  'transport',
  'runtime',
  'sim',
  'agent',
  'cli',
];

/** What each layer may import (besides itself). Mirrors the table in docs/architecture.md. */
const allowed = {
  wire: [],
  core: ['wire'],
  swim: ['core', 'wire'],
  cluster: ['swim', 'core', 'wire'],
  kv: ['cluster', 'swim', 'core', 'wire'],
  balance: ['cluster', 'swim', 'core', 'wire'],
  discovery: ['cluster', 'swim', 'core', 'wire'],
  transport: ['core', 'wire'],
  runtime: ['kv', 'balance', 'discovery', 'cluster', 'swim', 'transport', 'core', 'wire'],
  sim: ['runtime', 'kv', 'balance', 'discovery', 'cluster', 'swim', 'transport', 'core', 'wire'],
  agent: ['runtime', 'kv', 'balance', 'discovery', 'cluster', 'swim', 'transport', 'core', 'wire'],
  cli: [
    'agent',
    'sim',
    'runtime',
    'kv',
    'balance',
    'discovery',
    'cluster',
    'swim',
    'transport',
    'core',
    'wire',
  ],
};

/** Layers that are pure protocol: no sockets, files, timers, wall clock or Math.random. */
const pure = new Set(['wire', 'core', 'swim', 'cluster', 'kv', 'balance', 'discovery']);

const ioModules = [
  'node:dgram',
  'node:net',
  'node:fs',
  'node:fs/promises',
  'node:http',
  'node:https',
  'node:dns',
  'node:child_process',
  'node:timers',
  'node:timers/promises',
  'node:worker_threads',
];

/** The rules for one layer's folder. */
function layerRules(layer) {
  const forbidden = layers.filter((l) => l !== layer && !allowed[layer].includes(l));
  const patterns = [];
  if (forbidden.length > 0) {
    patterns.push({
      // Both `../x/…` from the layer's top and `../../x/…` from a subfolder.
      group: forbidden.flatMap((l) => [`../${l}/*`, `../../${l}/*`, `../${l}`, `../../${l}`]),
      message: `src/${layer} may import only ${allowed[layer].join(', ') || 'nothing of ours'} (docs/architecture.md, layers).`,
    });
  }
  if (layer !== 'cli') {
    // The only barrel is src/index.ts, and nothing inside src imports it.
    patterns.push({
      group: ['../index.js', '../../index.js'],
      message: 'Import the module, not the barrel.',
    });
  }
  if (pure.has(layer)) {
    patterns.push({ group: ioModules, message: 'The protocol layers are sans-I/O (docs/architecture.md).' });
  }
  const rules = { 'no-restricted-imports': ['error', { patterns }] };
  if (pure.has(layer)) {
    rules['no-restricted-globals'] = ['error', 'setTimeout', 'setInterval', 'setImmediate'];
    rules['no-restricted-properties'] = [
      'error',
      { object: 'Date', property: 'now', message: 'Use the injected clock (`now`).' },
      { object: 'Math', property: 'random', message: 'Use the injected Random.' },
    ];
  }
  return { files: [`src/${layer}/**/*.ts`], rules };
}

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
  ...layers.map(layerRules),
);
