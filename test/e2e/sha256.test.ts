// SHA-256 repositories end to end: a first push creates the VM repository with
// the local hash algorithm, everything else works as with SHA-1, and pushing
// between repositories of different algorithms is refused before anything is sent.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeRepo, startVm, type TestVm } from '../harness/vm.js';

let vm: TestVm;
let repo: string;
let home: string;
const git = (args: readonly string[], cwd = repo) => vm.run('git', args, { cwd });
const must = async (args: readonly string[], cwd = repo) => {
  const r = await git(args, cwd);
  assert.equal(r.code, 0, `git ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
};
const vmFormat = async (subpath: string) => (await vm.vmGit(subpath, ['rev-parse', '--show-object-format'])).stdout.trim();

before(async () => {
  vm = await startVm();
  home = join(vm.dir, 'home');
  repo = join(home, 's256');
  mkdirSync(repo);
  await must(['init', '-q', '-b', 'main', '--object-format=sha256']);
  writeFileSync(join(repo, 'f.txt'), 'one\n');
  await must(['add', 'f.txt']);
  await must(['commit', '-q', '-m', 'first']);
});

after(async () => {
  await vm.stop();
});

describe('SHA-256 repositories', () => {
  it('a first push creates a SHA-256 repository on the VM', async () => {
    const r = await git(['push', 'yolovm::s256', 'main']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(await vmFormat('s256'), 'sha256');
    assert.equal((await vm.vmGit('s256', ['rev-parse', 'main'])).stdout.trim(), await must(['rev-parse', 'main']));
    assert.match(await must(['rev-parse', 'main']), /^[0-9a-f]{64}$/);
  });

  it('ls-remote, fetch and clone (the clone is SHA-256)', async () => {
    writeFileSync(join(vm.workspace, 's256', 'agent.txt'), 'agent\n');
    await vm.vmGit('s256', ['add', 'agent.txt']);
    await vm.vmGit('s256', ['commit', '-q', '-m', 'agent']);
    const tip = (await vm.vmGit('s256', ['rev-parse', 'main'])).stdout.trim();
    assert.match(await must(['ls-remote', 'yolovm::s256']), new RegExp(`^${tip}\trefs/heads/main$`, 'm'));
    await must(['fetch', 'yolovm::s256', 'main']);
    assert.equal(await must(['rev-parse', 'FETCH_HEAD']), tip);
    await must(['clone', '-q', 'yolovm::s256', 'cloned'], home);
    assert.equal(await must(['rev-parse', '--show-object-format'], join(home, 'cloned')), 'sha256');
    assert.equal(await must(['rev-parse', 'HEAD'], join(home, 'cloned')), tip);
  });

  it('git yolo-fetch, yolo-diff and yolo-push', async () => {
    let r = await git(['yolo-fetch', 'main', 's256']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /Fast-forwarded main/);
    writeFileSync(join(vm.workspace, 's256', 'wip.txt'), 'uncommitted\n');
    r = await git(['yolo-diff', 'main', 's256']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^ {2}A created +wip\.txt$/m);
    r = await git(['yolo-fetch', '--wip', 'main', 's256']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /Applied the VM's 1 uncommitted change/);
    await must(['add', 'wip.txt']);
    await must(['commit', '-q', '-m', 'take the wip']);
    await vm.vmGit('s256', ['clean', '-q', '-f']);
    r = await git(['yolo-push', 'main', 's256']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /Pushed main to .*s256: 1 commit/);
    r = await git(['yolo-push', 'main', 's256-new']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(await vmFormat('s256-new'), 'sha256');
  });

  it('SHA-256 into an existing SHA-1 VM repository is refused before anything is sent (and the reverse)', async () => {
    const sha1 = await makeRepo(vm, 'sha1repo');
    assert.equal((await vm.run('git', ['push', 'yolovm::old-sha1', 'main'], { cwd: sha1 })).code, 0);
    const before = (await vm.vmGit('old-sha1', ['for-each-ref'])).stdout;
    for (const [cmd, args] of [
      ['git', ['push', 'yolovm::old-sha1', 'main:other']],
      ['git', ['yolo-push', 'main', 'old-sha1']],
    ] as const) {
      const r = await vm.run(cmd, args, { cwd: repo });
      assert.notEqual(r.code, 0);
      assert.match(
        r.stderr,
        /^error: The VM repository at .*old-sha1 uses SHA-1 and this repository uses SHA-256: they cannot exchange commits\nhint: Push to a new subpath/m,
      );
      assert.doesNotMatch(r.stderr, /Lost the connection|protocol error/);
      if (args[0] === 'yolo-push') assert.equal(r.code, 3);
    }
    assert.equal((await vm.vmGit('old-sha1', ['for-each-ref'])).stdout, before, 'nothing changed on the VM');
    const reverse = await vm.run('git', ['yolo-push', 'main', 's256'], { cwd: sha1 });
    assert.equal(reverse.code, 3, reverse.stderr);
    assert.match(reverse.stderr, /uses SHA-256 and this repository uses SHA-1/);
    assert.equal(existsSync(join(vm.workspace, 's256', 'README')), false, 'nothing of the SHA-1 repository arrived');
  });
});
