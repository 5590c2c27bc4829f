// git-remote-yolovm end to end: real git, real ssh, real sshd on loopback.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { alive, makeRepo, signal, startVm, waitGone, type TestVm, gitIn } from '../harness/vm.js';

let vm: TestVm;
let repo: string;
const { git, sha } = gitIn(
  () => vm,
  () => repo,
);

before(async () => {
  vm = await startVm();
  repo = await makeRepo(vm, 'project');
  await git('checkout', '-q', '-b', 'feature-auth');
  writeFileSync(join(repo, 'auth.txt'), 'login\n');
  await git('add', 'auth.txt');
  await git('commit', '-q', '-m', 'add auth');
});

after(async () => {
  const masters = vm.masters();
  await vm.stop();
  assert.ok(masters.length > 0, 'commands share one connection');
  for (const pid of [vm.sshdPid, ...masters]) assert.equal(alive(pid), false, `process ${pid} still running`);
});

describe('push', () => {
  it('creates and fills the VM repository on first push, on the pushed branch', async () => {
    const r = await git('push', 'yolovm::myapp', 'feature-auth');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /\* \[new branch\]\s+feature-auth -> feature-auth/);
    assert.match(r.stderr, /created a git repository/);
    const ws = join(vm.workspace, 'myapp');
    assert.equal(readFileSync(join(ws, 'auth.txt'), 'utf8'), 'login\n');
    assert.equal((await vm.vmGit('myapp', ['branch', '--show-current'])).stdout.trim(), 'feature-auth');
    assert.equal((await vm.vmGit('myapp', ['config', 'receive.denyCurrentBranch'])).stdout.trim(), 'updateInstead');
    assert.equal((await vm.vmGit('myapp', ['status', '--porcelain'])).stdout, '');
  });

  it('YOLOVM_HELPER_DEBUG=1 traces every protocol line, as GIT_TRANSPORT_HELPER_DEBUG does for git', async () => {
    const r = await vm.run('git', ['ls-remote', 'yolovm::myapp'], { cwd: repo, env: { YOLOVM_HELPER_DEBUG: '1' } });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^yolovm helper: <- capabilities$/m);
    assert.match(r.stderr, /^yolovm helper: -> connect$/m);
    assert.match(r.stderr, /^yolovm helper: <- connect git-upload-pack$/m);
    const quiet = await vm.run('git', ['ls-remote', 'yolovm::myapp'], { cwd: repo });
    assert.doesNotMatch(quiet.stderr, /yolovm helper:/);
  });

  it('updates the VM work tree on a second push', async () => {
    writeFileSync(join(repo, 'auth.txt'), 'login\nlogout\n');
    await git('commit', '-q', '-am', 'logout');
    const r = await git('push', 'yolovm::myapp', 'feature-auth');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(readFileSync(join(vm.workspace, 'myapp', 'auth.txt'), 'utf8'), 'login\nlogout\n');
    assert.equal(await sha('HEAD', join(vm.workspace, 'myapp')), await sha('feature-auth'));
  });

  it('a push to a repository that is there is one ssh session: the refs, then the request in it', async () => {
    const sessions = () => vm.sshdLog().match(/Starting session: /g)?.length ?? 0;
    writeFileSync(join(repo, 'auth.txt'), 'login\nlogout\nagain\n');
    await git('commit', '-q', '-am', 'again');
    let before = sessions();
    let r = await git('push', 'yolovm::myapp', 'feature-auth');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /[0-9a-f]+\.\.[0-9a-f]+\s+feature-auth -> feature-auth/);
    assert.equal(await sha('HEAD', join(vm.workspace, 'myapp')), await sha('feature-auth'));
    assert.equal(sessions() - before, 1, 'one session');
    // Nothing to push: git asks only for the refs; the session ends with nothing received.
    before = sessions();
    r = await git('push', 'yolovm::myapp', 'feature-auth');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /Everything up-to-date/);
    assert.equal(sessions() - before, 1, 'one session');
    // A dry run changes nothing on the VM.
    writeFileSync(join(repo, 'auth.txt'), 'dry\n');
    await git('commit', '-q', '-am', 'dry');
    r = await git('push', '--dry-run', 'yolovm::myapp', 'feature-auth');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /feature-auth -> feature-auth/);
    assert.notEqual(await sha('HEAD', join(vm.workspace, 'myapp')), await sha('feature-auth'));
    r = await git('push', 'yolovm::myapp', 'feature-auth');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(readFileSync(join(vm.workspace, 'myapp', 'auth.txt'), 'utf8'), 'dry\n');
  });

  it('a cold push opens the shared connection with its own session: no `ssh true` before it', async () => {
    const sessions = () => vm.sshdLog().match(/Starting session: /g)?.length ?? 0;
    await vm.endShared();
    assert.deepEqual(vm.masters(), []);
    writeFileSync(join(repo, 'auth.txt'), 'cold\n');
    await git('commit', '-q', '-am', 'cold');
    const before = sessions();
    const auths = vm.authCount();
    const r = await git('push', 'yolovm::myapp', 'feature-auth');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(await sha('HEAD', join(vm.workspace, 'myapp')), await sha('feature-auth'));
    assert.equal(sessions() - before, 1, 'one session, over the connection it opened');
    assert.equal(vm.authCount() - auths, 1, 'one authentication');
    assert.equal(vm.masters().length, 1, 'the shared connection stays for the next command');
    // ...which the next command uses: no authentication.
    const next = await git('push', 'yolovm::myapp', 'feature-auth');
    assert.equal(next.code, 0, next.stderr);
    assert.equal(vm.authCount() - auths, 1);
  });

  it('never makes a repository of a workspace root that holds other projects', async () => {
    const r = await git('push', 'yolovm::', 'main');
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /^error: Workspace path '.*ws' on the VM holds other projects .*\nhint: Give a subpath/m);
    // The root named (an empty subpath): the location the first push remembered is not it.
    const y = await vm.run('git', ['yolo-push', 'main', ''], { cwd: repo });
    assert.equal(y.code, 1, y.stderr);
    assert.match(
      y.stderr,
      /^error: Workspace path .* holds other projects .*\nhint: Give a subpath for this project, e\.g\. `git yolo-push <branch> myapp`\.$/m,
    );
    assert.equal(existsSync(join(vm.workspace, '.git')), false);
    assert.equal(existsSync(join(vm.workspace, 'README')), false);
  });

  it('a first push that brings nothing leaves nothing behind, and says so truly', async () => {
    // The branch would overwrite a file already there: receive-pack refuses it.
    mkdirSync(join(vm.workspace, 'occupied'));
    writeFileSync(join(vm.workspace, 'occupied', 'README'), 'the agent’s own\n');
    const r = await git('push', 'yolovm::occupied', 'main');
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /nothing was pushed, so the repository created at .*occupied was removed/);
    assert.equal(existsSync(join(vm.workspace, 'occupied', '.git')), false);
    assert.equal(readFileSync(join(vm.workspace, 'occupied', 'README'), 'utf8'), 'the agent’s own\n');
    // Directories it made are removed whole (here send-pack gives up: push options are not accepted).
    const deep = await git('push', '-o', 'x', 'yolovm::fresh/deeper/path', 'main');
    assert.notEqual(deep.code, 0);
    assert.match(deep.stderr, /does not support push options/);
    assert.equal(existsSync(join(vm.workspace, 'fresh')), false);
  });

  it('git push -o no-checkout pushes without moving the VM checkout', async () => {
    const r = await git('push', '-o', 'no-checkout', 'yolovm::myapp', 'main:no-co');
    assert.equal(r.code, 0, r.stderr);
    assert.equal((await vm.vmGit('myapp', ['branch', '--show-current'])).stdout.trim(), 'feature-auth');
    assert.match((await git('ls-remote', 'yolovm::myapp')).stdout, /refs\/heads\/no-co/);
  });

  it('works with nested subpaths and spaces, via yolovm:// too', async () => {
    let r = await git('push', 'yolovm::path/to/my repo', 'main');
    assert.equal(r.code, 0, r.stderr);
    assert.ok(existsSync(join(vm.workspace, 'path/to/my repo/README')));
    r = await git('ls-remote', 'yolovm://path/to/my repo');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /refs\/heads\/main/);
  });

  it('checks out a newly pushed branch on the VM', async () => {
    const r = await git('push', 'yolovm::myapp', 'main');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /now on branch 'main'/);
    assert.equal((await vm.vmGit('myapp', ['branch', '--show-current'])).stdout.trim(), 'main');
  });

  it('refuses to touch a dirty VM work tree, and leaves the agent edits intact', async () => {
    const file = join(vm.workspace, 'myapp', 'README');
    writeFileSync(file, 'agent was here\n');
    await git('checkout', '-q', 'main');
    writeFileSync(join(repo, 'README'), 'host change\n');
    await git('commit', '-q', '-am', 'host change');
    const before = await sha('main', join(vm.workspace, 'myapp'));
    let r = await git('push', 'yolovm::myapp', 'main');
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /\[remote rejected\] main -> main \(Working directory has unstaged changes\)/);
    assert.match(r.stderr, /has uncommitted changes/);
    assert.equal(readFileSync(file, 'utf8'), 'agent was here\n');
    assert.equal(await sha('main', join(vm.workspace, 'myapp')), before);
    // Another branch: pushed, but the work tree stays where the agent left it.
    await git('checkout', '-q', 'feature-auth');
    r = await git('push', 'yolovm::myapp', 'feature-auth:side');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /uncommitted changes: it stays on 'main'/);
    assert.equal((await vm.vmGit('myapp', ['branch', '--show-current'])).stdout.trim(), 'main');
    assert.equal(readFileSync(file, 'utf8'), 'agent was here\n');
    await vm.vmGit('myapp', ['checkout', '--', 'README']);
  });

  it('rejects a non-fast-forward, then accepts it with --force', async () => {
    await vm.vmGit('myapp', ['checkout', '-q', 'feature-auth']);
    writeFileSync(join(vm.workspace, 'myapp', 'vm.txt'), 'vm\n');
    await vm.vmGit('myapp', ['add', 'vm.txt']);
    await vm.vmGit('myapp', ['commit', '-q', '-m', 'agent commit']);
    writeFileSync(join(repo, 'local.txt'), 'local\n');
    await git('add', 'local.txt');
    await git('commit', '-q', '-m', 'local commit');
    let r = await git('push', 'yolovm::myapp', 'feature-auth');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /! \[rejected\]\s+feature-auth -> feature-auth \(fetch first\)/);
    await git('fetch', 'yolovm::myapp', 'feature-auth');
    r = await git('push', 'yolovm::myapp', 'feature-auth');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /! \[rejected\]\s+feature-auth -> feature-auth \(non-fast-forward\)/);
    r = await git('push', '--force', 'yolovm::myapp', 'feature-auth');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /\(forced update\)/);
    assert.equal(await sha('feature-auth', join(vm.workspace, 'myapp')), await sha('feature-auth'));
  });

  it('honours --force-with-lease against a stale expectation', async () => {
    const r = await git('push', `--force-with-lease=feature-auth:${await sha('main')}`, 'yolovm::myapp', 'main:feature-auth');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /\(stale info\)/);
  });

  it('pushes tags and deletes branches', async () => {
    await git('tag', 'v1');
    await git('tag', '-a', 'v2', '-m', 'release 2');
    let r = await git('push', 'yolovm::myapp', 'v1', 'v2');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /\[new tag\]\s+v2 -> v2/);
    r = await git('push', 'yolovm::myapp', '--delete', 'side');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /\[deleted\]\s+side/);
    const refs = (await git('ls-remote', 'yolovm::myapp')).stdout;
    assert.match(refs, /refs\/tags\/v2\^\{\}/);
    assert.doesNotMatch(refs, /refs\/heads\/side/);
  });

  it('--atomic pushes all or nothing', async () => {
    const r = await git('push', '--atomic', 'yolovm::myapp', 'main:a1', 'feature-auth:a2');
    assert.equal(r.code, 0, r.stderr);
    const refs = (await git('ls-remote', 'yolovm::myapp')).stdout;
    assert.match(refs, /refs\/heads\/a1/);
    assert.match(refs, /refs\/heads\/a2/);
  });

  it('--dry-run creates nothing on the VM, for a new path and an existing one', async () => {
    let r = await git('push', '--dry-run', 'yolovm::dry/new', 'main');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /\[new branch\]\s+main -> main/);
    assert.equal(existsSync(join(vm.workspace, 'dry')), false);
    r = await git('push', '-n', 'yolovm::myapp', 'main:dry-branch');
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch((await git('ls-remote', 'yolovm::myapp')).stdout, /dry-branch/);
  });

  it('-q prints nothing on success', async () => {
    const r = await git('push', '-q', 'yolovm::myapp', 'main:quiet');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
  });

  it('-v shows the settings and the commands run', async () => {
    const r = await git('push', '-v', 'yolovm::myapp', 'main:verbose');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /yolovm: yolovm\.host = 127\.0\.0\.1 \(from \$YOLOVM_HOST\)/);
    assert.match(r.stderr, /yolovm: \+ ssh /);
  });
});

describe('fetch, clone, ls-remote', () => {
  it('fetches a commit made on the VM', async () => {
    await vm.vmGit('myapp', ['checkout', '-q', 'feature-auth']);
    writeFileSync(join(vm.workspace, 'myapp', 'agent.txt'), 'agent\n');
    await vm.vmGit('myapp', ['add', 'agent.txt']);
    await vm.vmGit('myapp', ['commit', '-q', '-m', 'agent: add file']);
    let r = await git('fetch', 'yolovm::myapp', 'feature-auth');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(await sha('FETCH_HEAD'), await sha('feature-auth', join(vm.workspace, 'myapp')));
    r = await git('fetch', 'yolovm::myapp', 'feature-auth:from-vm');
    assert.equal(r.code, 0, r.stderr);
    assert.equal((await git('log', '-1', '--format=%s', 'from-vm')).stdout.trim(), 'agent: add file');
  });

  it('clones into a directory named after the subpath, on the VM branch', async () => {
    const r = await vm.run('git', ['clone', 'yolovm::myapp'], { cwd: join(vm.dir, 'home') });
    assert.equal(r.code, 0, r.stderr);
    const clone = join(vm.dir, 'home', 'myapp');
    assert.equal((await vm.run('git', ['branch', '--show-current'], { cwd: clone })).stdout.trim(), 'feature-auth');
    assert.ok(existsSync(join(clone, 'agent.txt')));
  });

  it('clones with protocol v0 as well as v2', async () => {
    const r = await vm.run('git', ['-c', 'protocol.version=0', 'clone', '-q', 'yolovm::myapp', 'v0clone'], { cwd: join(vm.dir, 'home') });
    assert.equal(r.code, 0, r.stderr);
    const t = await vm.run('git', ['ls-remote', 'yolovm::myapp'], { cwd: repo, env: { GIT_TRACE_PACKET: '1' } });
    assert.match(t.stderr, /ls-remote< version 2/);
  });

  it('ls-remote lists refs and HEAD', async () => {
    const r = await git('ls-remote', 'yolovm::myapp');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /\tHEAD\n/);
    assert.match(r.stdout, /\trefs\/heads\/feature-auth\n/);
  });

  it('a missing path is an error naming it, and creates nothing', async () => {
    for (const args of [
      ['ls-remote', 'yolovm::nope'],
      ['fetch', 'yolovm::nope', 'main'],
      ['clone', 'yolovm::nope', join(vm.dir, 'home', 'nope-clone')],
    ]) {
      const r = await git(...args);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /Workspace path 'nope' not on VM/);
      assert.doesNotMatch(r.stderr, /Could not read from remote/);
    }
    assert.equal(existsSync(join(vm.workspace, 'nope')), false);
  });

  it('a path that is not a repository is named as such', async () => {
    writeFileSync(join(vm.workspace, 'path', 'plain.txt'), 'x');
    const r = await git('ls-remote', 'yolovm::path');
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /Workspace path 'path' on the VM is not a git repository/);
  });
});

describe('a configured remote', () => {
  it('git remote add, push, fetch, pull, push --delete', async () => {
    let r = await git('remote', 'add', 'vm', 'yolovm::myapp');
    assert.equal(r.code, 0, r.stderr);
    r = await git('push', 'vm', 'main:from-remote');
    assert.equal(r.code, 0, r.stderr);
    r = await git('fetch', 'vm');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(await sha('vm/from-remote'), await sha('main'));
    await git('checkout', '-q', '-b', 'pull-here', 'vm/feature-auth');
    await vm.vmGit('myapp', ['checkout', '-q', 'feature-auth']);
    writeFileSync(join(vm.workspace, 'myapp', 'pulled.txt'), 'p\n');
    await vm.vmGit('myapp', ['add', 'pulled.txt']);
    await vm.vmGit('myapp', ['commit', '-q', '-m', 'for pull']);
    r = await git('pull', '-q', 'vm', 'feature-auth');
    assert.equal(r.code, 0, r.stderr);
    assert.ok(existsSync(join(repo, 'pulled.txt')));
    r = await git('push', 'vm', '--delete', 'from-remote');
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch((await git('ls-remote', 'vm')).stdout, /from-remote/);
  });
});

describe('connection sharing', () => {
  it('a push authenticates at most once, and not at all when the connection is warm', async () => {
    const masters = vm.masters();
    for (const pid of masters) signal(pid, 'SIGTERM');
    await waitGone(masters, 10_000);
    let before = vm.authCount();
    let r = await git('push', 'yolovm::myapp', 'main:count1');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(vm.authCount() - before, 1, 'cold push');
    before = vm.authCount();
    r = await git('push', 'yolovm::myapp', 'main:count2');
    assert.equal(r.code, 0, r.stderr);
    r = await git('fetch', 'yolovm::myapp', 'count2');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(vm.authCount() - before, 0, 'warm push and fetch');
  });

  it('YOLOVM_CONTROL_PERSIST=no turns sharing off', async () => {
    const before = vm.authCount();
    const r = await vm.run('git', ['ls-remote', 'yolovm::myapp'], { cwd: repo, env: { YOLOVM_CONTROL_PERSIST: 'no' } });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(vm.authCount() - before, 1);
  });
});
