// What each command loads at start-up: the commands git starts on every hand-off stay lean (README,
// Dependencies). string-width's tables cost ~30 ms a start (measured: git yolo-push -V 126 -> 99 ms without
// it); chokidar is for --watch only.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as nodeModule from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ROOT } from '../harness/vm.js';

const modulesIn = (bundle: string) =>
  [...readFileSync(join(ROOT, 'dist', `${bundle}.cjs`), 'utf8').matchAll(/^\/\/ .*node_modules\/([^/]+)\//gm)].map((m) => m[1] ?? '');

describe('start-up weight of the bundles', () => {
  for (const bundle of ['git-remote-yolovm', 'git-yolo-push', 'git-yolo-fetch', 'git-yolo-diff'])
    it(`${bundle} bundles commander at most: no string-width, chokidar or simple-git`, () => {
      const heavy = [...new Set(modulesIn(bundle))].filter((m) => /^(string-width|get-east-asian-width|chokidar|simple-git)$/.test(m));
      assert.deepEqual(heavy, []);
    });
  it('git-remote-yolovm bundles no command-line parser either', () => {
    assert.deepEqual([...new Set(modulesIn('git-remote-yolovm'))], []);
  });
  // string-width builds its Unicode tables (an Intl.Segmenter among them) when it is loaded: ~20 ms.
  const dir = mkdtempSync(join(tmpdir(), 'yolovm-bundles-'));
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  const preload = join(dir, 'segmenter.cjs');
  writeFileSync(
    preload,
    "const S = Intl.Segmenter; Intl.Segmenter = function (...a) { process.stderr.write('Intl.Segmenter made\\n'); return new S(...a); };\n",
  );
  const started = (bundle: string) =>
    spawnSync(process.execPath, ['-r', preload, join(ROOT, 'dist', `${bundle}.cjs`), '--version'], { encoding: 'utf8' });
  for (const bundle of ['yolovm', 'yolo-dir'])
    it(`${bundle} loads string-width only for a table with a name that is not plain ASCII, not at start`, () => {
      const run = started(bundle);
      assert.equal(run.status, 0, run.stderr);
      assert.doesNotMatch(run.stderr, /Intl\.Segmenter made/);
    });
  it('(the check would see it: a bundle that loads string-width at start)', () => {
    const eager = join(dir, 'eager.cjs');
    writeFileSync(eager, `require(${JSON.stringify(join(ROOT, 'node_modules', 'string-width', 'index.js'))});\n`);
    const run = spawnSync(process.execPath, ['-r', preload, eager], { encoding: 'utf8' });
    assert.match(run.stderr, /Intl\.Segmenter made/);
  });
});

describe("the launchers' compile cache (Node.js 22.1+)", () => {
  const dir = mkdtempSync(join(tmpdir(), 'yolovm-cache-'));
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  // Node.js's own settings would override or turn off the launchers' choice (set at all, even empty).
  const withoutNodeCacheSettings = (env: NodeJS.ProcessEnv) => {
    delete env.NODE_COMPILE_CACHE;
    delete env.NODE_DISABLE_COMPILE_CACHE;
    return env;
  };
  const start = (cache: string) =>
    execFileSync(process.execPath, [join(ROOT, 'bin', 'yolovm'), '--version'], {
      env: withoutNodeCacheSettings({ ...process.env, XDG_CACHE_HOME: cache }),
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  const filesUnder = (path: string): string[] => {
    try {
      return readdirSync(path, { recursive: true, withFileTypes: true })
        .filter((e) => e.isFile())
        .map((e) => e.name);
    } catch {
      return [];
    }
  };

  it(`keeps compiled bundles in $XDG_CACHE_HOME/yolovm where Node.js can (${process.version})`, () => {
    const cache = join(dir, 'xdg');
    assert.match(start(cache), /^yolovm .*\d+\.\d+\.\d+\n$/);
    const kept = filesUnder(join(cache, 'yolovm', 'node-compile-cache'));
    if (typeof (nodeModule as { enableCompileCache?: unknown }).enableCompileCache === 'function') assert.notEqual(kept.length, 0);
    else assert.deepEqual(kept, []);
  });

  it('starts silently without one when the cache directory cannot be made', () => {
    const notADir = join(dir, 'a-file');
    writeFileSync(notADir, '');
    const run = spawnSync(process.execPath, [join(ROOT, 'bin', 'yolovm'), '--version'], {
      env: { ...process.env, XDG_CACHE_HOME: notADir },
      encoding: 'utf8',
    });
    assert.deepEqual([run.status, run.stderr], [0, '']);
    assert.match(run.stdout, /^yolovm /);
  });
});
