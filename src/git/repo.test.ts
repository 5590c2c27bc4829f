// The batched git questions (one process for several answers) against a real repository.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { leftRight, resolveAll, shortShas, type Repo } from './repo.js';
import { pushFacts } from './plumbing.js';

describe('batched git questions', () => {
  const top = mkdtempSync(join(tmpdir(), 'yolovm-repo-'));
  const repo: Repo = { top, gitDir: join(top, '.git') };
  const env = {
    ...process.env,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_AUTHOR_NAME: 't',
    GIT_AUTHOR_EMAIL: 't@x',
    GIT_COMMITTER_NAME: 't',
    GIT_COMMITTER_EMAIL: 't@x',
  };
  const git = (...args: string[]) => {
    const r = spawnSync('git', args, { cwd: top, env, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout.trim();
  };
  let base = '';
  let main = '';
  let side = '';
  let mods = '';
  before(() => {
    git('init', '-q', '-b', 'main');
    git('commit', '-q', '--allow-empty', '-m', 'base');
    base = git('rev-parse', 'HEAD');
    git('commit', '-q', '--allow-empty', '-m', 'main 1');
    git('commit', '-q', '--allow-empty', '-m', 'main 2');
    main = git('rev-parse', 'HEAD');
    git('switch', '-q', '-c', 'side', base);
    git('commit', '-q', '--allow-empty', '-m', 'side 1');
    side = git('rev-parse', 'HEAD');
    git('tag', 'blob-tag', git('hash-object', '-w', '--stdin'));
    git('switch', '-q', '-c', 'mods', base);
    git('config', '-f', '.gitmodules', 'submodule.lib.path', 'lib');
    git('add', '.gitmodules');
    git('commit', '-q', '-m', 'mods');
    mods = git('rev-parse', 'HEAD');
    git('switch', '-q', 'side');
  });
  after(() => {
    rmSync(top, { recursive: true, force: true });
  });

  it('resolveAll: each name to its commit, in order; missing names and non-commits undefined', async () => {
    assert.deepEqual(await resolveAll(repo, ['refs/heads/main', 'refs/heads/none', 'HEAD', 'blob-tag', main]), [
      main,
      undefined,
      side,
      undefined,
      main,
    ]);
    assert.deepEqual(await resolveAll(repo, []), []);
  });
  it("pushFacts: the VM tips that are commits here, each source's commit, which have a .gitmodules", () => {
    const absent = 'f'.repeat(40);
    const blob = git('rev-parse', 'blob-tag');
    const facts = pushFacts(
      [main, absent, blob, 'not-an-id'],
      ['refs/heads/main', 'refs/heads/mods', 'refs/heads/none', mods, '', 'blob-tag'],
      {
        gitDir: repo.gitDir,
      },
    );
    assert.deepEqual(facts.have, [main]);
    assert.deepEqual(
      [...facts.commits],
      [
        ['refs/heads/main', main],
        ['refs/heads/mods', mods],
        [mods, mods],
      ],
    );
    assert.deepEqual([...facts.withModules], ['refs/heads/mods', mods]);
    assert.deepEqual(pushFacts([], []), { have: [], commits: new Map(), withModules: new Set() });
  });
  it('leftRight: commits only each side has', async () => {
    assert.deepEqual(await leftRight(repo, main, side), { onlyA: 2, onlyB: 1 });
    assert.deepEqual(await leftRight(repo, base, main), { onlyA: 0, onlyB: 2 });
    assert.deepEqual(await leftRight(repo, main, main), { onlyA: 0, onlyB: 0 });
  });
  it('shortShas: one abbreviation per name given, repeats included', async () => {
    const got = await shortShas(repo, [side, main, side]);
    assert.equal(got.length, 3);
    assert.ok(main.startsWith(got[1] ?? 'x') && side.startsWith(got[0] ?? 'x'));
    assert.equal(got[0], got[2]);
    assert.ok((got[0] ?? '').length >= 7);
  });
});
