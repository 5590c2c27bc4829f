// Submodules end to end: without --recurse-submodules a push says the VM gets
// them empty; with it, `git submodule update --init` works on the VM with no
// way to reach this host; the agent's commits inside one are named on the way back.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeRepo, startVm, type TestVm } from '../harness/vm.js';

let vm: TestVm;
let app: string;
const ws = (...p: string[]) => join(vm.workspace, ...p);
const ok = async (cmd: string, args: string[], cwd: string) => {
  const r = await vm.run(cmd, args, { cwd });
  assert.equal(r.code, 0, `${cmd} ${args.join(' ')}: ${r.stderr}`);
  return r;
};
const agent = async (subpath: string, ...args: string[]) => {
  const r = await vm.vmGit(subpath, args);
  assert.equal(r.code, 0, `git ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
};

before(async () => {
  vm = await startVm();
  const lib = await makeRepo(vm, 'lib');
  app = await makeRepo(vm, 'app');
  await ok('git', ['-c', 'protocol.file.allow=always', 'submodule', 'add', '-q', lib, 'vendor/lib'], app);
  await ok('git', ['commit', '-q', '-m', 'add the lib submodule'], app);
});
after(async () => {
  await vm.stop();
});

describe('submodules', () => {
  it('a push without --recurse-submodules says the agent sees them empty, and how to send them', async () => {
    for (const args of [
      ['yolo-push', 'main', 'plain'],
      ['push', 'yolovm::plain2', 'main'],
    ]) {
      const r = await ok('git', args, app);
      assert.match(
        r.stderr,
        /^warning: main has 1 submodule \(vendor\/lib\): on the VM it is an empty directory\nhint: send them too: git yolo-push --recurse-submodules/m,
      );
      assert.deepEqual(existsSync(ws(args[2] === 'main' ? 'plain' : 'plain2', 'vendor', 'lib', 'README')), false);
    }
    // The empty directory is part of the repository, not a project of its own.
    const status = await vm.run('yolovm', ['status', 'plain'], { cwd: app });
    assert.equal(status.code, 0, status.stderr);
    assert.doesNotMatch(status.stdout, /vendor/);
    assert.match(status.stdout, /^1 project; /m);
  });

  it('--recurse-submodules sends the recorded commit; git submodule update --init then works on the VM, offline', async () => {
    const r = await ok('git', ['yolo-push', '--recurse-submodules', 'main', 'app'], app);
    assert.doesNotMatch(r.stderr, /warning/);
    assert.match(r.stderr, /^Sent submodule vendor\/lib \([0-9a-f]{7}\) to \S+:.*\/app\/\.git\/modules\/vendor\/lib$/m);
    assert.match(r.stderr, /git submodule update --init` in \S+\/app checks it out \(offline\)/);
    // The URL in .gitmodules is a path on this host the VM cannot see as such; nothing is cloned.
    await agent('app', 'submodule', 'update', '--init');
    assert.equal(readFileSync(ws('app', 'vendor', 'lib', 'README'), 'utf8'), 'hello\n');
    const again = await ok('git', ['yolo-push', '--recurse-submodules', 'main', 'app'], app);
    assert.match(again.stderr, /^Submodule vendor\/lib is already on the VM/m);
  });

  it('git config yolovm.recurseSubmodules true makes it the default; --no-recurse-submodules says it again', async () => {
    await ok('git', ['config', 'yolovm.recurseSubmodules', 'true'], app);
    let r = await ok('git', ['yolo-push', 'main', 'bydefault'], app);
    assert.match(r.stderr, /^Sent submodule vendor\/lib/m);
    r = await ok('git', ['yolo-push', '-f', '--no-recurse-submodules', 'main', 'notnow'], app);
    assert.match(r.stderr, /^warning: main has 1 submodule/m);
    await ok('git', ['config', '--unset', 'yolovm.recurseSubmodules'], app);
  });

  it("the agent's commits inside a submodule are named by yolo-diff and yolo-fetch, with the fetch that brings them", async () => {
    await agent('app/vendor/lib', 'commit', '-q', '--allow-empty', '-m', 'agent work in the lib');
    const inner = await agent('app/vendor/lib', 'rev-parse', 'HEAD');
    const diff = await ok('git', ['yolo-diff', 'main', 'app'], app);
    const line = new RegExp(
      `^Submodule vendor/lib: the VM is at ${inner.slice(0, 7)}, commits the agent made there that this host lacks; bring them: git -C vendor/lib fetch yolovm::app/\\.git/modules/vendor/lib ${inner}$`,
      'm',
    );
    assert.match(diff.stdout, line);
    await agent('app', 'commit', '-q', '-am', 'bump the lib');
    const fetched = await ok('git', ['yolo-fetch', 'main', 'app'], app);
    assert.match(fetched.stderr, line);
    // The command it names works.
    await ok('git', ['-C', 'vendor/lib', 'fetch', '-q', 'yolovm::app/.git/modules/vendor/lib', inner], app);
    await ok('git', ['-C', 'vendor/lib', 'cat-file', '-e', `${inner}^{commit}`], app);
    const after = await ok('git', ['yolo-diff', 'main', 'app'], app);
    assert.doesNotMatch(after.stdout, /^Submodule /m);
    // The submodule's work tree on the VM is a project of its own, which this host now has whole.
    const status = await vm.run('yolovm', ['status', '--check', 'app'], { cwd: app });
    assert.equal(status.code, 0, status.stdout);
    assert.match(status.stdout, /^ {4}app\/vendor\/lib\/ +git \(detached\) +nothing this host lacks$/m);
  });
});
