// A fleet from one terraform apply: three VMs (sshd on loopback, each its own host
// key and workspace) found in the terraform state, worked in parallel: hand out,
// compare, adopt; one VM down while the others succeed; Ctrl-C mid fan-out.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startFleet, type TestFleet } from '../harness/fleet.js';
import { alive, makeRepo, processTree, run, waitGone, waitUntil, type RunResult } from '../harness/vm.js';

let fleet: TestFleet;
let repo: string;
const git = (...args: string[]) => fleet.run('git', args, { cwd: repo });
const ok = async (r: Promise<RunResult>) => {
  const res = await r;
  assert.equal(res.code, 0, `${res.stdout}\n${res.stderr}`);
  return res;
};
/** The agent on VM i: git in its workspace path, as the VM user. */
const agent = (i: number, subpath: string, ...args: string[]) => fleet.vms[i]?.vmGit(subpath, args) ?? Promise.reject(new Error('no VM'));

before(async () => {
  fleet = await startFleet(3);
  repo = await makeRepo(fleet, 'app');
});
after(async () => {
  await fleet.stop();
});

describe('the fleet is read from terraform', () => {
  it('yolovm vms lists each libvirt_domain instance: name, address, instance, where it came from', async () => {
    const r = await ok(fleet.run('yolovm', ['vms']));
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines.length, 3, r.stdout);
    fleet.names.forEach((name, i) => {
      assert.match(
        lines[i] ?? '',
        new RegExp(
          `^${name} +vm-${String(i)} +${fleet.instances[i] ?? ''} +libvirt_domain\\.agent\\[${String(i)}\\] in .*terraform\\.tfstate$`,
        ),
      );
    });
    const json = JSON.parse((await ok(fleet.run('yolovm', ['vms', '--json']))).stdout) as { name: string; address: string }[];
    assert.deepEqual(
      json.map((v) => [v.name, v.address]),
      fleet.names.map((n, i) => [n, `vm-${String(i)}`]),
    );
  });
  it('--check asks each in parallel; a VM that is down is named, exit 2', async () => {
    const all = await ok(fleet.run('yolovm', ['vms', '--check']));
    assert.equal(all.stdout.match(/ reachable$/gm)?.length, 3, all.stdout);
    await fleet.vms[2]?.stopSshd();
    try {
      const r = await fleet.run('yolovm', ['vms', '--check']);
      assert.equal(r.code, 2, r.stdout + r.stderr);
      assert.match(r.stdout, /^agent-2 .* unreachable: /m);
      assert.equal(r.stdout.match(/ reachable$/gm)?.length, 2, r.stdout);
    } finally {
      await fleet.vms[2]?.startSshd();
    }
  });
});

describe('fan-out: hand out, compare, adopt', () => {
  it('git yolo-push --all-vms: every VM gets the branch, checked out; each line names its VM; one authentication per VM cold, none warm', async () => {
    await fleet.endShared();
    const before = fleet.authCount();
    const r = await ok(git('yolo-push', '--all-vms', 'main', 'app'));
    assert.equal(fleet.authCount() - before, 3, 'one per VM, cold');
    for (const name of fleet.names) assert.match(r.stderr, new RegExp(`^${name} \\| Pushed new branch main to `, 'm'));
    assert.match(r.stderr, /^git yolo-push on 3 VMs: all succeeded$/m);
    for (const [i, vm] of fleet.vms.entries()) {
      assert.equal(readFileSync(join(vm.workspace, 'app', 'README'), 'utf8'), 'hello\n', `VM ${String(i)}`);
    }
    const warm = fleet.authCount();
    await ok(git('yolo-push', '--all-vms', 'main', 'app'));
    assert.equal(fleet.authCount() - warm, 0, 'warm: none');
  });

  it('each agent works differently; git yolo-diff --compare shows one row per VM; nothing local moves', async () => {
    const mainBefore = (await ok(git('rev-parse', 'main'))).stdout;
    // agent-0: two commits; agent-1: one commit and uncommitted work; agent-2: a hook file.
    for (const n of [1, 2]) {
      writeFileSync(join(fleet.vms[0]?.workspace ?? '', 'app', `a${String(n)}.txt`), 'one\ntwo\n');
      await agent(0, 'app', 'add', '.');
      await agent(0, 'app', 'commit', '-q', '-m', `agent-0 change ${String(n)}`);
    }
    writeFileSync(join(fleet.vms[1]?.workspace ?? '', 'app', 'b.txt'), 'b\n');
    await agent(1, 'app', 'add', '.');
    await agent(1, 'app', 'commit', '-q', '-m', 'agent-1 change');
    writeFileSync(join(fleet.vms[1]?.workspace ?? '', 'app', 'README'), 'edited, not committed\n');
    writeFileSync(join(fleet.vms[2]?.workspace ?? '', 'app', 'Makefile'), 'all:\n\ttrue\n');
    await agent(2, 'app', 'add', '.');
    await agent(2, 'app', 'commit', '-q', '-m', 'agent-2 adds a Makefile');
    const r = await ok(git('yolo-diff', '--compare', 'main', 'app'));
    const row = (name: string) => r.stdout.split('\n').find((l) => l.startsWith(`${name} `)) ?? '';
    assert.match(row('agent-0'), /^agent-0 +2 +2 +4 +0 +0 +0 +[0-9a-f]{7} agent-0 change 2$/);
    assert.match(row('agent-1'), /^agent-1 +1 +2 +2 +1 +1 +0 +[0-9a-f]{7} agent-1 change$/);
    assert.match(row('agent-2'), /^agent-2 +1 +1 +2 +0 +0 +1 +[0-9a-f]{7} agent-2 adds a Makefile$/);
    const json = JSON.parse((await ok(git('yolo-diff', '--compare', '--json', 'main', 'app'))).stdout) as {
      vm: string;
      commits: number;
      reachable: boolean;
    }[];
    assert.deepEqual(
      json.map((j) => [j.vm, j.commits, j.reachable]),
      [
        ['agent-0', 2, true],
        ['agent-1', 1, true],
        ['agent-2', 1, true],
      ],
    );
    assert.equal((await ok(git('rev-parse', 'main'))).stdout, mainBefore, 'local main did not move');
    // The attempts stay reviewable under refs/yolovm/<vm>/.
    const refs = (await ok(git('for-each-ref', '--format=%(refname)', 'refs/yolovm/'))).stdout;
    for (const name of fleet.names) assert.match(refs, new RegExp(`^refs/yolovm/${name}/app/vm/main$`, 'm'));
  });

  it('yolovm ssh --all-vms app -- CMD: in each VM, output prefixed, then exit status and time per VM', async () => {
    const r = await fleet.run('yolovm', [
      'ssh',
      '--all-vms',
      'app',
      '--',
      'sh',
      '-c',
      'test -f b.txt && echo passes || { echo fails; exit 3; }',
    ]);
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stdout, /^agent-1 \| passes$/m);
    assert.match(r.stdout, /^agent-0 \| fails$/m);
    assert.match(r.stderr, /^yolovm ssh on 3 VMs: 1 succeeded, 2 failed \(agent-0, agent-2\)$/m);
    assert.match(r.stderr, /^ {2}agent-1 +ok +\d+\.\d s$/m);
    assert.match(r.stderr, /^ {2}agent-0 +exit 3 +\d+\.\d s/m);
  });

  it('git yolo-fetch --all-vms brings every attempt under refs/yolovm/ and moves no local branch; --vm <winner> adopts one', async () => {
    const mainBefore = (await ok(git('rev-parse', 'main'))).stdout.trim();
    const r = await ok(git('yolo-fetch', '--all-vms', 'main', 'app'));
    assert.match(
      r.stderr,
      /^agent-0 \| Fetched main at [0-9a-f]{7} into refs\/yolovm\/agent-0\/app\/vm\/main: 2 commits local main lacks \(no local branch moved\)$/m,
    );
    assert.equal((await ok(git('rev-parse', 'main'))).stdout.trim(), mainBefore);
    const winner = (await ok(git('rev-parse', 'refs/yolovm/agent-1/app/vm/main'))).stdout.trim();
    const adopt = await ok(git('yolo-fetch', '--vm', 'agent-1', 'main', 'app'));
    assert.match(adopt.stderr, /Fast-forwarded main/);
    assert.equal((await ok(git('rev-parse', 'main'))).stdout.trim(), winner);
    assert.equal(
      (await ok(git('rev-parse', 'refs/yolovm/agent-0/app/vm/main'))).stdout.trim() !== winner,
      true,
      'the others stay reviewable',
    );
  });

  it('one VM down: the others succeed; the summary names it; exit 2', async () => {
    await fleet.vms[1]?.stopSshd();
    try {
      const r = await git('yolo-push', '--all-vms', '-f', 'main', 'app');
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /^git yolo-push on 3 VMs: 2 succeeded, 1 failed \(agent-1\)$/m);
      assert.match(r.stderr, /^ {2}agent-1 +exit 2 +\d+\.\d s {2}\S/m);
      assert.match(r.stderr, /^agent-0 \| /m);
      const compare = await git('yolo-diff', '--compare', 'main', 'app');
      assert.equal(compare.code, 2);
      assert.match(compare.stdout, /^agent-1 +unreachable: /m);
      assert.match(compare.stdout, /^agent-0 +\d/m);
      const status = await fleet.run('yolovm', ['status', '--vm', 'agent-0,agent-1', 'app'], { cwd: repo });
      assert.equal(status.code, 2);
      assert.match(status.stdout, /^agent-0 \| /m);
    } finally {
      await fleet.vms[1]?.startSshd();
    }
  });

  it('yolovm status, save and doctor take --all-vms; yolo-dir push too; a command for one VM refuses a list', async () => {
    const st = await ok(fleet.run('yolovm', ['status', '--all-vms'], { cwd: repo }));
    for (const name of fleet.names) assert.match(st.stdout, new RegExp(`^${name} \\| `, 'm'));
    const json = JSON.parse((await fleet.run('yolovm', ['status', '--all-vms', '--json'], { cwd: repo })).stdout) as {
      vm: string;
      result: unknown;
    }[];
    assert.deepEqual(
      json.map((j) => [j.vm, typeof j.result]),
      fleet.names.map((n) => [n, 'object']),
    );
    const saved = await ok(fleet.run('yolovm', ['save', '--all-vms'], { cwd: repo }));
    assert.match(saved.stderr, /^yolovm save on 3 VMs: all succeeded$/m);
    const doc = await fleet.run('yolovm', ['doctor', '--vm', 'agent-0,agent-2']);
    assert.match(doc.stderr + doc.stdout, /^yolovm doctor on 2 VMs: /m);
    const tree = join(fleet.dir, 'home', 'tree');
    await run('mkdir', ['-p', tree], fleet.env);
    writeFileSync(join(tree, 'notes.txt'), 'notes\n');
    await ok(fleet.run('yolo-dir', ['push', '--all-vms', tree, 'notes']));
    for (const vm of fleet.vms) assert.equal(readFileSync(join(vm.workspace, 'notes', 'notes.txt'), 'utf8'), 'notes\n');
    const one = await fleet.run('yolo-dir', ['ls', '--all-vms']);
    assert.equal(one.code, 1);
    assert.match(one.stderr, /^error: This command works on one VM at a time\nhint: /);
  });

  it('Ctrl-C mid fan-out ends every child on every VM connection', async () => {
    fleet.vms[2]?.freeze();
    try {
      // In a process group of its own, as a terminal's foreground job: Ctrl-C signals the whole group.
      const child = spawn('git', ['yolo-push', '--all-vms', '-f', 'main', 'app'], {
        cwd: repo,
        env: fleet.env,
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      });
      let err = '';
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      const exited = new Promise<number | null>((res) => {
        child.on('exit', (code) => {
          res(code);
        });
      });
      // The two live VMs are done, the frozen one hangs: then every process of ours is in the tree.
      await waitUntil(() => /agent-0 \| /.test(err) && /agent-1 \| /.test(err), 'the live VMs to answer', 60_000);
      const pid = child.pid ?? 0;
      const tree = processTree(pid);
      assert.ok(tree.length > 2, `a fan-out tree: ${tree.join(' ')}`);
      process.kill(-pid, 'SIGINT');
      const code = await exited;
      assert.notEqual(code, 0);
      await waitGone(tree, 15_000);
      assert.deepEqual(tree.filter(alive), []);
    } finally {
      fleet.vms[2]?.thaw();
    }
    assert.ok(existsSync(fleet.tfDir));
  });
});
