// What every launcher in bin/ does: start the bundle `name` from dist/ (built by
// `npm run build`, or by npm pack), with Node.js's compile cache where it has one.
const { join } = require('node:path');

module.exports = function launch(name) {
  const bundle = join(__dirname, '..', 'dist', `${name}.cjs`);
  try {
    require.resolve(bundle);
  } catch {
    process.stderr.write(
      `error: ${name} is not built: ${join(__dirname, '..', 'dist')} is missing\n` +
        'hint: run `npm run build` there (./install does it), or install a packed tarball: npm pack && npm install -g ./git-remote-yolovm-*.tgz\n',
    );
    process.exit(1);
  }
  // Node.js 22.1+ can keep the compiled bundle on disk, so a start does not compile
  // ~300 kB again; a directory of yolovm's own, and no cache when it cannot be written.
  const { enableCompileCache } = require('node:module');
  if (typeof enableCompileCache === 'function') {
    try {
      const xdg = process.env.XDG_CACHE_HOME;
      const base = xdg && xdg.startsWith('/') ? xdg : join(require('node:os').homedir(), '.cache');
      enableCompileCache(join(base, 'yolovm', 'node-compile-cache'));
    } catch {
      // started as without one
    }
  }
  require(bundle);
};
