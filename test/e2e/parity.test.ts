// Parity with git's own ssh transport: the same git operations against
// ssh:// (the test sshd, a repository prepared as yolovm would make it) and
// against yolovm::, comparing exit status and the refs on both sides.
//
// Where yolovm differs on purpose, the test says so:
// - yolovm creates the VM repository on first push; over ssh:// it must exist.
// - after a push that creates or moves exactly one branch, yolovm checks that
//   branch out on the VM (the sequence below keeps HEAD out of the comparisons
//   where that matters: a checked-out branch cannot be deleted on either side).
// - a clone's HEAD is the branch the VM has checked out, so it is left out of
//   the clones' comparison.
// - when send-pack itself dies (push options the VM does not accept), git push
//   over ssh:// dies with 128; through any remote helper git exits 1 (it only
//   sees the helper's answer). Both fail, with git's own message.
// - yolovm gets protocol v2 through even where sshd drops GIT_PROTOCOL (this
//   sshd, like Debian's, does not accept it), so ssh:// falls back to v0.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeRepo, startVm, type RunResult, type TestVm } from '../harness/vm.js';

let vm: TestVm;
let repo: string;
let home: string;
let env: Record<string, string>;

const SIDES = ['ssh', 'vm'] as const;
type Side = (typeof SIDES)[number];
/** The remote repositories, as paths in the VM workspace. */
const PATH: Record<Side, string> = { ssh: 'via-ssh', vm: 'via-yolovm' };
const url = (side: Side): string =>
  side === 'ssh' ? `ssh://${vm.env.YOLOVM_USER ?? ''}@127.0.0.1:${String(vm.port)}${join(vm.workspace, PATH.ssh)}` : `yolovm::${PATH.vm}`;

const git = (args: readonly string[], cwd = repo) => vm.run('git', args, { cwd, env });
const must = async (args: readonly string[], cwd = repo) => {
  const r = await git(args, cwd);
  assert.equal(r.code, 0, `git ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
};

/** Run the same operation against both sides; the exit statuses must agree. */
async function both(args: (side: Side) => string[], cwd = repo): Promise<Record<Side, RunResult>> {
  const out = await eachSide(args, cwd);
  assert.equal(
    out.vm.code,
    out.ssh.code,
    `exit status: ssh:// ${String(out.ssh.code)} vs yolovm:: ${String(out.vm.code)}\n${out.ssh.stderr}\n---\n${out.vm.stderr}`,
  );
  return out;
}

async function eachSide(args: (side: Side) => string[], cwd = repo): Promise<Record<Side, RunResult>> {
  const out = {} as Record<Side, RunResult>;
  for (const side of SIDES) out[side] = await git(args(side), cwd);
  return out;
}

/** The refs of a remote repository (HEAD left out: see the header). */
async function remoteRefs(side: Side): Promise<string> {
  return (await vm.vmGit(PATH[side], ['for-each-ref', '--format=%(objectname) %(refname)'])).stdout;
}

async function sameRemoteRefs(): Promise<string> {
  const ssh = await remoteRefs('ssh');
  assert.equal(await remoteRefs('vm'), ssh);
  return ssh;
}

/** The local remote-tracking refs of remote `side`, with the remote's name taken off. */
async function trackingRefs(side: string, cwd = repo): Promise<string> {
  const out = await must(['for-each-ref', '--format=%(objectname) %(refname)', `refs/remotes/${side}/`], cwd);
  return out.replaceAll(`refs/remotes/${side}/`, 'refs/remotes/R/').replace(/^\S+ refs\/remotes\/R\/HEAD\n/m, '');
}

async function commit(file: string, text: string, cwd = repo): Promise<string> {
  writeFileSync(join(cwd, file), text);
  await must(['add', file], cwd);
  await must(['commit', '-q', '-m', `${file}: ${text.trim()}`], cwd);
  return (await must(['rev-parse', 'HEAD'], cwd)).trim();
}

before(async () => {
  vm = await startVm();
  home = join(vm.dir, 'home');
  env = { GIT_SSH_COMMAND: `ssh -F ${vm.sshConfig}` };
  repo = await makeRepo(vm, 'local');
  // ssh:// needs the repository to exist: made as yolovm makes its own.
  await vm.vmGit('', ['init', '-q', '-b', 'main', PATH.ssh]);
  await vm.vmGit(PATH.ssh, ['config', 'receive.denyCurrentBranch', 'updateInstead']);
  await must(['branch', 'feature']);
  await must(['tag', '-a', 'v1', '-m', 'one']);
  for (const side of SIDES) await must(['remote', 'add', side, url(side)]);
});

after(async () => {
  await vm.stop();
});

describe('parity with ssh://', () => {
  it('push of branches and an annotated tag (yolovm creates the repository)', async () => {
    await both((s) => ['push', url(s), 'main', 'feature', 'v1']);
    const refs = await sameRemoteRefs();
    assert.match(refs, / refs\/tags\/v1$/m);
  });

  it('ls-remote --symref', async () => {
    const r = await both((s) => ['ls-remote', '--symref', url(s)]);
    assert.equal(r.vm.stdout, r.ssh.stdout);
    assert.match(r.vm.stdout, /^ref: refs\/heads\/main\tHEAD$/m);
  });

  it('--force after a rejected non-fast-forward', async () => {
    await must(['checkout', '-q', 'feature']);
    await commit('f.txt', 'one\n');
    await both((s) => ['push', url(s), 'feature']);
    await must(['reset', '-q', '--hard', 'HEAD~1']);
    await commit('f.txt', 'other\n');
    const r = await both((s) => ['push', url(s), 'feature']);
    assert.notEqual(r.vm.code, 0);
    await both((s) => ['push', '--force', url(s), 'feature']);
    await sameRemoteRefs();
    await must(['checkout', '-q', 'main']);
  });

  it('--force-with-lease, stale then fresh', async () => {
    const tip = (await must(['rev-parse', 'feature'])).trim();
    await must(['branch', '-f', 'lease', 'main']);
    await both((s) => ['push', url(s), 'lease', 'main:keep']);
    const stale = await both((s) => ['push', `--force-with-lease=lease:${tip}`, url(s), 'feature:lease']);
    assert.notEqual(stale.vm.code, 0);
    assert.match(stale.vm.stderr, /stale info/);
    const main = (await must(['rev-parse', 'main'])).trim();
    await both((s) => ['push', `--force-with-lease=lease:${main}`, url(s), 'feature:lease']);
    await sameRemoteRefs();
  });

  it('--atomic with one rejected ref updates nothing', async () => {
    const before = await sameRemoteRefs();
    const r = await both((s) => ['push', '--atomic', url(s), 'main:atomic-new', 'main:feature']);
    assert.notEqual(r.vm.code, 0);
    assert.equal(await sameRemoteRefs(), before);
  });

  it('--delete of a branch that is not checked out, and of a tag', async () => {
    await both((s) => ['push', url(s), '--delete', 'keep', 'v1']);
    const refs = await sameRemoteRefs();
    assert.doesNotMatch(refs, /refs\/heads\/keep|refs\/tags\/v1/);
  });

  it('--follow-tags', async () => {
    await must(['checkout', '-q', '-b', 'tagged']);
    await commit('t.txt', 't\n');
    await must(['tag', '-a', 'v2', '-m', 'two']);
    await both((s) => ['push', '--follow-tags', url(s), 'tagged']);
    assert.match(await sameRemoteRefs(), / refs\/tags\/v2$/m);
    await must(['checkout', '-q', 'main']);
  });

  it('push options: refused where not advertised, delivered where they are', async () => {
    const refused = await eachSide((s) => ['push', '-o', 'ci.skip', url(s), 'main:opts']);
    assert.deepEqual([refused.ssh.code, refused.vm.code], [128, 1], 'see the header');
    for (const s of SIDES) assert.match(refused[s].stderr, /^fatal: the receiving end does not support push options$/m);
    assert.doesNotMatch(refused.vm.stderr, /Lost the connection/);
    for (const side of SIDES) await vm.vmGit(PATH[side], ['config', 'receive.advertisePushOptions', 'true']);
    await both((s) => ['push', '-o', 'ci.skip', '-o', 'with space', url(s), 'main:opts']);
    await sameRemoteRefs();
  });

  it('--mirror', async () => {
    await must(['branch', 'mirrored', 'main']);
    // yolovm checked out `opts` on the VM (see the header); a current branch
    // cannot be deleted over either transport, so put the VM back on main.
    await vm.vmGit(PATH.vm, ['checkout', '-q', 'main']);
    await both((s) => ['push', '--mirror', url(s)]);
    const local = await must(['for-each-ref', '--format=%(objectname) %(refname)', 'refs/heads', 'refs/tags']);
    // --mirror sends every ref under refs/ (refs/yolovm/ hand-off records too, on both transports alike).
    const remote = (await sameRemoteRefs()).split('\n').filter((l) => / refs\/(heads|tags)\//.test(l));
    assert.equal(`${remote.join('\n')}\n`, local);
  });

  it('fetch --prune through a configured remote', async () => {
    await both((s) => ['fetch', s]);
    assert.equal(await trackingRefs('vm'), await trackingRefs('ssh'));
    for (const side of SIDES) await vm.vmGit(PATH[side], ['branch', '-D', 'mirrored']);
    await both((s) => ['fetch', '--prune', s]);
    const vmRefs = await trackingRefs('vm');
    assert.equal(vmRefs, await trackingRefs('ssh'));
    assert.doesNotMatch(vmRefs, /mirrored/);
  });

  it('pull', async () => {
    for (const side of SIDES) await vm.vmGit(PATH[side], ['branch', '-f', 'pulled', 'tagged']);
    const pulled: Partial<Record<Side, RunResult>> = {};
    for (const side of SIDES) {
      await must(['checkout', '-q', '-B', `pull-${side}`, 'main']);
      pulled[side] = await git(['pull', '-q', '--ff-only', side, 'pulled']);
    }
    assert.equal(pulled.vm?.code, pulled.ssh?.code);
    assert.equal(await must(['rev-parse', 'pull-vm']), await must(['rev-parse', 'pull-ssh']));
    await must(['checkout', '-q', 'main']);
  });

  for (const version of ['0', '2']) {
    it(`clone with protocol.version=${version}`, async () => {
      await both((s) => ['-c', `protocol.version=${version}`, 'clone', '-q', url(s), `clone-v${version}-${s}`], home);
      assert.equal(
        await trackingRefs('origin', join(home, `clone-v${version}-vm`)),
        await trackingRefs('origin', join(home, `clone-v${version}-ssh`)),
      );
    });
  }

  it('yolovm speaks protocol v2 where ssh:// falls back to v0 (sshd drops GIT_PROTOCOL)', async () => {
    const trace = { GIT_TRACE_PACKET: '1' };
    const vmSide = await vm.run('git', ['ls-remote', url('vm')], { cwd: repo, env: { ...env, ...trace } });
    const sshSide = await vm.run('git', ['ls-remote', url('ssh')], { cwd: repo, env: { ...env, ...trace } });
    assert.match(vmSide.stderr, /< version 2/);
    assert.doesNotMatch(sshSide.stderr, /< version 2/);
  });

  it('shallow clone, then --unshallow', async () => {
    await both((s) => ['clone', '-q', '--depth', '1', '--branch', 'tagged', url(s), `shallow-${s}`], home);
    for (const s of SIDES) assert.equal((await must(['rev-list', '--count', 'HEAD'], join(home, `shallow-${s}`))).trim(), '1');
    for (const s of SIDES) {
      const dir = join(home, `shallow-${s}`);
      await must(['fetch', '-q', '--unshallow'], dir);
      assert.equal(await must(['rev-parse', '--is-shallow-repository'], dir), 'false\n');
    }
    const count = async (s: Side) => must(['rev-list', '--count', 'HEAD'], join(home, `shallow-${s}`));
    assert.equal(await count('vm'), await count('ssh'));
  });

  it('partial clone (--filter=blob:none) with lazy blob fetches', async () => {
    for (const side of SIDES) {
      await vm.vmGit(PATH[side], ['config', 'uploadpack.allowFilter', 'true']);
      // ssh:// speaks v0 here (see the header), where lazy fetches of single blobs need this.
      await vm.vmGit(PATH[side], ['config', 'uploadpack.allowAnySHA1InWant', 'true']);
    }
    await both((s) => ['clone', '-q', '--filter=blob:none', '--no-checkout', url(s), `partial-${s}`], home);
    for (const s of SIDES) {
      const dir = join(home, `partial-${s}`);
      const missing = await must(['rev-list', '--objects', '--missing=print', 'origin/tagged'], dir);
      assert.match(missing, /^\?[0-9a-f]{40}$/m, `${s}: blobs left out of the clone`);
      // Checking out needs the blobs: git fetches them lazily through the remote.
      await must(['checkout', '-q', 'tagged'], dir);
      assert.equal(await must(['show', 'tagged:t.txt'], dir), 't\n');
      assert.equal(await must(['rev-list', '--objects', '--missing=print', 'HEAD', '--', '.'], dir).then((o) => /^\?/m.test(o)), false);
    }
  });

  it('a SHA-256 repository: push, ls-remote and clone agree', async () => {
    const local = join(home, 'local-sha256');
    await git(['init', '-q', '-b', 'main', '--object-format=sha256', local], home);
    await commit('s.txt', 'sha256\n', local);
    await vm.vmGit('', ['init', '-q', '-b', 'main', '--object-format=sha256', 'ssh-sha256']);
    await vm.vmGit('ssh-sha256', ['config', 'receive.denyCurrentBranch', 'updateInstead']);
    const to = (s: Side) => (s === 'ssh' ? url('ssh').replace(PATH.ssh, 'ssh-sha256') : 'yolovm::vm-sha256');
    await both((s) => ['push', to(s), 'main'], local);
    const r = await both((s) => ['ls-remote', to(s)], local);
    assert.equal(r.vm.stdout, r.ssh.stdout);
    assert.match(r.vm.stdout, /^[0-9a-f]{64}\trefs\/heads\/main$/m);
    await both((s) => ['clone', '-q', to(s), `clone-sha256-${s}`], home);
    for (const s of SIDES) assert.equal(await must(['rev-parse', '--show-object-format'], join(home, `clone-sha256-${s}`)), 'sha256\n');
  });

  it('git archive --remote', async () => {
    const r = await both((s) => ['archive', `--remote=${url(s)}`, '--format=tar', 'tagged']);
    assert.equal(r.vm.stdout, r.ssh.stdout);
    assert.ok(r.vm.stdout.includes('t.txt'));
  });
});
