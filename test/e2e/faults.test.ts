// Faults end to end: the VM going away or freezing, interrupted transfers,
// concurrent pushes, a VM without git or rsync, a full disk, odd VM paths.
// Each gives a named error, and nothing is lost.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  BIN,
  gatedSsh,
  groupAlive,
  makeRepo,
  processTree,
  run,
  signal,
  startVm,
  waitUntil,
  type RunResult,
  type TestVm,
  gitIn,
} from '../harness/vm.js';

let vm: TestVm;
let repo: string;
let home: string;
const { git } = gitIn(
  () => vm,
  () => repo,
);

async function fsck(subpath: string): Promise<void> {
  const r = await vm.vmGit(subpath, ['fsck', '--no-progress']);
  assert.equal(r.code, 0, `git fsck: ${r.stdout}${r.stderr}`);
}

/** A commit with a large random file, so a transfer takes long enough to interrupt. */
function bigCommit(dir: string, name: string, mb: number): void {
  const data = Buffer.alloc(mb * 1024 * 1024);
  for (let i = 0; i < data.length; i += 4) data.writeUInt32LE((Math.random() * 0xffffffff) >>> 0, i);
  writeFileSync(join(dir, name), data);
}

/** Start a command in its own process group, like a shell job (Ctrl-C reaches the whole group). */
function job(cmd: string, args: string[], cwd: string, env: Record<string, string> = {}) {
  const child = spawn(cmd, args, { cwd, env: { ...vm.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  child.stdout.resume();
  const done = new Promise<RunResult>((res) =>
    child.on('close', (code, signal) => {
      res({ code: code ?? 128 + (signal === 'SIGINT' ? 2 : signal === 'SIGTERM' ? 15 : 9), stdout: '', stderr });
    }),
  );
  return { child, done, stderr: () => stderr };
}

before(async () => {
  vm = await startVm();
  home = join(vm.dir, 'home');
  repo = await makeRepo(vm, 'repo');
  assert.equal((await git('push', 'yolovm::app', 'main')).code, 0);
  mkdirSync(join(home, 'tree'));
  writeFileSync(join(home, 'tree', 'a.txt'), 'a\n');
  assert.equal((await vm.run('yolo-dir', ['push', join(home, 'tree'), 'tree'])).code, 0);
});

after(async () => {
  vm.thaw();
  await vm.stop();
});

describe('the VM goes away', () => {
  it('sshd stopped: exit 2 with the contract’s message, no hang; back when it returns', async () => {
    await vm.stopSshd();
    try {
      // A refused connection must not wait out ConnectTimeout and retries: 20 s is a hang, not a speed target.
      const r = await vm.run('git', ['yolo-push', 'main', 'app'], { cwd: repo, timeoutMs: 20_000 });
      assert.equal(r.code, 2, r.stderr);
      assert.match(
        r.stderr,
        /^error: (Cannot connect to VM at 127\.0\.0\.1: connection refused|Lost the connection to VM at 127\.0\.0\.1)/m,
      );
      const d = await vm.run('yolo-dir', ['push', join(home, 'tree'), 'tree']);
      assert.equal(d.code, 2, d.stderr);
    } finally {
      await vm.startSshd();
    }
    const again = await vm.run('git', ['yolo-push', 'main', 'app'], { cwd: repo });
    assert.equal(again.code, 0, again.stderr);
  });

  it('frozen VM under a warm shared connection: every command fails with exit 2 by itself, none hangs', async () => {
    assert.equal((await git('ls-remote', 'yolovm::app')).code, 0); // warm
    assert.ok(vm.masters().length > 0);
    vm.freeze();
    try {
      const reportFile = (n: string) => join(vm.dir, `report-${n}`);
      const cmds: [string, string, string[], string][] = [
        ['push', 'git', ['push', 'yolovm::app', 'main:frozen'], repo],
        ['fetch', 'git', ['fetch', 'yolovm::app', 'main'], repo],
        ['ls-remote', 'git', ['ls-remote', 'yolovm::app'], repo],
        ['yolo-push', 'git', ['yolo-push', 'main', 'app'], repo],
        ['yolo-fetch', 'git', ['yolo-fetch', 'main', 'app'], repo],
        ['yolo-dir', 'yolo-dir', ['push', join(home, 'tree'), 'tree'], home],
      ];
      const results = await Promise.all(
        cmds.map(async ([n, cmd, args, cwd]) => {
          // ssh's keep-alives notice the frozen VM in about 9 s; past 40 s the command hangs (run() fails it).
          const r = await run(cmd, args, { ...vm.env, YOLOVM_REPORT_FILE: reportFile(n) }, { cwd, timeoutMs: 40_000 });
          return { n, r };
        }),
      );
      for (const { n, r } of results) {
        assert.notEqual(r.code, 0, n);
        assert.match(
          r.stderr,
          /^error: (Lost the connection to VM at 127\.0\.0\.1|Cannot connect to VM at 127\.0\.0\.1: connection timed out)/m,
          `${n}: ${r.stderr}`,
        );
        const code = n.startsWith('yolo') ? r.code : (JSON.parse(readFileSync(reportFile(n), 'utf8')) as { exit: number }).exit;
        assert.equal(code, 2, `${n} exit`);
      }
    } finally {
      vm.thaw();
    }
    const again = await git('push', 'yolovm::app', 'main:after-thaw');
    assert.equal(again.code, 0, again.stderr);
    await fsck('app');
  });
});

describe('interrupted transfers', () => {
  // Each transfer runs through gate-ssh, which stalls it after 1 MB: the
  // interruption lands mid-transfer on any machine, and the test checks it did.
  const MB = 1024 * 1024;
  const tempFiles = (dir: string) => (existsSync(dir) ? readdirSync(dir).filter((f) => /^\..*\.[A-Za-z0-9]{6}$/.test(f)) : []);

  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    it(`git yolo-push interrupted by ${sig} mid-transfer: no stray processes, VM repository sound, re-run completes`, async () => {
      bigCommit(repo, `big-${sig}.bin`, 8);
      await git('add', '.');
      await git('commit', '-q', '-m', `big ${sig}`);
      const before = (await git('rev-parse', 'main')).stdout;
      const vmBefore = (await vm.vmGit('app', ['rev-parse', 'main'])).stdout;
      const marker = join(vm.dir, `gate-push-${sig}`);
      const j = job(join(BIN, 'git-yolo-push'), ['main', 'app'], repo, { YOLOVM_SSH: gatedSsh(vm, marker, 'up', MB) });
      const pgid = j.child.pid ?? 0;
      await waitUntil(() => existsSync(marker), `1 MB of the pack on its way to the VM; stderr: ${j.stderr()}`);
      assert.ok(processTree(pgid).length > 1, 'git and ssh are running under git-yolo-push');
      // SIGINT to the whole job, as a terminal's Ctrl-C does; SIGTERM to our process
      // alone, as `kill PID` does: then ending the children is up to us.
      signal(sig === 'SIGINT' ? -pgid : pgid, sig);
      const r = await j.done;
      assert.notEqual(r.code, 0);
      await waitUntil(() => !groupAlive(pgid), 'the job’s processes to end', 10_000);
      assert.equal((await vm.vmGit('app', ['rev-parse', 'main'])).stdout, vmBefore, 'interrupted before the VM branch moved');
      assert.equal((await git('rev-parse', 'main')).stdout, before, 'local side untouched');
      assert.equal((await git('status', '--porcelain')).stdout, '');
      await fsck('app');
      const again = await vm.run('git', ['yolo-push', 'main', 'app'], { cwd: repo });
      assert.equal(again.code, 0, again.stderr);
      assert.equal((await vm.vmGit('app', ['rev-parse', 'main'])).stdout, before);
      await fsck('app');
    });
  }

  it('yolo-dir pull interrupted mid-file: no stray processes or half-written files, re-run completes', async () => {
    bigCommit(join(vm.workspace, 'tree'), 'huge.bin', 8);
    const local = join(home, 'pull-int');
    const marker = join(vm.dir, 'gate-pull');
    const j = job(join(BIN, 'yolo-dir'), ['pull', local, 'tree'], home, { YOLOVM_SSH: gatedSsh(vm, marker, 'down', MB) });
    const pgid = j.child.pid ?? 0;
    await waitUntil(
      () => existsSync(marker) && tempFiles(local).length > 0,
      `rsync writing huge.bin (its temporary file present); stderr: ${j.stderr()}`,
    );
    signal(-pgid, 'SIGINT');
    await j.done;
    await waitUntil(() => !groupAlive(pgid), 'the job’s processes to end', 10_000);
    assert.equal(existsSync(join(local, 'huge.bin')), false, 'interrupted before huge.bin was complete');
    assert.deepEqual(tempFiles(local), [], 'no rsync temporary files');
    const again = await vm.run('yolo-dir', ['pull', local, 'tree']);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(readFileSync(join(local, 'huge.bin')).length, 8 * MB);
  });

  it('a connection killed mid-push: exit 2, then re-running completes', async () => {
    bigCommit(repo, 'big-kill.bin', 8);
    await git('add', '.');
    await git('commit', '-q', '-m', 'big kill');
    const marker = join(vm.dir, 'gate-kill');
    const j = job(join(BIN, 'git-yolo-push'), ['main', 'app'], repo, { YOLOVM_SSH: gatedSsh(vm, marker, 'up', MB) });
    let r: RunResult;
    try {
      await waitUntil(() => existsSync(marker), `1 MB of the pack on its way to the VM; stderr: ${j.stderr()}`);
      await vm.stopSshd(); // kills the sessions serving the transfer
      r = await j.done;
    } finally {
      await vm.startSshd();
    }
    assert.equal(r.code, 2, j.stderr());
    assert.match(r.stderr, /^error: Lost the connection to VM/m);
    await fsck('app');
    const again = await vm.run('git', ['yolo-push', 'main', 'app'], { cwd: repo });
    assert.equal(again.code, 0, again.stderr);
  });
});

describe('concurrency and odd VM state', () => {
  it('two pushes to the same new workspace at once: both succeed or one fails cleanly; the repository is sound', async () => {
    await git('branch', 'one', 'main');
    await git('branch', 'two', 'main');
    const [a, b] = await Promise.all([git('push', 'yolovm::race', 'one'), git('push', 'yolovm::race', 'two')]);
    assert.ok(a.code === 0 || b.code === 0, `${a.stderr}\n${b.stderr}`);
    for (const r of [a, b]) if (r.code !== 0) assert.match(r.stderr, /error|rejected/);
    await fsck('race');
  });

  it('a VM repository that is bare: push and fetch work, nothing is checked out', async () => {
    await vm.vmGit('', ['init', '-q', '--bare', 'bare.git']);
    const r = await vm.run('git', ['yolo-push', 'main', 'bare.git'], { cwd: repo });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /VM work tree: a bare repository/);
    const f = await git('fetch', 'yolovm::bare.git', 'main');
    assert.equal(f.code, 0, f.stderr);
  });

  it('a workspace path that is a file is named, for push and fetch', async () => {
    writeFileSync(join(vm.workspace, 'afile'), 'x');
    let r = await vm.run('git', ['yolo-push', 'main', 'afile'], { cwd: repo });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /^error: Workspace path 'afile' on the VM is a file, not a directory/m);
    r = await git('ls-remote', 'yolovm::afile');
    assert.match(r.stderr, /is a file, not a directory/);
    assert.equal(readFileSync(join(vm.workspace, 'afile'), 'utf8'), 'x');
  });
});

describe('a VM without git or rsync', () => {
  let bare: TestVm;
  before(async () => {
    // PATH on the "VM" holds a shell and coreutils, but no git and no rsync.
    const tools = join(vm.dir, 'vm-tools');
    mkdirSync(tools);
    for (const t of ['sh', 'mkdir', 'cat', 'ls'])
      symlinkSync(spawnSync('sh', ['-c', `command -v ${t}`], { encoding: 'utf8' }).stdout.trim(), join(tools, t));
    // sshd sets PATH itself; the forced command narrows it before running what was asked.
    bare = await startVm({ sshdExtra: [`ForceCommand /usr/bin/env PATH=${tools} /bin/sh -c "$SSH_ORIGINAL_COMMAND"`] });
  });
  after(async () => {
    await bare.stop();
  });
  it('git is not installed on the VM (exit 1), rsync is not installed on the VM (exit 1)', async () => {
    const r0 = await makeRepo(bare, 'r');
    let r = await bare.run('git', ['yolo-push', 'main', 'x'], { cwd: r0 });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /^error: git is not installed on the VM\nhint: .*apt-get install git/m);
    mkdirSync(join(bare.dir, 'home', 'd'));
    r = await bare.run('yolo-dir', ['push', join(bare.dir, 'home', 'd'), 'x']);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /^error: rsync is not installed on the VM/m);
    r = await bare.run('git', ['ls-remote', 'yolovm::x'], { cwd: r0 });
    assert.match(r.stderr, /git is not installed on the VM/);
  });
});

describe('a full disk on the VM', () => {
  let small: TestVm;
  before(async () => {
    // The VM side sees a 2 MB tmpfs at `full` (its own mount namespace: no root needed).
    small = await startVm({ tmpfs: { subpath: 'full', size: '2m' } });
  });
  after(async () => {
    await small.stop();
  });
  it('push and yolo-dir fail with a named error, nothing lost', async () => {
    const local = join(small.dir, 'home');
    mkdirSync(join(local, 'bigtree'));
    bigCommit(join(local, 'bigtree'), 'big.bin', 5);
    let r = await small.run('yolo-dir', ['push', join(local, 'bigtree'), 'full/tree']);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /^error: rsync failed .*\nhint: A disk is full/m);
    assert.ok(existsSync(join(local, 'bigtree', 'big.bin')));
    const big = await makeRepo(small, 'bigrepo');
    bigCommit(big, 'big.bin', 5);
    await small.run('git', ['add', '.'], { cwd: big });
    await small.run('git', ['commit', '-q', '-m', 'big'], { cwd: big });
    r = await small.run('git', ['yolo-push', 'main', 'full/repo'], { cwd: big });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /^error: /m);
    assert.match(r.stderr, /No space left on device|disk is full/i);
    assert.doesNotMatch(r.stderr, /internal error/);
    assert.equal((await small.run('git', ['status', '--porcelain'], { cwd: big })).stdout, '');
  });
});

describe('a full temporary directory on the VM', () => {
  let vm: TestVm;
  before(async () => {
    vm = await startVm({ tmpfs: { subpath: 'tmp', size: '1m', tmpdir: true } });
  });
  after(async () => {
    await vm.stop();
  });
  it('yolovm status still surveys every repository (each one whose file could not be written, again, straight out)', async () => {
    for (let i = 0; i < 6; i++) {
      await vm.vmGit('', ['init', '-q', '-b', 'main', `p/r${String(i)}`]);
      await vm.vmGit(`p/r${String(i)}`, ['commit', '-q', '--allow-empty', '-m', `c${String(i)}`]);
    }
    writeFileSync(join(vm.workspace, 'p', 'r3', 'wip.txt'), 'uncommitted\n');
    const before = await vm.run('yolovm', ['status', '--json', 'p']);
    assert.equal(before.code, 0, before.stderr);
    // Fill the VM's TMPDIR: a survey there can make files but not write them (the number of
    // repositories surveyed at once follows the cores: one by one on a single core, which this does not test).
    const fill = await vm.run('yolovm', ['ssh', '--', 'head -c 2000000 /dev/zero > "$TMPDIR/fill"; df -k "$TMPDIR" | tail -n 1']);
    assert.match(fill.stdout, /\s100%\s/, fill.stdout + fill.stderr);
    const full = await vm.run('yolovm', ['status', '--json', 'p']);
    assert.equal(full.code, 0, full.stderr);
    assert.deepEqual(JSON.parse(full.stdout), JSON.parse(before.stdout));
    assert.equal((JSON.parse(full.stdout) as { entries: unknown[] }).entries.length, 6);
  });
});
