// yolo-dir end to end: real rsync over real ssh to the loopback sshd.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BIN, ROOT, gatedSsh, groupAlive, processTree, run, startVm, waitGone, waitUntil, type TestVm, write } from '../harness/vm.js';

let vm: TestVm;
let home: string;
const dir = (...parts: string[]) => join(home, ...parts);
const ws = (...parts: string[]) => join(vm.workspace, ...parts);
const yd = (...args: string[]) => vm.run('yolo-dir', args, { cwd: home });

function tree(root: string): string[] {
  if (!existsSync(root)) return [];
  const out: string[] = [];
  const walk = (d: string, rel: string) => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        out.push(`${r}/`);
        walk(join(d, e.name), r);
      } else out.push(r);
    }
  };
  walk(root, '');
  return out;
}

before(async () => {
  vm = await startVm();
  home = join(vm.dir, 'home');
});
after(async () => {
  await vm.stop();
});

describe('yolo-dir push', () => {
  it('an empty directory', async () => {
    mkdirSync(dir('empty'));
    const r = await yd('push', 'empty', 'empty-target');
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(tree(ws('empty-target')), []);
    assert.ok(existsSync(ws('empty-target')));
  });

  it('files into the workspace root, default excludes at any depth', async () => {
    write(dir('proj', 'README.md'), 'readme\n');
    write(dir('proj', 'src', 'main.py'), 'print(1)\n');
    write(dir('proj', '.git', 'HEAD'), 'ref\n');
    write(dir('proj', 'node_modules', 'x', 'index.js'), 'x\n');
    write(dir('proj', 'src', '__pycache__', 'm.pyc'), 'c\n');
    write(dir('proj', 'sub', '.venv', 'bin', 'python'), 'v\n');
    write(dir('proj', 'sub', 'node_modules', 'y.js'), 'y\n');
    const r = await yd('push', 'proj');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^Pushed proj to \S+@127\.0\.0\.1:.*: 2 files sent, /m);
    assert.deepEqual(tree(vm.workspace), ['README.md', 'empty-target/', 'src/', 'src/main.py', 'sub/']);
  });

  it('a nested subpath; re-running sends nothing; local deletions stay on the VM unless --delete', async () => {
    let r = await yd('push', 'proj', 'a/b/c');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(readFileSync(ws('a/b/c/src/main.py'), 'utf8'), 'print(1)\n');
    r = await yd('push', 'proj', 'a/b/c');
    assert.match(r.stderr, /: 0 files sent/);
    rmSync(dir('proj', 'README.md'));
    r = await yd('push', 'proj', 'a/b/c');
    assert.ok(existsSync(ws('a/b/c/README.md')));
    r = await yd('push', '--delete', 'proj', 'a/b/c');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /1 file deleted/);
    assert.equal(existsSync(ws('a/b/c/README.md')), false);
  });

  it('--exclude adds patterns, --no-default-excludes sends everything', async () => {
    write(dir('proj', 'secret.env'), 's\n');
    let r = await yd('push', '--exclude', '*.env', '--exclude', 'sub/', 'proj', 'ex');
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(tree(ws('ex')), ['src/', 'src/main.py']);
    r = await yd('push', '--no-default-excludes', 'proj', 'all');
    assert.equal(r.code, 0, r.stderr);
    assert.ok(existsSync(ws('all/.git/HEAD')));
    assert.ok(existsSync(ws('all/sub/node_modules/y.js')));
  });

  it('-n lists what would change, itemized, and creates nothing on the VM', async () => {
    const r = await yd('push', '-n', 'proj', 'dry/run');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^ {2}<f\+{9} src\/main\.py$/m);
    assert.match(r.stderr, /^Dry run: proj to .*: 2 files would be sent/m);
    assert.equal(existsSync(ws('dry')), false);
  });

  it('odd names: spaces, unicode, shell metacharacters, a leading dash, taken verbatim', async () => {
    const odd = '-my dir ünï;$(touch x)`id`';
    write(dir(odd, 'it\'s "quoted" & |piped|.txt'), 'odd\n');
    const r = await vm.run('yolo-dir', ['push', '--', odd, 'sp ace/ünï;$(touch pwned)'], { cwd: home });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(readFileSync(ws('sp ace/ünï;$(touch pwned)', 'it\'s "quoted" & |piped|.txt'), 'utf8'), 'odd\n');
    assert.equal(existsSync(join(home, 'x')), false);
    assert.equal(existsSync(ws('pwned')), false);
  });

  it('what git ignores is matched by its name, not as a glob: push and pull', async () => {
    const root = dir('globby');
    const g = (...args: string[]) => vm.run('git', args, { cwd: root });
    const tracked = [
      'app/[slug]/page.tsx',
      'app/s/notes.local',
      'app/[...all]/route.ts',
      '[[...opt]]/page.tsx',
      'st*r/a.txt',
      'q?/b.txt',
      'back\\slash/c.txt',
    ];
    const ignored = [
      'app/[slug]/notes.local',
      'app/[...all]/x.local',
      '[[...opt]]/y.local',
      'st*r/z.local',
      'q?/w.local',
      'back\\slash/v.local',
    ];
    for (const f of [...tracked, ...ignored]) write(join(root, f), `${f}\n`);
    write(join(root, '.gitignore'), '*.local\n');
    await g('init', '-q');
    await g('--literal-pathspecs', 'add', '.gitignore', ...tracked.filter((f) => !f.endsWith('.local')));
    await g('--literal-pathspecs', 'add', '-f', 'app/s/notes.local');
    const r = await yd('push', root, 'globby');
    assert.equal(r.code, 0, r.stderr);
    const there = tree(ws('globby')).filter((f) => !f.endsWith('/'));
    assert.deepEqual(there.sort(), ['.gitignore', ...tracked].sort(), 'nothing ignored sent, nothing tracked left out');
    // Pull: the VM's versions of tracked files come back; local ignored files are never the VM's to replace.
    for (const f of [...tracked, ...ignored]) write(ws('globby', f), `vm ${f}\n`);
    const p = await yd('pull', root, 'globby');
    assert.equal(p.code, 0, p.stderr);
    for (const f of tracked) assert.equal(readFileSync(join(root, f), 'utf8'), `vm ${f}\n`, f);
    for (const f of ignored) assert.equal(readFileSync(join(root, f), 'utf8'), `${f}\n`, f);
  });

  it('--compress-level is checked', async () => {
    let r = await yd('push', '--compress-level', '9', 'proj', 'z');
    assert.equal(r.code, 0, r.stderr);
    r = await yd('push', '--compress-level', 'max', 'proj', 'z');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^error: Invalid compression level "max"\nhint: /);
  });
});

describe('yolo-dir pull', () => {
  it('from the root and from a subpath, into a missing directory', async () => {
    let r = await yd('pull', 'back-root');
    assert.equal(r.code, 0, r.stderr);
    assert.ok(existsSync(dir('back-root', 'a/b/c/src/main.py')));
    r = await yd('pull', 'back/nested', 'a/b/c');
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(tree(dir('back/nested')), ['src/', 'src/main.py', 'sub/']);
    assert.match(r.stderr, /^Pulled .* into back\/nested: 1 file received/m);
  });

  it('keeps the local .git/, node_modules/ and .venv/, and backs up what it replaces or deletes', async () => {
    const local = dir('work');
    let r = await yd('pull', 'work', 'a/b/c');
    assert.equal(r.code, 0, r.stderr);
    write(join(local, '.git', 'config'), 'precious\n');
    write(join(local, 'node_modules', 'dep.js'), 'dep\n');
    write(join(local, '.venv', 'pyvenv.cfg'), 'venv\n');
    write(join(local, 'notes.txt'), 'only here\n');
    write(join(local, 'src', 'main.py'), 'my local edit\n');
    write(ws('a/b/c/src/new.py'), 'from the agent\n');
    r = await yd('pull', 'work', 'a/b/c');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(readFileSync(join(local, '.git', 'config'), 'utf8'), 'precious\n');
    assert.equal(readFileSync(join(local, 'node_modules', 'dep.js'), 'utf8'), 'dep\n');
    assert.ok(existsSync(join(local, '.venv', 'pyvenv.cfg')));
    assert.equal(existsSync(join(local, 'notes.txt')), false, 'an exact mirror');
    assert.equal(readFileSync(join(local, 'src', 'main.py'), 'utf8'), 'print(1)\n');
    assert.equal(readFileSync(join(local, 'src', 'new.py'), 'utf8'), 'from the agent\n');
    const m = /Local files it replaced or deleted are kept in (\S+) \(every change: (\S+)\)/.exec(r.stderr);
    assert.ok(m?.[1] && m[2], r.stderr);
    assert.ok(!m[1].startsWith(local), 'the backup is outside the synced tree');
    assert.equal(readFileSync(join(m[1], 'notes.txt'), 'utf8'), 'only here\n');
    assert.equal(readFileSync(join(m[1], 'src', 'main.py'), 'utf8'), 'my local edit\n');
    assert.match(readFileSync(m[2], 'utf8'), /^\*deleting +notes\.txt$/m);
  });

  it('yolo-dir undo puts a directory back byte for byte (new, replaced and deleted files; odd names); backups lists it', async () => {
    const wrong = dir('important');
    const names = ['thesis.tex', 'data/results.csv', 'my notes ü.txt', '-dash.txt'];
    for (const n of names) write(join(wrong, n), `${n}: years of work\n`);
    const hashes = () =>
      tree(wrong).map((p) =>
        p.endsWith('/')
          ? p
          : `${p} ${createHash('sha256')
              .update(readFileSync(join(wrong, p)))
              .digest('hex')}`,
      );
    const before = hashes();
    const r = await yd('pull', 'important', 'a/b/c');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(existsSync(join(wrong, 'thesis.tex')), false);
    const name = /undo this pull with `yolo-dir undo (\S+)`/.exec(r.stderr)?.[1] ?? '';
    assert.ok(name, r.stderr);
    const list = await yd('backups');
    assert.match(
      list.stdout,
      new RegExp(`^ {2}${name} .* ${wrong.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} +\\(\\d+ created, 0 replaced, 5 deleted\\)$`, 'm'),
    );
    // Changed since: refused without --force.
    write(join(wrong, 'src', 'main.py'), 'edited after the pull\n');
    let u = await yd('undo', name);
    assert.equal(u.code, 1);
    assert.match(u.stderr, /^error: .*important changed since that pull: src\/main\.py\nhint: /m);
    const changed = hashes();
    u = await yd('undo', '-n', '--force', name);
    assert.equal(u.code, 0, u.stderr);
    assert.match(u.stdout, /^ {2}put back thesis\.tex$/m);
    assert.match(u.stdout, /^ {2}remove {3}src\/main\.py$/m);
    assert.match(u.stderr, /^Dry run: would undo the pull of .* remove \d+ created files?, put back 5 files$/m);
    assert.deepEqual(hashes(), changed, '-n changed nothing');
    u = await yd('undo', '--force', name);
    assert.equal(u.code, 0, u.stderr);
    assert.deepEqual(hashes(), before);
    assert.match((await yd('backups')).stdout, /\[undone\]/);
    u = await yd('undo', name);
    assert.equal(u.code, 1);
    assert.match(u.stderr, /already undone/);
  });

  it('-n changes nothing on either side, and creates no local directory', async () => {
    const local = dir('work');
    write(join(local, 'later.txt'), 'mine\n');
    let r = await yd('pull', '-n', 'work', 'a/b/c');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^ {2}\*deleting +later\.txt$/m);
    assert.equal(readFileSync(join(local, 'later.txt'), 'utf8'), 'mine\n');
    r = await yd('pull', '-n', 'never-made', 'a/b/c');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(existsSync(dir('never-made')), false);
  });
});

describe('yolo-dir errors', () => {
  it('missing local directory (1), missing VM path (1, nothing created locally), unreachable VM (2)', async () => {
    let r = await yd('push', 'no-such-dir');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^error: Directory 'no-such-dir' not found\nhint: /);
    r = await yd('pull', 'fresh-local', 'not/on/vm');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^error: Workspace path 'not\/on\/vm' not on VM/);
    assert.equal(existsSync(dir('fresh-local')), false);
    r = await vm.run('yolo-dir', ['push', 'proj'], {
      cwd: home,
      env: { YOLOVM_SSH: `ssh -F ${vm.sshConfig} -p 1`, YOLOVM_CONTROL_PERSIST: 'no' },
    });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^error: Cannot connect to VM at 127\.0\.0\.1: connection refused/);
    r = await yd('push', 'proj', '../outside');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Invalid workspace subpath/);
    r = await yd('pull', 'proj/README.md.nope', 'README.md');
    assert.equal(r.code, 1);
  });

  it('a VM path that is a file', async () => {
    write(ws('plainfile'), 'x');
    const r = await yd('push', 'proj', 'plainfile');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /is a file, not a directory/);
  });

  it('usage errors and help', async () => {
    let r = await yd();
    assert.equal(r.code, 1);
    r = await yd('-h');
    assert.equal(r.code, 0);
    assert.match(r.stdout, /Usage: yolo-dir \[options\] \[command\]/);
    r = await yd('push', '--bogus', 'proj');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^error: unknown option '--bogus'\nhint: Run `yolo-dir push -h` for usage\./);
  });
});

describe('yolo-dir ls', () => {
  it('lists the workspace with each repository’s branch and state', async () => {
    await vm.vmGit('', ['init', '-q', '-b', 'feature-x', 'repo1']);
    await vm.vmGit('repo1', ['commit', '-q', '--allow-empty', '-m', 'c']);
    write(ws('repo1', 'wip.txt'), 'agent wip\n');
    await vm.vmGit('', ['init', '-q', '-b', 'main', 'repo2']);
    const r = await yd('ls');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^\S+@127\.0\.0\.1:.*ws:$/m);
    assert.match(r.stdout, /^ {2}repo1\/\s+git: feature-x \(uncommitted changes\)$/m);
    assert.match(r.stdout, /^ {2}repo2\/\s+git: main \(clean\)$/m);
    assert.match(r.stdout, /^ {2}plainfile$/m);
    assert.match(r.stdout, /^ {2}src\/$/m);
    const sub = await yd('ls', 'repo1');
    assert.match(sub.stdout, /^ {2}\.\s+git: feature-x/m);
    await vm.vmGit('', ['init', '-q', '-b', 'spaced', 'my repo']);
    const spaced = await yd('ls', 'my repo');
    assert.equal(spaced.code, 0, spaced.stderr);
    assert.match(spaced.stdout, /^ {2}\.\s+git: spaced \(clean\)$/m);
    const missing = await yd('ls', 'nope');
    assert.equal(missing.code, 1);
  });
});

describe('yolo-dir push --watch', () => {
  it('pushes changes as they happen, never node_modules/; SIGINT mid-push ends it and all its children', async () => {
    write(dir('live', 'a.txt'), 'one\n');
    // Through gate-ssh: small pushes flow, a push of more than 256 KB stalls mid-transfer.
    const marker = join(vm.dir, 'gate-watch');
    const env = { ...vm.env, YOLOVM_SSH: gatedSsh(vm, marker, 'up', 256 * 1024) };
    const child = spawn(join(BIN, 'yolo-dir'), ['push', '--watch', 'live', 'live'], {
      cwd: home,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const pid = child.pid ?? 0;
    const exited = new Promise<number | null>((res) =>
      child.on('exit', (c) => {
        res(c);
      }),
    );
    let err = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.stdout.resume();
    const until = (cond: () => boolean, what: string) => waitUntil(cond, `${what}; stderr: ${err}`);
    let tree: number[] = [];
    try {
      await until(() => /Watching /.test(err), 'the watcher');
      await until(() => existsSync(ws('live', 'a.txt')), 'the first push');
      write(dir('live', 'a.txt'), 'two\n');
      write(dir('live', 'new', 'b.txt'), 'b\n');
      await until(
        () => existsSync(ws('live', 'new', 'b.txt')) && readFileSync(ws('live', 'a.txt'), 'utf8') === 'two\n',
        'the change on the VM',
      );
      // Any push that brings after.txt would bring node_modules/ too, were it not excluded.
      write(dir('live', 'node_modules', 'ignored.js'), 'x\n');
      write(dir('live', 'after.txt'), 'after\n');
      await until(() => existsSync(ws('live', 'after.txt')), 'the change beside node_modules/');
      assert.equal(existsSync(ws('live', 'node_modules')), false);
      writeFileSync(dir('live', 'big.bin'), randomBytes(1024 * 1024));
      await until(() => existsSync(marker), 'a push of big.bin under way (held by the gate)');
      tree = processTree(pid);
      assert.ok(tree.length > 1, 'rsync and ssh are running under yolo-dir');
    } finally {
      child.kill('SIGINT'); // to yolo-dir alone: ending rsync and ssh is up to it
    }
    assert.equal(await exited, 130);
    await waitGone(tree, 10_000);
    assert.equal(groupAlive(pid), false, 'nothing left in its process group');
    assert.equal(existsSync(ws('live', 'big.bin')), false, 'interrupted mid-transfer');
  });
});

describe('the original scripts, as shims', () => {
  it('./install --yolo-vm DIR records the terraform dir and installs vm-dir-push and friends, which work', async () => {
    const tf = join(vm.dir, 'yolo-vm');
    mkdirSync(tf);
    writeFileSync(
      join(tf, 'terraform.tfstate'),
      JSON.stringify({ version: 4, outputs: { vm_ip: { value: '127.0.0.1', type: 'string' } } }),
    );
    const prefix = join(vm.dir, 'prefix');
    let r = await run(join(ROOT, 'install'), ['--links-only', '--prefix', prefix, '--yolo-vm', tf], vm.env, { cwd: ROOT });
    assert.equal(r.code, 0, r.stderr);
    for (const s of ['vm-dir-push', 'vm-dir-pull', 'vm-git-push', 'vm-git-fetch']) assert.ok(existsSync(join(tf, s)), s);
    assert.equal((await vm.run('git', ['config', '--global', 'yolovm.terraformDir'])).stdout.trim(), tf);
    // The address now comes from DIR's terraform state, not YOLOVM_HOST.
    const env = { ...vm.env, YOLOVM_HOST: undefined, PATH: `${join(prefix, 'bin')}:/usr/bin:/bin` };
    r = await run(join(tf, 'vm-dir-push'), [dir('proj'), 'via-shim'], env, { cwd: home });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(existsSync(ws('via-shim', 'src', 'main.py')));
    r = await run(join(tf, 'vm-dir-pull'), [dir('shim-back'), 'via-shim'], env, { cwd: home });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(existsSync(dir('shim-back', 'src', 'main.py')));
    r = await run(join(ROOT, 'install'), ['--uninstall', '--prefix', prefix], vm.env, { cwd: ROOT });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(existsSync(join(tf, 'vm-dir-push')), false);
    assert.equal(existsSync(join(prefix, 'bin', 'yolo-dir')), false);
  });
});

describe('a push never loses the agent’s work', () => {
  const vmHome = () => join(vm.dir, 'vmhome');
  /** The agent edits a file on the VM (its mtime after the last sync's, as any later edit has). */
  const agentWrites = (path: string, text: string) => {
    write(ws(path), text);
    const later = new Date(Date.now() + 5000);
    utimesSync(ws(path), later, later);
  };
  const keptDir = (stderr: string) => /kept on the VM in ~\/(\S+) /.exec(stderr)?.[1];

  it('into a workspace root that holds other projects: refused without a subpath (dry run too), --force goes', async () => {
    write(ws('other-project', '.git', 'HEAD'), 'ref: refs/heads/main\n');
    write(dir('lone', 'a.txt'), 'a\n');
    for (const args of [
      ['push', 'lone'],
      ['push', '-n', 'lone'],
      ['push', '--delete', 'lone'],
    ]) {
      const r = await yd(...args);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /^error: Refusing to push into \S+\/ws: it holds other projects\nhint: .*`yolo-dir push DIR 'lone'`/m);
      assert.equal(existsSync(ws('a.txt')), false);
    }
    const r = await yd('push', '-n', '--force', 'lone');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /a\.txt/);
    assert.ok(existsSync(ws('other-project', '.git', 'HEAD')));
  });

  it('a file the agent changed since the last sync is kept on the VM when a push replaces it; others are not', async () => {
    write(dir('kp', 'edited.txt'), 'v1\n');
    write(dir('kp', 'plain.txt'), 'p1\n');
    let r = await yd('push', 'kp', 'kp');
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /kept on the VM/);
    agentWrites('kp/edited.txt', 'the agent’s work\n');
    write(dir('kp', 'edited.txt'), 'v2 from the host\n');
    write(dir('kp', 'plain.txt'), 'p2\n');
    r = await yd('push', '-q', 'kp', 'kp');
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stderr,
      /^The VM's copies of 1 file changed there since the last sync were replaced or deleted: kept on the VM in ~\/\.cache\/yolovm\/pushed-over\/\S+ /m,
    );
    assert.equal(readFileSync(ws('kp/edited.txt'), 'utf8'), 'v2 from the host\n');
    const kept = join(vmHome(), keptDir(r.stderr) ?? 'none');
    assert.equal(readFileSync(join(kept, 'edited.txt'), 'utf8'), 'the agent’s work\n');
    assert.deepEqual(tree(kept), ['edited.txt']);
  });

  it('a first push into a directory that already has files keeps every file it replaces', async () => {
    write(ws('pre', 'notes.md'), 'the VM’s own notes\n');
    write(dir('pre-local', 'notes.md'), 'host notes\n');
    const r = await yd('push', 'pre-local', 'pre');
    assert.equal(r.code, 0, r.stderr);
    const kept = join(vmHome(), keptDir(r.stderr) ?? 'none');
    assert.equal(readFileSync(join(kept, 'notes.md'), 'utf8'), 'the VM’s own notes\n');
  });

  it('a file the VM already had, byte for byte, was not sent: --delete leaves it and names it', async () => {
    write(dir('same', 'mine.txt'), 'mine\n');
    write(dir('same', 'both.txt'), 'the same\n');
    write(ws('same', 'both.txt'), 'the same\n');
    const t = new Date('2026-01-02T03:04:05Z');
    utimesSync(dir('same', 'both.txt'), t, t);
    utimesSync(ws('same', 'both.txt'), t, t);
    let r = await yd('push', 'same', 'same');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /: 1 file sent/, 'only mine.txt went');
    // Pushed again unchanged: nothing sent, the record stands.
    r = await yd('push', 'same', 'same');
    assert.equal(r.code, 0, r.stderr);
    rmSync(dir('same', 'mine.txt'));
    rmSync(dir('same', 'both.txt'));
    r = await yd('push', '--delete', 'same', 'same');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^Left 1 file on the VM that no earlier push sent: both\.txt/m);
    assert.deepEqual(tree(ws('same')), ['both.txt']);
  });

  it('--delete removes only what an earlier push sent; the agent’s files stay (named) unless --force', async () => {
    write(dir('del', 'sent.txt'), 's\n');
    write(dir('del', 'sub', 'sent2.txt'), 's2\n');
    write(ws('del', 'before-yolovm.txt'), 'was there first\n');
    let r = await yd('push', 'del', 'del');
    assert.equal(r.code, 0, r.stderr);
    agentWrites('del/agent-made.txt', 'agent\n');
    agentWrites('del/sub/agent2.txt', 'agent2\n');
    rmSync(dir('del', 'sent.txt'));
    rmSync(dir('del', 'sub'), { recursive: true });
    r = await yd('push', '-n', '--delete', 'del', 'del');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^ {2}\*deleting +sent\.txt$/m);
    assert.doesNotMatch(r.stdout, /agent|before-yolovm/);
    assert.match(r.stderr, /^Would leave 3 files on the VM that no earlier push sent: /m);
    r = await yd('push', '--delete', 'del', 'del');
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stderr,
      /^Left 3 files on the VM that no earlier push sent: .*(?=.*agent-made\.txt)(?=.*sub\/agent2\.txt)(?=.*before-yolovm\.txt).*--force removes these too\)$/m,
    );
    assert.deepEqual(tree(ws('del')), ['agent-made.txt', 'before-yolovm.txt', 'sub/', 'sub/agent2.txt']);
    r = await yd('push', '--delete', '--force', 'del', 'del');
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(tree(ws('del')), []);
    // What --force deleted that the agent had made is kept on the VM.
    const kept = join(vmHome(), keptDir(r.stderr) ?? 'none');
    assert.deepEqual(tree(kept), ['agent-made.txt', 'before-yolovm.txt', 'sub/', 'sub/agent2.txt']);
  });
});
