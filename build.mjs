// Bundles each entry point into one file in dist/, so a command starts without
// resolving hundreds of module files (git starts the helper on every fetch/push).
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';

const entries = readdirSync('src/bin').filter((f) => f.endsWith('.ts'));
await build({
  entryPoints: entries.map((f) => `src/bin/${f}`),
  outdir: 'dist',
  bundle: true,
  platform: 'node',
  // CommonJS, not ESM: Node.js starts a CommonJS file about 9 ms sooner (no ESM
  // loader), and git starts the helper on every push and fetch.
  format: 'cjs',
  outExtension: { '.js': '.cjs' },
  target: 'node20',
  packages: 'bundle',
  logLevel: 'warning',
  define: {
    __YOLOVM_VERSION__: JSON.stringify(JSON.parse(readFileSync('package.json', 'utf8')).version),
    'import.meta.url': '__yolovmUrl',
  },
  banner: { js: "const __yolovmUrl = require('node:url').pathToFileURL(__filename).href;" },
});

// The VM-side script is read at run time from beside the code that sends it.
for (const dir of ['dist', 'build/src/vm']) {
  mkdirSync(dir, { recursive: true });
  copyFileSync('src/vm/vm.sh', `${dir}/vm.sh`);
}
