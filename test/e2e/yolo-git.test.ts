// git yolo-push / git yolo-fetch end to end against the real sshd harness.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ROOT, makeRepo, run, startVm, type TestVm, gitIn } from '../harness/vm.js';

let vm: TestVm;
let repo: string;
const { git, sha } = gitIn(
  () => vm,
  () => repo,
);
const yolo = (...args: string[]) => vm.run('git', args, { cwd: repo });

/** Run a shell command as the agent on the VM, over ssh, like a person would. */
async function onVm(script: string) {
  const r = await vm.run('ssh', ['-F', vm.sshConfig, `${vm.env.YOLOVM_USER ?? ''}@127.0.0.1`, script]);
  assert.equal(r.code, 0, r.stderr);
  return r;
}

async function commitOnVm(subpath: string, file: string, text: string, message: string) {
  const dir = join(vm.workspace, subpath);
  await onVm(`cd '${dir}' && printf '%s\\n' '${text}' >> '${file}' && git add '${file}' && git commit -q -m '${message}'`);
}

before(async () => {
  vm = await startVm();
  repo = await makeRepo(vm, 'test-project');
});
after(async () => {
  await vm.stop();
});

describe('the original design’s integration workflow', () => {
  it('push a branch, commit on the VM over ssh, fetch it back: both commits and the change arrive', async () => {
    writeFileSync(join(repo, 'file.txt'), 'test\n');
    await git('add', 'file.txt');
    await git('commit', '-q', '-m', 'Initial commit');
    await git('checkout', '-q', '-b', 'test-branch');
    let r = await yolo('yolo-push', 'test-branch');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /Pushed new branch test-branch to \S+@127\.0\.0\.1:.*\/ws: 2 commits, up to [0-9a-f]{7}/);
    assert.match(r.stderr, /VM work tree: on branch test-branch/);
    await commitOnVm('', 'file.txt', 'modified', 'Modified on VM');
    r = await yolo('yolo-fetch', 'test-branch');
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stderr,
      /Fast-forwarded test-branch \(and the work tree in .*\) [0-9a-f]{7}\.\.[0-9a-f]{7} from .* \(1 new commit\):\n {2}[0-9a-f]{7} Modified on VM/,
    );
    const log = (await git('log', '--format=%s', 'test-branch')).stdout.split('\n');
    assert.deepEqual(log.slice(0, 3), ['Modified on VM', 'Initial commit', 'initial commit']);
    assert.equal(readFileSync(join(repo, 'file.txt'), 'utf8'), 'test\nmodified\n');
  });
});

describe('git yolo-push', () => {
  it('pushes to a subpath, says what moved, and is harmless to re-run', async () => {
    let r = await yolo('yolo-push', 'test-branch', 'myapp');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(await sha('HEAD', join(vm.workspace, 'myapp')), await sha('test-branch'));
    writeFileSync(join(repo, 'two.txt'), '2\n');
    await git('add', 'two.txt');
    await git('commit', '-q', '-m', 'two');
    r = await yolo('yolo-push', 'test-branch', 'myapp');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /Pushed test-branch to .*myapp: 1 commit, [0-9a-f]+\.\.[0-9a-f]+/);
    r = await yolo('yolo-push', 'test-branch', 'myapp');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /test-branch is already up to date on .*myapp/);
  });

  it('leaves the VM on the pushed branch even when it was up to date; --no-checkout leaves the checkout alone', async () => {
    await vm.vmGit('myapp', ['checkout', '-q', '-b', 'elsewhere']);
    let r = await yolo('yolo-push', 'test-branch', 'myapp');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /test-branch is already up to date on .*myapp/);
    assert.match(r.stderr, /VM work tree: on branch test-branch$/m);
    assert.equal((await vm.vmGit('myapp', ['branch', '--show-current'])).stdout.trim(), 'test-branch');
    await vm.vmGit('myapp', ['checkout', '-q', 'elsewhere']);
    r = await yolo('yolo-push', '--no-checkout', 'test-branch', 'myapp');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /VM work tree: on branch elsewhere$/m);
    assert.equal((await vm.vmGit('myapp', ['branch', '--show-current'])).stdout.trim(), 'elsewhere');
    // Uncommitted work on the VM is never touched.
    writeFileSync(join(vm.workspace, 'myapp', 'wip.txt'), 'agent wip\n');
    await vm.vmGit('myapp', ['add', 'wip.txt']);
    r = await yolo('yolo-push', 'test-branch', 'myapp');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /VM work tree: on branch elsewhere, with uncommitted changes \(left there, not switched to test-branch/);
    await vm.vmGit('myapp', ['rm', '-q', '-f', 'wip.txt']);
    await vm.vmGit('myapp', ['checkout', '-q', 'test-branch']);
    await vm.vmGit('myapp', ['branch', '-q', '-D', 'elsewhere']);
  });

  it('a new branch counts only the commits that moved', async () => {
    await git('branch', 'copy', 'test-branch');
    const r = await yolo('yolo-push', 'copy', 'myapp');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /Pushed new branch copy to .*myapp: 0 commits, up to [0-9a-f]{7}/);
    await vm.vmGit('myapp', ['checkout', '-q', 'test-branch']);
  });

  it('a first push refused by files already there leaves nothing behind, and says so', async () => {
    mkdirSync(join(vm.workspace, 'taken'));
    writeFileSync(join(vm.workspace, 'taken', 'file.txt'), 'already here\n');
    const r = await yolo('yolo-push', 'test-branch', 'taken');
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /^error: Push of 'test-branch' refused: files already at .*taken would be overwritten/m);
    assert.match(r.stderr, /^hint: Nothing was left on the VM/m);
    assert.equal(existsSync(join(vm.workspace, 'taken', '.git')), false);
    assert.equal(readFileSync(join(vm.workspace, 'taken', 'file.txt'), 'utf8'), 'already here\n');
  });

  it('a first push into a directory that already holds other files says they are now untracked there', async () => {
    for (const [cmd, sub] of [
      ['yolo-push', 'held'],
      ['push', 'held2'],
    ] as const) {
      mkdirSync(join(vm.workspace, sub));
      writeFileSync(join(vm.workspace, sub, 'notes.txt'), 'the agent was here\n');
      writeFileSync(join(vm.workspace, sub, 'todo.txt'), 'and here\n');
      const r = cmd === 'push' ? await git('push', `yolovm::${sub}`, 'test-branch') : await yolo('yolo-push', 'test-branch', sub);
      assert.equal(r.code, 0, r.stderr);
      assert.match(
        r.stderr,
        new RegExp(
          `^warning: \\S+/${sub} already held files when the push made it a repository: 2 files there are now untracked \\(left as they were; `,
          'm',
        ),
      );
      assert.equal(readFileSync(join(vm.workspace, sub, 'notes.txt'), 'utf8'), 'the agent was here\n');
    }
    const again = await yolo('yolo-push', '-f', 'test-branch', 'held');
    assert.doesNotMatch(again.stderr, /already held files/);
  });

  it('-n shows what would move and creates nothing', async () => {
    const r = await yolo('yolo-push', '-n', 'test-branch', 'not/yet');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /Would push new branch test-branch to .*not\/yet/);
    assert.equal(existsSync(join(vm.workspace, 'not')), false);
  });

  it('a rejected non-fast-forward is exit 3 with a hint; --force pushes and names the replaced tip', async () => {
    await commitOnVm('myapp', 'vm.txt', 'vm', 'agent commit');
    writeFileSync(join(repo, 'three.txt'), '3\n');
    await git('add', 'three.txt');
    await git('commit', '-q', '-m', 'three');
    let r = await yolo('yolo-push', 'test-branch', 'myapp');
    assert.equal(r.code, 3);
    assert.match(r.stderr, /^error: Push of 'test-branch' rejected: the VM has commits that test-branch does not/m);
    assert.match(r.stderr, /^hint: Bring them back first with `git yolo-fetch test-branch myapp`, or overwrite them with --force\./m);
    r = await yolo('yolo-push', '--force', 'test-branch', 'myapp');
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stderr,
      /\(forced update\); the VM's old tip [0-9a-f]{7} is not in this repository \(on the VM: `git branch rescue [0-9a-f]{7}` recovers it\)/,
    );
    // When the old VM commits are known here, they are counted.
    await commitOnVm('myapp', 'vm2.txt', 'vm2', 'agent commit 2');
    await git('fetch', '-q', 'yolovm::myapp', 'test-branch');
    r = await yolo('yolo-push', '-f', 'test-branch', 'myapp');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /: [0-9a-f]+\.\.\.[0-9a-f]+ \(forced update\): 0 new commits; replaced 1 VM commit, old tip [0-9a-f]{7}/);
  });

  it('a dirty VM work tree is exit 3, and the agent edits stay', async () => {
    const file = join(vm.workspace, 'myapp', 'file.txt');
    writeFileSync(file, 'agent wip\n');
    writeFileSync(join(repo, 'four.txt'), '4\n');
    await git('add', 'four.txt');
    await git('commit', '-q', '-m', 'four');
    const r = await yolo('yolo-push', 'test-branch', 'myapp');
    assert.equal(r.code, 3);
    assert.match(r.stderr, /error: Push of 'test-branch' refused: the VM work tree at .* has uncommitted changes/);
    assert.equal(readFileSync(file, 'utf8'), 'agent wip\n');
    await vm.vmGit('myapp', ['checkout', '--', 'file.txt']);
  });

  it('works from a subdirectory and from another worktree', async () => {
    const sub = join(repo, 'deep');
    await vm.run('mkdir', ['-p', sub]);
    let r = await vm.run('git', ['yolo-push', 'main', 'from-sub'], { cwd: sub });
    assert.equal(r.code, 0, r.stderr);
    const wt = join(vm.dir, 'home', 'wt');
    await git('worktree', 'add', '-q', '-b', 'wt-branch', wt, 'main');
    r = await vm.run('git', ['yolo-push', 'wt-branch', 'from-wt'], { cwd: wt });
    assert.equal(r.code, 0, r.stderr);
    assert.equal((await vm.vmGit('from-wt', ['branch', '--show-current'])).stdout.trim(), 'wt-branch');
  });

  it('errors: not a repository, unknown branch, bad branch name, bad subpath, bad usage (exit 1)', async () => {
    const cases: [string[], string | undefined, RegExp][] = [
      [['yolo-push', 'main'], vm.dir, /^error: Must run from a git repository\nhint: /],
      [['yolo-push', 'nope'], undefined, /^error: Branch 'nope' not found\nhint: /],
      [['yolo-push', 'a..b'], undefined, /^error: Invalid branch name "a\.\.b"/],
      [['yolo-push', '--', '-x'], undefined, /^error: Invalid branch name "-x"/],
      [['yolo-push', 'main', '../escape'], undefined, /^error: Invalid workspace subpath "\.\.\/escape"/],
      [['yolo-push', '--bogus', 'main'], undefined, /^error: unknown option '--bogus'/],
      [['yolo-fetch', 'main'], vm.dir, /^error: Must run from a git repository/],
      [['yolo-fetch', 'main', '/abs'], undefined, /^error: Invalid workspace subpath "\/abs": absolute paths/],
    ];
    for (const [args, cwd, want] of cases) {
      const r = await vm.run('git', args, { cwd: cwd ?? repo });
      assert.equal(r.code, 1, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, want);
      assert.equal(r.stderr.trim().split('\n').length, 2, `two lines: ${r.stderr}`);
    }
  });

  it('no branch given: the current one, said; a detached HEAD is refused with a hint', async () => {
    const here = await makeRepo(vm, 'current-branch');
    await vm.run('git', ['checkout', '-q', '-b', 'topic'], { cwd: here });
    const push = await vm.run('git', ['yolo-push', '-n'], { cwd: here });
    assert.equal(push.code, 0, push.stderr);
    assert.match(push.stderr, /^Using the current branch 'topic'$/m);
    assert.match(push.stderr, /topic/);
    await vm.run('git', ['checkout', '-q', '--detach'], { cwd: here });
    for (const cmd of ['yolo-push', 'yolo-fetch']) {
      const r = await vm.run('git', [cmd], { cwd: here });
      assert.equal(r.code, 1, r.stderr);
      assert.equal(
        r.stderr,
        `error: No branch given, and HEAD is not on a branch (detached)\nhint: Name the branch: \`git ${cmd} <branch>\`.\n`,
      );
    }
  });

  it('the first loop from a plain git push: the location is remembered, git yolo-diff and yolo-fetch need no arguments', async () => {
    const here = await makeRepo(vm, 'first-loop');
    const push = await vm.run('git', ['push', 'yolovm::loop', 'main'], { cwd: here });
    assert.equal(push.code, 0, push.stderr);
    assert.match(push.stderr, /Remembered 'loop' as this repository's VM location/);
    assert.equal((await vm.run('git', ['config', 'yolovm.subpath'], { cwd: here })).stdout, 'loop\n');
    const diff = await vm.run('git', ['yolo-diff'], { cwd: here });
    assert.equal(diff.code, 0, diff.stderr);
    assert.match(diff.stderr, /Using this repository's VM location 'loop'/);
    const fetch = await vm.run('git', ['yolo-fetch'], { cwd: here });
    assert.equal(fetch.code, 0, fetch.stderr);
    assert.match(fetch.stderr, /^Using the current branch 'main'$/m);
    const again = await vm.run('git', ['push', 'yolovm::elsewhere', 'main'], { cwd: here });
    assert.equal(again.code, 0, again.stderr);
    assert.equal((await vm.run('git', ['config', 'yolovm.subpath'], { cwd: here })).stdout, 'loop\n', 'never changed once set');
  });

  it('VM unreachable is exit 2, VM address missing is exit 1', async () => {
    let r = await vm.run('git', ['yolo-push', 'main'], {
      cwd: repo,
      env: { YOLOVM_SSH: `ssh -F ${vm.sshConfig} -p 1`, YOLOVM_CONTROL_PERSIST: 'no' },
    });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /^error: Cannot connect to VM at 127\.0\.0\.1: connection refused/m);
    r = await vm.run('git', ['yolo-fetch', 'main'], { cwd: repo, env: { YOLOVM_HOST: '', YOLOVM_TERRAFORM_DIR: join(vm.dir, 'tf') } });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /^error: Terraform directory .* not found/m);
  });
});

describe('git yolo-fetch', () => {
  it('creates a missing local branch, listing only the new commits', async () => {
    await vm.vmGit('myapp', ['checkout', '-q', '-b', 'agent-branch']);
    await commitOnVm('myapp', 'agent.txt', 'a', 'agent: new branch work');
    const r = await yolo('yolo-fetch', 'agent-branch', 'myapp');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /Created branch agent-branch at [0-9a-f]{7} from .* \(1 new commit\):\n {2}[0-9a-f]{7} agent: new branch work/);
    assert.equal(await sha('agent-branch'), await sha('agent-branch', join(vm.workspace, 'myapp')));
  });

  it('fast-forwards a branch that is not checked out, then says up to date', async () => {
    await commitOnVm('myapp', 'agent.txt', 'b', 'agent: more');
    let r = await yolo('yolo-fetch', 'agent-branch', 'myapp');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /Fast-forwarded agent-branch [0-9a-f]+\.\.[0-9a-f]+ .*\(1 new commit\)/);
    r = await yolo('yolo-fetch', 'agent-branch', 'myapp');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /agent-branch is already up to date/);
  });

  it('fast-forwards a checked-out branch with unrelated local edits, keeping them (as git merge --ff-only)', async () => {
    await git('checkout', '-q', 'agent-branch');
    await commitOnVm('myapp', 'agent.txt', 'b2', 'agent: unrelated to my edit');
    writeFileSync(join(repo, 'mine-only.txt'), 'my edit\n');
    await git('add', 'mine-only.txt');
    writeFileSync(join(repo, 'untracked.txt'), 'untracked\n');
    const r = await yolo('yolo-fetch', 'agent-branch', 'myapp');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(await sha('agent-branch'), await sha('agent-branch', join(vm.workspace, 'myapp')));
    assert.equal(readFileSync(join(repo, 'mine-only.txt'), 'utf8'), 'my edit\n');
    assert.equal(readFileSync(join(repo, 'untracked.txt'), 'utf8'), 'untracked\n');
    assert.match((await git('status', '--porcelain')).stdout, /^A {2}mine-only\.txt$/m);
    await git('rm', '-q', '--cached', 'mine-only.txt');
    rmSync(join(repo, 'mine-only.txt'));
    rmSync(join(repo, 'untracked.txt'));
    await git('checkout', '-q', 'main');
  });

  it('refuses to touch a checked-out branch with local edits (exit 1), then fast-forwards once clean', async () => {
    await git('checkout', '-q', 'agent-branch');
    await commitOnVm('myapp', 'agent.txt', 'c', 'agent: third');
    writeFileSync(join(repo, 'agent.txt'), 'my local edit\n');
    const before = await sha('agent-branch');
    let r = await yolo('yolo-fetch', 'agent-branch', 'myapp');
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /^error: Branch 'agent-branch' is checked out in .* with local changes the VM's commits would overwrite: agent\.txt\nhint: Nothing was changed\./m,
    );
    assert.equal(readFileSync(join(repo, 'agent.txt'), 'utf8'), 'my local edit\n');
    assert.equal(await sha('agent-branch'), before);
    await git('checkout', '--', 'agent.txt');
    r = await yolo('yolo-fetch', 'agent-branch', 'myapp');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(readFileSync(join(repo, 'agent.txt'), 'utf8'), 'a\nb\nb2\nc\n');
  });

  it("prints its own summary, not git's lines for refs/yolovm/ and the snapshot; -v shows them", async () => {
    await yolo('yolo-push', 'test-branch', 'noise');
    for (const text of ['one\n', 'two\n']) {
      writeFileSync(join(vm.workspace, 'noise', 'wip.txt'), text);
      const r = await yolo('yolo-fetch', 'test-branch', 'noise');
      assert.equal(r.code, 0, r.stderr);
      assert.doesNotMatch(r.stderr, /From |forced update|-> refs\/yolovm\/|FETCH_HEAD/);
      assert.match(r.stderr, /^The VM work tree \(on test-branch\) has 1 uncommitted change \(\?\? wip\.txt\): saved as /m);
    }
    writeFileSync(join(vm.workspace, 'noise', 'wip.txt'), 'three\n');
    const v = await yolo('yolo-fetch', '-v', 'test-branch', 'noise');
    assert.match(v.stderr, /refs\/yolovm\/snapshot +-> FETCH_HEAD/);
    assert.match(v.stderr, /update-ref .* refs\/yolovm\/default\/noise\/wip [0-9a-f]{40}/);
  });

  it('fast-forwards a branch checked out in another worktree, with its work tree', async () => {
    const wt = join(vm.dir, 'home', 'wt2');
    await git('worktree', 'add', '-q', wt, 'test-branch');
    await vm.vmGit('myapp', ['checkout', '-q', 'test-branch']);
    await git('checkout', '-q', 'main');
    const r0 = await yolo('yolo-push', '--force', 'test-branch', 'myapp');
    assert.equal(r0.code, 0, r0.stderr);
    await commitOnVm('myapp', 'wt.txt', 'from vm', 'agent: for the worktree');
    const r = await yolo('yolo-fetch', 'test-branch', 'myapp');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /and the work tree in .*wt2/);
    assert.equal(readFileSync(join(wt, 'wt.txt'), 'utf8'), 'from vm\n');
  });

  it('a diverged branch is exit 3 naming both tips; --force takes the VM version and prints the old tip', async () => {
    await vm.vmGit('myapp', ['checkout', '-q', 'agent-branch']);
    await onVm(`cd '${join(vm.workspace, 'myapp')}' && git commit -q --amend -m 'agent: rewritten'`);
    await git('checkout', '-q', 'agent-branch');
    writeFileSync(join(repo, 'mine.txt'), 'mine\n');
    await git('add', 'mine.txt');
    await git('commit', '-q', '-m', 'local only');
    const localTip = await sha('agent-branch');
    let r = await yolo('yolo-fetch', 'agent-branch', 'myapp');
    assert.equal(r.code, 3);
    assert.match(
      r.stderr,
      new RegExp(
        `^error: Branch 'agent-branch' has diverged from the VM: the VM has 1 commit that local agent-branch lacks, and local has 2 commits the VM lacks \\(local ${localTip.slice(0, 7)}, VM [0-9a-f]{7}\\)`,
        'm',
      ),
    );
    assert.doesNotMatch(r.stderr, /rewritten/);
    assert.equal(await sha('agent-branch'), localTip);
    r = await yolo('yolo-fetch', '-n', '--force', 'agent-branch', 'myapp');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /Would force agent-branch/);
    assert.equal(await sha('agent-branch'), localTip, 'dry run changes nothing');
    r = await yolo('yolo-fetch', '--force', 'agent-branch', 'myapp');
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stderr,
      new RegExp(
        `Replaced 2 local commits; the old tip was ${localTip.slice(0, 7)}\\. Recover with: git branch agent-branch-before-fetch ${localTip.slice(0, 7)}`,
      ),
    );
    assert.equal(await sha('agent-branch'), await sha('agent-branch', join(vm.workspace, 'myapp')));
    assert.equal(existsSync(join(repo, 'mine.txt')), false);
    assert.equal((await git('cat-file', '-t', localTip)).stdout.trim(), 'commit', 'the old tip is still recoverable');
  });

  it('-n fetches nothing and moves nothing', async () => {
    await commitOnVm('myapp', 'agent.txt', 'd', 'agent: fourth');
    const before = await sha('agent-branch');
    const r = await yolo('yolo-fetch', '-n', 'agent-branch', 'myapp');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /Would fetch agent-branch .* not here yet/);
    assert.equal(await sha('agent-branch'), before);
  });

  it('a branch or path missing on the VM is named (exit 1)', async () => {
    let r = await yolo('yolo-fetch', 'no-such-branch', 'myapp');
    assert.equal(r.code, 1);
    assert.doesNotMatch(r.stderr, /fatal: couldn't find remote ref/);
    assert.equal(r.stderr.trim().split('\n').length, 2, r.stderr);
    assert.match(r.stderr, /^error: Branch 'no-such-branch' not found on the VM at .*myapp\nhint: /m);
    r = await yolo('yolo-fetch', 'main', 'no/such/path');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^error: Workspace path 'no\/such\/path' not on VM/m);
    assert.equal(existsSync(join(vm.workspace, 'no')), false);
  });
});

describe('help, version, -v', () => {
  it('--version on every command; git-remote-yolovm -h says what it is', async () => {
    const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
    for (const [cmd, args] of [
      ['git', ['yolo-push', '--version']],
      ['git', ['yolo-fetch', '--version']],
      ['git', ['yolo-diff', '--version']],
      ['yolo-dir', ['--version']],
      ['yolovm', ['--version']],
      ['git-remote-yolovm', ['--version']],
    ] as const) {
      const r = await vm.run(cmd, args, { cwd: repo });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`\\(yolovm\\) ${version.replaceAll('.', '\\.')}\n$`));
    }
    const h = await vm.run('git-remote-yolovm', ['-h'], { cwd: repo });
    assert.equal(h.code, 0, h.stderr);
    assert.match(h.stdout, /^git-remote-yolovm: the git remote helper for yolovm:: URLs/);
    assert.doesNotMatch(h.stdout + h.stderr, /Invalid workspace subpath/);
  });

  it('-v shows the commands run, with the VM script as a short stand-in', async () => {
    for (const [cmd, args] of [
      ['git', ['yolo-push', '-v', 'test-branch', 'myapp']],
      ['git', ['push', '-v', 'yolovm::myapp', 'test-branch']],
      ['yolo-dir', ['-v', 'ls']],
    ] as const) {
      const r = await vm.run(cmd, args, { cwd: repo });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /yolovm: \+ ssh .*"\$\(cat vm\.sh\)"/);
      assert.doesNotMatch(r.stderr, /find_repo\(\)/, 'the script itself is not shown');
    }
  });

  it('man yolo-dir renders', async () => {
    const man = await run('man', ['-l', join(ROOT, 'man', 'man1', 'yolo-dir.1')], {
      ...vm.env,
      MANPAGER: 'cat',
      PAGER: 'cat',
      MANWIDTH: '80',
    });
    assert.equal(man.code, 0, man.stderr);
    assert.match(man.stdout, /yolo-dir - sync a directory with the yolo VM workspace/);
  });

  it('-h prints usage and exits 0; --help opens the man page through git', async () => {
    for (const cmd of ['yolo-push', 'yolo-fetch']) {
      const r = await yolo(cmd, '-h');
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`^Usage: git ${cmd} \\[options\\] \\[branch\\] \\[subpath\\]`));
      const man = await run(
        'git',
        [cmd, '--help'],
        { ...vm.env, MANPATH: join(ROOT, 'man'), MANPAGER: 'cat', PAGER: 'cat', MANWIDTH: '80' },
        { cwd: repo },
      );
      assert.equal(man.code, 0, man.stderr);
      assert.match(man.stdout, new RegExp(`git-${cmd}\\s+-\\s+`));
    }
  });
});
