// What each command loads at start-up: the commands git starts on every hand-off stay lean (README,
// Dependencies). string-width's tables cost ~30 ms a start (measured: git yolo-push -V 126 -> 99 ms without
// it); chokidar is for --watch only.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
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
});
