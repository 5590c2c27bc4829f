// git yolo-push runs the repository's pre-push hook exactly as `git push
// yolovm::` does: same arguments, same stdin, refused when it fails (exit 3),
// skipped with --no-verify. Compared side by side.
import assert from 'node:assert/strict';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeRepo, startVm, type TestVm, gitIn } from '../harness/vm.js';

let vm: TestVm;
let repo: string;
const { git } = gitIn(
  () => vm,
  () => repo,
);
const log = () => join(repo, '..', 'hook.log');

/** A pre-push hook that records its arguments and stdin, then exits `code`. */
function hook(code: number): void {
  const file = join(repo, '.git', 'hooks', 'pre-push');
  writeFileSync(file, `#!/bin/sh\n{ echo "args: $1 $2"; cat; echo end; } >>'${log()}'\necho "policy says no" >&2\nexit ${String(code)}\n`);
  chmodSync(file, 0o755);
  writeFileSync(log(), '');
}

before(async () => {
  vm = await startVm();
  repo = await makeRepo(vm, 'hooked');
});
after(async () => {
  await vm.stop();
});

describe('pre-push hooks', () => {
  it('a failing hook stops git push yolovm:: and git yolo-push alike; nothing reaches the VM', async () => {
    hook(1);
    const plain = await git('push', 'yolovm::a', 'main');
    assert.notEqual(plain.code, 0);
    const viaGit = readFileSync(log(), 'utf8');
    writeFileSync(log(), '');
    const ours = await git('yolo-push', 'main', 'a');
    assert.equal(ours.code, 3, ours.stderr);
    assert.match(ours.stderr, /policy says no/);
    assert.match(
      ours.stderr,
      /^error: Push of 'main' to yolovm::a stopped by the pre-push hook \(.*pre-push exited 1\): nothing was sent$/m,
    );
    assert.match(ours.stderr, /^hint: .*--no-verify/m);
    assert.equal(readFileSync(log(), 'utf8'), viaGit, 'the same arguments and stdin as git push gives it');
    assert.match(viaGit, /^args: yolovm::a yolovm::a\nrefs\/heads\/main [0-9a-f]{40} refs\/heads\/main 0{40}\nend\n$/);
    const ls = await git('ls-remote', 'yolovm::a');
    assert.doesNotMatch(ls.stdout, /refs\/heads\/main/);
  });

  it('--no-verify skips it; a passing hook sees the VM tip it replaces, as git push shows it', async () => {
    writeFileSync(log(), '');
    const skipped = await git('yolo-push', '--no-verify', 'main', 'a');
    assert.equal(skipped.code, 0, skipped.stderr);
    assert.equal(readFileSync(log(), 'utf8'), '', 'not run');
    hook(0);
    const before = (await git('rev-parse', 'main')).stdout.trim();
    await git('commit', '-q', '--allow-empty', '-m', 'two');
    const ours = await git('yolo-push', 'main', 'a');
    assert.equal(ours.code, 0, ours.stderr);
    const now = (await git('rev-parse', 'main')).stdout.trim();
    assert.equal(readFileSync(log(), 'utf8'), `args: yolovm::a yolovm::a\nrefs/heads/main ${now} refs/heads/main ${before}\nend\n`);
    writeFileSync(log(), '');
    const upToDate = await git('push', 'yolovm::a', 'main');
    assert.equal(upToDate.code, 0, upToDate.stderr);
    const viaGit = readFileSync(log(), 'utf8');
    writeFileSync(log(), '');
    const oursUpToDate = await git('yolo-push', 'main', 'a');
    assert.equal(oursUpToDate.code, 0, oursUpToDate.stderr);
    assert.equal(readFileSync(log(), 'utf8'), viaGit, 'up to date: run with no line, as git does');
  });
});
