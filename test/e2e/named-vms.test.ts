// Several VMs from one repository: two real sshd instances, the second
// configured as a named VM (yolovm.b.*), chosen by URL, --vm and YOLOVM_VM. Each
// receives only its own pushes; hostile names are refused before anything runs.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeRepo, startVm, write, type TestVm } from '../harness/vm.js';

let a: TestVm;
let b: TestVm;
let repo: string;

before(async () => {
  [a, b] = await Promise.all([startVm(), startVm()]);
  repo = await makeRepo(a, 'repo');
  const git = (...args: string[]) => a.run('git', args, { cwd: repo });
  // VM b: its own address, ssh config (port and keys) and workspace.
  await git('config', 'yolovm.b.host', '127.0.0.1');
  await git('config', 'yolovm.b.sshCommand', `ssh -F ${b.sshConfig}`);
  await git('config', 'yolovm.b.workspace', b.workspace);
  for (const branch of ['feat-url', 'feat-flag', 'feat-env', 'feat-a']) await git('branch', branch);
});

after(async () => {
  await Promise.all([a.stop(), b.stop()]);
});

const heads = async (vm: TestVm, subpath: string) => {
  const r = await vm.vmGit(subpath, ['for-each-ref', '--format=%(refname:short)', 'refs/heads/']);
  return r.code === 0 ? r.stdout.trim().split('\n').filter(Boolean).sort() : [];
};

describe('two named VMs in one repository', () => {
  it('a yolovm::<name>:<subpath> URL reaches the named VM; yolovm::<subpath> the default one', async () => {
    let r = await a.run('git', ['push', 'yolovm::b:proj', 'feat-url'], { cwd: repo });
    assert.equal(r.code, 0, r.stderr);
    r = await a.run('git', ['push', 'yolovm::proj', 'feat-a'], { cwd: repo });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(await heads(b, 'proj'), ['feat-url']);
    assert.deepEqual(await heads(a, 'proj'), ['feat-a']);
    // A name that is not configured is a subpath, as it always was.
    r = await a.run('git', ['push', 'yolovm::nope:x', 'feat-a'], { cwd: repo });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(existsSync(join(a.workspace, 'nope:x', '.git')));
  });

  it('--vm on git yolo-push, YOLOVM_VM, a remote, and hand-off records and the remembered location per VM', async () => {
    let r = await a.run('git', ['yolo-push', '--vm', 'b', 'feat-flag', 'proj'], { cwd: repo });
    assert.equal(r.code, 0, r.stderr);
    // Remembered per VM by the first push to it (the git push yolovm::b:proj above, or this one).
    assert.equal((await a.run('git', ['config', 'yolovm.b.subpath'], { cwd: repo })).stdout, 'proj\n');
    assert.equal((await a.run('git', ['config', 'yolovm.subpath'], { cwd: repo })).stdout, 'proj\n', "the default VM's own");
    r = await a.run('git', ['yolo-push', 'feat-env'], { cwd: repo, env: { YOLOVM_VM: 'b' } });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /Using this repository's VM location 'proj' \(git config yolovm\.b\.subpath/);
    assert.deepEqual(await heads(b, 'proj'), ['feat-env', 'feat-flag', 'feat-url']);
    assert.deepEqual(await heads(a, 'proj'), ['feat-a'], 'the default VM received none of them');
    const refs = (await a.run('git', ['for-each-ref', '--format=%(refname)', 'refs/yolovm/'], { cwd: repo })).stdout;
    assert.match(refs, /^refs\/yolovm\/b\/proj\/handoff\/feat-flag$/m);
    assert.match(refs, /^refs\/yolovm\/default\/proj\/handoff\/feat-a$/m);
    assert.doesNotMatch(refs, /^refs\/yolovm\/default\/proj\/handoff\/feat-flag$/m);
    // The agent on VM b commits; a remote for VM b fetches it.
    write(join(b.workspace, 'proj', 'agent.txt'), 'from b\n');
    await b.vmGit('proj', ['add', 'agent.txt']);
    await b.vmGit('proj', ['commit', '-q', '-m', 'agent on b']);
    await a.run('git', ['remote', 'add', 'vmb', 'yolovm::b:proj'], { cwd: repo });
    r = await a.run('git', ['fetch', 'vmb'], { cwd: repo });
    assert.equal(r.code, 0, r.stderr);
    const log = await a.run('git', ['log', '-1', '--format=%s', 'vmb/feat-env'], { cwd: repo });
    assert.equal(log.stdout.trim(), 'agent on b');
    // git yolo-fetch and yolo-dir with --vm.
    r = await a.run('git', ['yolo-fetch', '--vm', 'b', 'feat-env'], { cwd: repo });
    assert.equal(r.code, 0, r.stderr);
    r = await a.run('yolo-dir', ['ls', '--vm', 'b'], { cwd: repo });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /proj/);
  });

  it('-v says which VM and why', async () => {
    const r = await a.run('git', ['yolo-push', '-v', '-n', '--vm', 'b', 'feat-flag', 'proj'], { cwd: repo });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /yolovm: VM b \(from --vm\)/);
    assert.match(r.stderr, /yolovm\.sshCommand = ssh -F \S+ \(from git config yolovm\.b\.sshcommand/);
  });

  it('an unknown name is an error that lists the configured VMs', async () => {
    for (const [args, env] of [
      [['yolo-push', '--vm', 'c', 'main'], {}],
      [['yolo-push', 'main'], { YOLOVM_VM: 'c' }],
    ] as const) {
      const r = await a.run('git', [...args], { cwd: repo, env });
      assert.equal(r.code, 1, r.stderr);
      assert.match(
        r.stderr,
        /^error: Unknown VM 'c' \(from (--vm|\$YOLOVM_VM)\)\nhint: Known VMs: default, b \(`yolovm vms` lists them\)\./,
      );
    }
  });

  it('hostile VM names are refused before anything runs', async () => {
    const canary = join(a.dir, 'canary');
    const before = [a.authCount(), b.authCount()];
    for (const name of [`-oProxyCommand=touch ${canary}`, 'a b', '../x', 'a\x01b', 'b;touch x', '']) {
      for (const [cmd, args, env] of [
        ['git', ['yolo-push', '--vm', name, 'main'], {}],
        ['git', ['yolo-push', 'main'], { YOLOVM_VM: name }],
        ['yolovm', ['status', `--vm=${name}`], {}],
        ['yolo-dir', ['push', '--vm', name, '.', 'x'], {}],
      ] as const) {
        if (name === '' && Object.keys(env).length > 0) continue; // an empty YOLOVM_VM means unset
        const r = await a.run(cmd, [...args], { cwd: repo, env });
        assert.equal(r.code, 1, `${cmd} ${JSON.stringify(args)}: ${r.stderr}`);
        assert.match(r.stderr, /^error: (Invalid VM name|Unknown VM)/m, r.stderr);
        assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
      }
    }
    assert.equal(existsSync(canary), false);
    assert.deepEqual([a.authCount(), b.authCount()], before, 'no ssh connection was made');
  });
});
