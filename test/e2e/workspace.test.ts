// yolovm status|save|clean|ssh|doctor end to end: a workspace with every kind
// of project; --check fails before save and passes after; after save, the whole
// VM workspace is deleted and everything is restored from what save printed.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeRepo, run, startVm, type TestVm } from '../harness/vm.js';

let vm: TestVm;
let home: string;
let a: string;
let b: string;
const yolovm = (...args: string[]) => vm.run('yolovm', args, { cwd: home });
const ok = async (cmd: string, args: string[], cwd = home) => {
  const r = await vm.run(cmd, args, { cwd });
  assert.equal(r.code, 0, `${cmd} ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
};

/** The VM work tree's content as a tree id (a temporary index: nothing of the agent's is touched). */
async function workTreeId(subpath: string): Promise<string> {
  const idx = join(vm.dir, `idx-${subpath.replaceAll('/', '_')}`);
  const env = { GIT_INDEX_FILE: idx };
  const dir = join(vm.workspace, subpath);
  await vm.run('git', ['-C', dir, 'read-tree', 'HEAD'], { env });
  await vm.run('git', ['-C', dir, 'add', '-A'], { env });
  const id = (await vm.run('git', ['-C', dir, 'write-tree'], { env })).stdout.trim();
  rmSync(idx, { force: true });
  return id;
}

const refsOf = async (gitArgs: string[], pattern: string) =>
  ok('git', [...gitArgs, 'for-each-ref', '--format=%(objectname) %(refname:strip=2)', pattern]);

before(async () => {
  vm = await startVm();
  home = join(vm.dir, 'home');
  a = await makeRepo(vm, 'a');
  b = await makeRepo(vm, 'b');
  // pushed and unchanged; pushed, then the agent committed; nested, with uncommitted work
  await ok('git', ['push', 'yolovm::same', 'main'], a);
  await ok('git', ['yolo-push', 'main', 'committed'], b);
  await ok('git', ['yolo-push', 'main', 'nested/deep/app'], a);
  await vm.vmGit('committed', ['commit', '-q', '--allow-empty', '-m', 'agent commit']);
  writeFileSync(join(vm.workspace, 'nested/deep/app', 'wip.txt'), 'agent wip\n');
  writeFileSync(join(vm.workspace, 'nested/deep/app', 'README'), 'edited, not committed\n');
  // made by the agent, never pushed from here, with a branch and uncommitted work
  await vm.vmGit('', ['init', '-q', '-b', 'main', 'agent made']);
  await vm.vmGit('agent made', ['commit', '-q', '--allow-empty', '-m', 'agent repo']);
  await vm.vmGit('agent made', ['branch', 'idea']);
  writeFileSync(join(vm.workspace, 'agent made', 'draft ü.txt'), 'draft\n');
  // plain directories: synced and unchanged; made by the agent
  mkdirSync(join(home, 'plain'));
  writeFileSync(join(home, 'plain', 'p.txt'), 'p\n');
  await ok('yolo-dir', ['push', join(home, 'plain'), 'plain']);
  mkdirSync(join(vm.workspace, 'notes', 'sub'), { recursive: true });
  writeFileSync(join(vm.workspace, 'notes', 'sub', 'n.txt'), 'agent notes\n');
  writeFileSync(join(vm.workspace, 'notes', '.env'), 'TOKEN=made by the agent\n');
});

after(async () => {
  await vm.stop();
});

describe('yolovm status, save, and a destroyed VM', () => {
  let printed = '';
  const vmSide: Record<string, { refs: string; tree: string }> = {};

  it('status lists every project and what the host lacks; --check fails', async () => {
    const r = await yolovm('status');
    assert.equal(r.code, 0, r.stderr);
    const line = (name: string) => r.stdout.split('\n').find((l) => l.includes(` ${name}/ `)) ?? '';
    assert.match(line('same'), /^ {4}same\/ +git main +nothing this host lacks$/);
    assert.match(line('committed'), /^ {2}! committed\/ +git main +commits this host lacks on main$/);
    assert.match(line('nested/deep/app'), /^ {2}! nested\/deep\/app\/ +git main +2 uncommitted files$/);
    assert.match(line('agent made'), /^ {2}! agent made\/ +git main +commits this host lacks on idea, main; 1 uncommitted file$/);
    assert.match(line('plain'), /^ {4}plain\/ +dir +unchanged since the last sync$/);
    assert.match(line('notes'), /^ {2}! notes\/ +dir +never synced by yolo-dir$/);
    assert.match(r.stdout, /^6 projects; 4 hold work this host lacks/m);
    const check = await yolovm('status', '--check');
    assert.equal(check.code, 1);
    const json = JSON.parse((await yolovm('status', '--json')).stdout) as {
      unsaved: number;
      entries: { path: string; unsaved: boolean }[];
    };
    assert.equal(json.unsaved, 4);
    assert.deepEqual(
      json.entries
        .filter((e) => e.unsaved)
        .map((e) => e.path)
        .sort(),
      ['agent made', 'committed', 'nested/deep/app', 'notes'],
    );
  });

  it('clean refuses unsaved work and the workspace root', async () => {
    let r = await yolovm('clean', 'committed');
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /^error: .*committed holds work this host lacks: committed \(commits this host lacks on main\)\nhint: `yolovm save` it first/m,
    );
    r = await yolovm('clean', '');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^error: Refusing to delete the whole workspace/m);
    assert.ok(readdirSync(join(vm.workspace, 'committed')).length > 0);
  });

  it('save brings everything home, touching no local branch; then --check passes; a second save has nothing to do', async () => {
    for (const p of ['committed', 'nested/deep/app', 'agent made']) {
      vmSide[p] = {
        refs: (await vm.vmGit(p, ['for-each-ref', '--format=%(objectname) %(refname:strip=2)', 'refs/heads'])).stdout,
        tree: await workTreeId(p),
      };
    }
    const mainA = await ok('git', ['rev-parse', 'main'], a);
    const dry = await yolovm('save', '-n');
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /^ {2}committed: commits this host lacks on main -> \S+\/b\/\.git \(refs\/yolovm\/default\/committed\/\)$/m);
    assert.match(dry.stdout, /^ {2}agent made: .* -> a bundle under /m);
    assert.match(dry.stderr, /^Dry run: would save 4 projects; nothing was written\.$/m);
    assert.equal(await refsOf(['-C', b], 'refs/yolovm/default/committed/vm/'), '');
    assert.equal((await yolovm('status', '--check')).code, 1);
    const r = await yolovm('save');
    assert.equal(r.code, 0, r.stderr);
    printed = r.stderr;
    assert.equal(await ok('git', ['rev-parse', 'main'], a), mainA, 'no local branch moved');
    assert.equal(await ok('git', ['status', '--porcelain'], a), '');
    const check = await yolovm('status', '--check');
    assert.equal(check.code, 0, check.stdout);
    assert.match(check.stdout, /nothing would be lost if the VM were destroyed now/);
    const again = await yolovm('save');
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /Nothing to save: the host already has everything\./);
    // A dry run agrees: saved uncommitted work is saved.
    const dryAgain = await yolovm('save', '-n');
    assert.equal(dryAgain.stdout, '');
    assert.match(dryAgain.stderr, /^Dry run: nothing to save\.$/m);
  });

  it('clean, once saved, deletes and names what it deleted', async () => {
    const r = await yolovm('clean', 'committed');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^Deleted \S+:.*\/committed \(committed\)$/m);
  });

  it('after the whole VM workspace is deleted, what save printed restores every commit and every uncommitted file', async () => {
    for (const e of readdirSync(vm.workspace)) rmSync(join(vm.workspace, e), { recursive: true, force: true });
    // Pushed from b: the agent's commit is in b under refs/yolovm/.
    assert.match(printed, /^committed: 1 branch -> .*\/b\/\.git as refs\/yolovm\/default\/committed\/vm\/\*$/m);
    assert.equal(
      await refsOf(['-C', b], 'refs/yolovm/default/committed/vm/'),
      vmSide.committed?.refs.replace(' main', ' default/committed/vm/main'),
    );
    // Pushed from a: branch and uncommitted work (the whole work tree, as a tree).
    assert.match(printed, /^nested\/deep\/app: 1 branch and the uncommitted work -> .*\/a\/\.git/m);
    assert.equal(
      await ok('git', ['rev-parse', 'refs/yolovm/default/nested%2Fdeep%2Fapp/wip^{tree}'], a),
      `${vmSide['nested/deep/app']?.tree ?? ''}\n`,
    );
    // Never pushed: a bundle, restored as printed.
    const bundle = /^agent made: all refs and the uncommitted work \(refs\/yolovm\/wip\) -> (\S+\.bundle)$/m.exec(printed)?.[1] ?? '';
    assert.ok(bundle, printed);
    await ok('git', ['clone', '-q', bundle, 'restored'], home);
    const restored = join(home, 'restored');
    assert.equal(await refsOf(['-C', restored], 'refs/remotes/origin/'), vmSide['agent made']?.refs.replace(/ (\S+)$/gm, ' origin/$1'));
    await ok('git', ['fetch', '-q', bundle, 'refs/yolovm/wip'], restored);
    assert.equal(await ok('git', ['rev-parse', 'FETCH_HEAD^{tree}'], restored), `${vmSide['agent made']?.tree ?? ''}\n`);
    // A plain directory: files in the dated folder.
    const notes = /^notes: files -> (\S+) /m.exec(printed)?.[1] ?? '';
    assert.equal(readFileSync(join(notes, 'sub', 'n.txt'), 'utf8'), 'agent notes\n');
    assert.equal(readFileSync(join(notes, '.env'), 'utf8'), 'TOKEN=made by the agent\n', 'save brings secret-like files too');
  });
});

describe('the destroy guard sees everything: tags, notes, every stash entry, a detached HEAD’s commits', () => {
  const agent = async (subpath: string, ...args: string[]) => {
    const r = await vm.vmGit(subpath, args);
    assert.equal(r.code, 0, `git ${args.join(' ')}: ${r.stderr}`);
    return r.stdout.trim();
  };
  /** Work only a ref other than a branch, the stash's reflog or the HEAD reflog holds. */
  const hide = async (subpath: string) => {
    await agent(subpath, 'commit', '-q', '--allow-empty', '-m', 'tagged, then reset away');
    await agent(subpath, 'tag', '-a', '-m', 'agent tag', 'v-agent');
    await agent(subpath, 'reset', '-q', '--hard', 'HEAD~1');
    await agent(subpath, 'notes', 'add', '-m', 'an agent note', 'HEAD');
    for (const n of ['one', 'two']) {
      writeFileSync(join(vm.workspace, subpath, 'README'), `stash ${n}\n`);
      await agent(subpath, 'stash', '-q');
    }
    await agent(subpath, 'checkout', '-q', '--detach');
    await agent(subpath, 'commit', '-q', '--allow-empty', '-m', 'made on a detached HEAD');
    const detached = await agent(subpath, 'rev-parse', 'HEAD');
    await agent(subpath, 'checkout', '-q', 'main');
    return {
      detached,
      stash: (await agent(subpath, 'log', '-g', '--format=%H', 'refs/stash')).split('\n'),
      tag: await agent(subpath, 'rev-parse', 'refs/tags/v-agent'),
      notes: await agent(subpath, 'rev-parse', 'refs/notes/commits'),
    };
  };

  it('status counts them and --check fails; save brings each home under refs/yolovm/; then --check passes', async () => {
    const c = await makeRepo(vm, 'c');
    await ok('git', ['yolo-push', 'main', 'hidden'], c);
    const hidden = await hide('hidden');
    const r = await yolovm('status', 'hidden');
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      /^ {2}! hidden\/ +git main +notes\/commits, v-agent \(2 refs this host lacks\); 2 stash entries; 1 commit no branch holds \(the VM's HEAD reflog\)$/m,
    );
    assert.equal((await yolovm('status', '--check', 'hidden')).code, 1);
    const saved = await yolovm('save', 'hidden');
    assert.equal(saved.code, 0, saved.stderr);
    assert.match(
      saved.stderr,
      /^ {2}and 2 other refs, 2 stash entries, 1 commit only the HEAD reflog holds -> refs\/yolovm\/default\/hidden\//m,
    );
    const base = 'refs/yolovm/default/hidden';
    const kept = await refsOf(['-C', c], `${base}/`);
    for (const line of [
      `${hidden.notes} default/hidden/refs/notes/commits`,
      `${hidden.tag} default/hidden/refs/tags/v-agent`,
      `${hidden.detached} default/hidden/reflog/${hidden.detached}`,
      `${hidden.stash[0] ?? ''} default/hidden/stash/0`,
      `${hidden.stash[1] ?? ''} default/hidden/stash/1`,
    ])
      assert.ok(kept.includes(`${line}\n`), `${line} in\n${kept}`);
    // Each stash entry whole: its work tree as stashed.
    assert.equal(await ok('git', ['show', `${base}/stash/1:README`], c), 'stash one\n');
    const check = await yolovm('status', '--check', 'hidden');
    assert.equal(check.code, 0, check.stdout);
  });

  it('a bare repository is a repository, not a directory never synced', async () => {
    await agent('', 'init', '-q', '--bare', '-b', 'main', 'shared.git');
    const r = await yolovm('status');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^ {4}shared\.git\/ +git main +nothing this host lacks$/m);
  });

  it('a repository whose path holds a newline is surveyed as one (NUL framing), its name shown escaped', async () => {
    await agent('', 'init', '-q', '-b', 'main', 'odd\nname');
    await agent('odd\nname', 'commit', '-q', '--allow-empty', '-m', 'first');
    const r = await yolovm('status', '--check');
    assert.equal(r.code, 1, r.stdout + r.stderr);
    const lines = r.stdout.split('\n').filter((l) => l.includes('odd'));
    assert.equal(lines.length, 1, JSON.stringify(r.stdout));
    assert.match(lines[0] ?? '', /odd\\x0aname\/ +git main +commits this host lacks on main/);
    // No subpath can name it: save says so in one line, saves the rest, and fails.
    const saved = await yolovm('save');
    assert.equal(saved.code, 1, saved.stderr);
    assert.match(
      saved.stderr,
      /^error: Not saved: 'odd\\x0aname': a name with a control character, which no subpath can name\nhint: Rename it/m,
    );
    assert.doesNotMatch(saved.stderr, /odd\n/);
    rmSync(join(vm.workspace, 'odd\nname'), { recursive: true });
  });

  it('a repository never pushed from here: the bundle holds them too', async () => {
    await agent('', 'init', '-q', '-b', 'main', 'hidden2');
    await agent('hidden2', 'commit', '-q', '--allow-empty', '-m', 'first');
    await agent('hidden2', 'commit', '-q', '--allow-empty', '-m', 'second');
    writeFileSync(join(vm.workspace, 'hidden2', 'README'), 'x\n');
    await agent('hidden2', 'add', 'README');
    await agent('hidden2', 'commit', '-q', '-m', 'readme');
    const hidden = await hide('hidden2');
    const saved = await yolovm('save', 'hidden2');
    assert.equal(saved.code, 0, saved.stderr);
    const bundle = /-> (\S+\.bundle)$/m.exec(saved.stderr)?.[1] ?? '';
    const heads = await ok('git', ['bundle', 'list-heads', bundle]);
    for (const [sha, ref] of [
      [hidden.tag, 'refs/tags/v-agent'],
      [hidden.notes, 'refs/notes/commits'],
      [hidden.stash[1] ?? '', 'refs/yolovm/stash/1'],
      [hidden.detached, `refs/yolovm/reflog/${hidden.detached}`],
    ])
      assert.match(heads, new RegExp(`^${sha} ${ref}$`, 'm'));
    assert.equal((await yolovm('status', '--check', 'hidden2')).code, 0);
  });
});

describe('yolovm ssh and doctor', () => {
  it('ssh runs a command in a workspace directory, arguments verbatim', async () => {
    mkdirSync(join(vm.workspace, 'sp ace'));
    const r = await yolovm('ssh', 'sp ace', '--', 'sh', '-c', 'pwd; printf "%s\\n" "$1"', 'x', '$(touch PWNED); a b');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `${join(vm.workspace, 'sp ace')}\n$(touch PWNED); a b\n`);
  });

  it("ssh -- CMD with no subpath runs in the workspace; one string runs through the VM user's shell, as ssh does", async () => {
    const root = await yolovm('ssh', '--', 'pwd');
    assert.equal(root.code, 0, root.stderr);
    assert.equal(root.stdout, `${vm.workspace}\n`);
    writeFileSync(join(vm.workspace, 'sp ace', 'NOTES.md'), 'n\n');
    const shell = await yolovm('ssh', 'sp ace', '--', 'test -n "$HOME" && pwd; ls *.md');
    assert.equal(shell.code, 0, shell.stderr);
    assert.equal(shell.stdout, `${join(vm.workspace, 'sp ace')}\nNOTES.md\n`);
  });

  it('doctor passes when everything holds, and names each injected fault', async () => {
    let r = await yolovm('doctor');
    assert.equal(r.code, 0, r.stdout);
    assert.match(r.stdout, /^ok {4}VM git: git version/m);
    const fault = async (env: Record<string, string | undefined>, want: RegExp) => {
      const f = await run('yolovm', ['doctor'], { ...vm.env, YOLOVM_CONTROL_PERSIST: 'no', ...env }, { cwd: home });
      assert.equal(f.code, 1, f.stdout);
      assert.match(f.stdout, want);
    };
    await fault(
      { YOLOVM_SSH: `ssh -F ${vm.sshConfig} -p 1` },
      /^FAIL {2}ssh: Cannot connect to VM at 127\.0\.0\.1: connection refused\n {6}fix: /m,
    );
    await fault({ YOLOVM_USER: 'nobody-here' }, /^FAIL {2}ssh: SSH authentication failed for nobody-here@127\.0\.0\.1/m);
    await fault({ YOLOVM_HOST: '', YOLOVM_TERRAFORM_DIR: join(vm.dir, 'no-tf') }, /^FAIL {2}VM address: Terraform directory .* not found/m);
    writeFileSync(
      join(vm.dir, 'other_known_hosts'),
      `[127.0.0.1]:${String(vm.port)} ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\n`,
    );
    await fault(
      { YOLOVM_SSH: `ssh -F ${vm.sshConfig} -o UserKnownHostsFile=${join(vm.dir, 'other_known_hosts')}` },
      /^FAIL {2}ssh: Host key of VM at 127\.0\.0\.1 has changed/m,
    );
    r = await yolovm('doctor');
    assert.equal(r.code, 0);
  });

  it('doctor names a VM without git or rsync, and a terraform directory without state', async () => {
    // A VM whose PATH holds a shell and nothing else.
    const tools = join(vm.dir, 'vm-tools');
    mkdirSync(tools);
    symlinkSync(spawnSync('sh', ['-c', 'command -v sh'], { encoding: 'utf8' }).stdout.trim(), join(tools, 'sh'));
    const bare = await startVm({ sshdExtra: [`ForceCommand /usr/bin/env PATH=${tools} /bin/sh -c "$SSH_ORIGINAL_COMMAND"`] });
    try {
      const r = await bare.run('yolovm', ['doctor']);
      assert.equal(r.code, 1, r.stdout);
      assert.match(r.stdout, /^FAIL {2}VM git: not installed\n {6}fix: on the VM: `sudo apt-get install git`$/m);
      assert.match(r.stdout, /^FAIL {2}VM rsync: not installed/m);
      assert.match(r.stdout, /^ok {4}ssh: /m, 'the links before it hold');
    } finally {
      await bare.stop();
    }
    mkdirSync(join(vm.dir, 'tf-empty'));
    const f = await run(
      'yolovm',
      ['doctor'],
      { ...vm.env, YOLOVM_HOST: '', YOLOVM_TERRAFORM_DIR: join(vm.dir, 'tf-empty') },
      { cwd: home },
    );
    assert.equal(f.code, 1, f.stdout);
    assert.match(f.stdout, /^FAIL {2}VM address: .*(state|terraform)/im);
  });
});
