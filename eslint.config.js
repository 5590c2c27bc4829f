import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// The layers of src/, lowest first, and what each may import (docs/architecture.md).
// A folder imports its own files and the folders listed; anything else is a lint error.
const LAYERS = {
  core: [],
  config: ['core'],
  ssh: ['core', 'config'],
  git: ['core', 'config'],
  vm: ['core', 'config', 'ssh', 'git'],
  remote: ['core', 'config', 'ssh', 'git', 'vm'],
  sync: ['core', 'config', 'ssh', 'git', 'vm'],
  workspace: ['core', 'config', 'ssh', 'git', 'vm'],
  commands: ['core', 'config', 'ssh', 'git', 'vm', 'remote', 'sync', 'workspace'],
  bin: ['core', 'commands'],
};
const layerRules = Object.entries(LAYERS).map(([layer, allowed]) => ({
  files: [`src/${layer}/**/*.ts`],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: Object.keys(LAYERS)
          .filter((other) => other !== layer && !allowed.includes(other))
          .map((other) => ({
            group: [`../${other}/*`, `../../src/${other}/*`],
            message: `src/${layer} may import only ${allowed.length ? allowed.map((a) => `src/${a}`).join(', ') : 'node: modules and packages'} (the layers in eslint.config.js)`,
          })),
      },
    ],
  },
}));

export default tseslint.config(
  { ignores: ['build/', 'dist/', 'node_modules/', 'eslint.config.js', 'build.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      // node:test's describe/it return promises the runner itself awaits.
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'before', 'after', 'beforeEach', 'afterEach'] },
          ],
        },
      ],
    },
  },
  ...layerRules,
  {
    // The launchers' shared start (CommonJS, so it runs before any bundle loads).
    files: ['bin/*.cjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      sourceType: 'commonjs',
      globals: { require: 'readonly', module: 'writable', process: 'readonly', __dirname: 'readonly' },
    },
    rules: { ...tseslint.configs.disableTypeChecked.rules, '@typescript-eslint/no-require-imports': 'off' },
  },
);
