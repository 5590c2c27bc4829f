// What crosses the boundary, end to end: secrets held back (and warned about in
// git pushes), .gitignore honoured exactly as git decides, pulls that keep local
// owners and compare content, host-running files flagged, the wrong-directory
// guard, dry-run lists on stdout.
import assert from 'node:assert/strict';
import { chmodSync, chownSync, existsSync, readFileSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeRepo, startVm, type TestVm, write } from '../harness/vm.js';

let vm: TestVm;
let home: string;
const yd = (...args: string[]) => vm.run('yolo-dir', args, { cwd: home });
const ws = (...p: string[]) => join(vm.workspace, ...p);

before(async () => {
  vm = await startVm();
  home = join(vm.dir, 'home');
});

after(async () => {
  await vm.stop();
});

describe('secrets stay home unless asked', () => {
  it('yolo-dir push holds back secret-like files and names them; --include-secrets sends them', async () => {
    const p = join(home, 'app');
    for (const f of ['.env', '.env.local', 'id_ed25519', 'certs/x.pem', '.aws/credentials', 'src/main.js', '.env.example'])
      write(join(p, f), `${f}\n`);
    let r = await yd('push', 'app', 'app');
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stderr,
      /^Held back 5 secret-like files: \.aws\/, \.env, \.env\.local, certs\/x\.pem, id_ed25519 \(send with --include-secrets/m,
    );
    assert.deepEqual(readdirSync(ws('app')).sort(), ['.env.example', 'certs', 'src']);
    assert.deepEqual(readdirSync(ws('app', 'certs')), []);
    r = await yd('push', '--include-secrets', 'app', 'app-all');
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /Held back/);
    assert.equal(readFileSync(ws('app-all', '.aws', 'credentials'), 'utf8'), '.aws/credentials\n');
    assert.ok(existsSync(ws('app-all', 'id_ed25519')));
  });

  it('git config yolovm.allowSecrets lets chosen patterns go', async () => {
    await vm.run('git', ['config', '--global', 'yolovm.allowSecrets', '.env.local *.pem']);
    try {
      const r = await yd('push', 'app', 'app-allowed');
      assert.equal(r.code, 0, r.stderr);
      assert.ok(existsSync(ws('app-allowed', '.env.local')));
      assert.ok(existsSync(ws('app-allowed', 'certs', 'x.pem')));
      assert.equal(existsSync(ws('app-allowed', '.env')), false);
      assert.match(r.stderr, /^Held back 3 secret-like files: \.aws\/, \.env, id_ed25519/m);
    } finally {
      await vm.run('git', ['config', '--global', '--unset', 'yolovm.allowSecrets']);
    }
  });

  it('a pull never overwrites or deletes a local secret-like file', async () => {
    writeFileSync(ws('app-all', '.env'), 'API_KEY=agent-changed\n');
    writeFileSync(ws('app-all', 'src', 'main.js'), 'agent edit\n');
    write(ws('app-all', 'new.pem'), 'only on the VM\n');
    const r = await yd('pull', 'app', 'app-all');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(readFileSync(join(home, 'app', '.env'), 'utf8'), '.env\n');
    assert.match(r.stderr, /^Kept your \.env: the VM has a different one/m);
    assert.match(r.stderr, /^Not brought: new\.pem \(secret-like, on the VM only\)$/m);
    assert.equal(existsSync(join(home, 'app', 'new.pem')), false);
    assert.equal(readFileSync(join(home, 'app', 'src', 'main.js'), 'utf8'), 'agent edit\n');
    // The VM copy without .env.local: still here after a pull from it.
    const r2 = await yd('pull', 'app', 'app');
    assert.equal(r2.code, 0, r2.stderr);
    assert.ok(existsSync(join(home, 'app', '.env.local')));
    assert.ok(existsSync(join(home, 'app', 'id_ed25519')));
  });

  it('git push and git yolo-push warn, naming them, when commits add or change secret-like files', async () => {
    const repo = await makeRepo(vm, 'secrets-repo');
    const git = (...a: string[]) => vm.run('git', a, { cwd: repo });
    let r = await git('push', 'yolovm::sr', 'main');
    assert.doesNotMatch(r.stderr, /secret-like/);
    write(join(repo, 'config', 'prod.env'), 'not secret by name\n');
    write(join(repo, '.env'), 'SECRET=1\n');
    write(join(repo, 'deploy.key'), 'key\n');
    await git('add', '.');
    await git('commit', '-q', '-m', 'oops');
    r = await git('push', 'yolovm::sr', 'main');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^warning: the commits going to the VM add or change secret-like files: \.env, deploy\.key$/m);
    await git('commit', '-q', '--allow-empty', '-m', 'later');
    r = await git('yolo-push', 'main', 'sr');
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /secret-like/, 'only what goes now counts');
  });
});

describe('.gitignore, exactly as git decides', () => {
  it('what git ignores stays home (nested rules and negations included); --no-gitignore sends it; a pull protects it', async () => {
    const repo = await makeRepo(vm, 'ignoring');
    write(join(repo, '.gitignore'), 'dist/\n*.log\n!keep.log\n');
    write(join(repo, 'sub', '.gitignore'), 'tmp/\n');
    for (const f of ['dist/bundle.js', 'a.log', 'keep.log', 'sub/tmp/x', 'sub/kept.txt', 'src/app.js']) write(join(repo, f), `${f}\n`);
    const ignored = (await vm.run('git', ['status', '--ignored', '--porcelain'], { cwd: repo })).stdout;
    assert.match(ignored, /^!! a\.log$/m);
    let r = await yd('push', 'ignoring', 'ig');
    assert.equal(r.code, 0, r.stderr);
    for (const f of ['keep.log', 'sub/kept.txt', 'src/app.js', '.gitignore']) assert.ok(existsSync(ws('ig', f)), f);
    for (const f of ['dist', 'a.log', 'sub/tmp']) assert.equal(existsSync(ws('ig', f)), false, f);
    r = await yd('push', '--no-gitignore', 'ignoring', 'ig-all');
    assert.equal(r.code, 0, r.stderr);
    assert.ok(existsSync(ws('ig-all', 'dist', 'bundle.js')) && existsSync(ws('ig-all', 'sub', 'tmp', 'x')));
    // A mirror pull from a VM copy without dist/ leaves the local, ignored dist/ alone.
    r = await yd('pull', 'ignoring', 'ig');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(readFileSync(join(repo, 'dist', 'bundle.js'), 'utf8'), 'dist/bundle.js\n');
    assert.ok(existsSync(join(repo, 'a.log')));
  });
});

describe('pulls keep owners and compare content', () => {
  it('pulled files belong to the local user, even when the VM files belong to someone else (as root)', async () => {
    write(ws('owned', 'f.txt'), 'x\n');
    if (process.getuid?.() === 0) chownSync(ws('owned', 'f.txt'), 4242, 4242); // as root, rsync -a would carry it over
    const r = await yd('pull', 'owned-here', 'owned');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(statSync(join(home, 'owned-here', 'f.txt')).uid, process.getuid?.());
  });

  it('a different mtime alone is no change: not itemized, not backed up, not rewritten', async () => {
    const f = join(home, 'owned-here', 'f.txt');
    const ino = statSync(f).ino;
    utimesSync(f, new Date('2001-01-01'), new Date('2001-01-01'));
    const dry = await yd('pull', '-n', 'owned-here', 'owned');
    assert.equal(dry.code, 0, dry.stderr);
    assert.equal(dry.stdout, '', 'nothing itemized');
    const r = await yd('pull', 'owned-here', 'owned');
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /kept in/);
    assert.equal(statSync(f).ino, ino, 'not rewritten');
  });

  it('a dry run lists on stdout (pipeable), messages on stderr', async () => {
    writeFileSync(ws('owned', 'new.txt'), 'n\n');
    const r = await yd('pull', '-n', 'owned-here', 'owned');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^ {2}>f\+{9} new\.txt$/m);
    assert.doesNotMatch(r.stderr, /new\.txt/);
    assert.match(r.stderr, /^Dry run: /m);
  });
});

describe('on the way back', () => {
  it('files that would run code here are listed for review', async () => {
    write(ws('owned', 'Makefile'), 'all:\n');
    write(ws('owned', '.vscode', 'tasks.json'), '{}\n');
    write(ws('owned', 'tool'), '#!/bin/sh\n');
    chmodSync(ws('owned', 'tool'), 0o755);
    const r = await yd('pull', 'owned-here', 'owned');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^Review before running anything: 3 changed files would run code on this machine:$/m);
    assert.match(r.stderr, /^ {2}\.vscode\/tasks\.json \(\.vscode\/\)$/m);
    assert.match(r.stderr, /^ {2}Makefile \(Makefile\)$/m);
    assert.match(r.stderr, /^ {2}tool \(became executable\)$/m);
  });

  it('a pull into the wrong directory is refused; nothing changes; --force pulls', async () => {
    const wrong = join(home, 'thesis');
    for (let i = 0; i < 30; i++) write(join(wrong, `chapter${String(i)}.tex`), `chapter ${String(i)}\n`);
    let r = await yd('pull', 'thesis', 'owned');
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /^error: Refusing to pull .*owned into 'thesis': it would replace or delete 30 of its 30 files\nhint: Is this the wrong directory/m,
    );
    assert.equal(readdirSync(wrong).length, 30);
    r = await yd('pull', '--force', 'thesis', 'owned');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /kept in /);
  });
});
