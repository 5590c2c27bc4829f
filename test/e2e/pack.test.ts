// `npm pack`, then `npm install -g <tarball> --prefix DIR`, as a TypeScript CLI user would: the tarball holds
// the bundles, the VM script and the man pages and no sources or tests; every command works from DIR/bin (a
// push through it reaches the test VM) and `man` finds the pages under DIR/share/man. Offline: the bundles
// carry their dependencies, so the install fetches nothing.
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeRepo, ROOT, run, startVm, type TestVm } from '../harness/vm.js';

let vm: TestVm;
let work: string;
let prefix: string;
let tarball: string;
let unbuilt: { code: number; stderr: string };

before(async () => {
  vm = await startVm();
  work = mkdtempSync(join(tmpdir(), 'yolovm-pack-'));
  // A clean copy of the tracked files (this checkout's build/ and dist/ stay untouched), with the dev tools linked in.
  const src = join(work, 'src');
  const files = (await run('git', ['-C', ROOT, 'ls-files', '-z'], process.env)).stdout.split('\0').filter((f) => f !== '');
  for (const f of files) if (existsSync(join(ROOT, f))) cpSync(join(ROOT, f), join(src, f), { recursive: true });
  symlinkSync(join(ROOT, 'node_modules'), join(src, 'node_modules'));
  // A fresh clone, not built: the commands say so, in one line and a hint.
  unbuilt = await run(process.execPath, [join(src, 'bin', 'yolovm'), 'status'], process.env);
  const packed = await run('npm', ['pack', '--silent', '--pack-destination', work], process.env, { cwd: src });
  assert.equal(packed.code, 0, packed.stderr);
  tarball = join(work, packed.stdout.trim().split('\n').pop() ?? '');
  prefix = join(work, 'prefix');
  mkdirSync(prefix);
  const installed = await run('npm', ['install', '-g', '--offline', '--no-audit', '--no-fund', '--prefix', prefix, tarball], process.env, {
    cwd: work,
  });
  assert.equal(installed.code, 0, installed.stderr);
});
after(async () => {
  await vm.stop();
  rmSync(work, { recursive: true, force: true });
});

describe('npm pack and npm install -g', () => {
  it('a checkout that is not built says so, with the fix, and no stack trace', () => {
    assert.equal(unbuilt.code, 1);
    assert.match(unbuilt.stderr, /^error: yolovm is not built: \S+\/dist is missing\nhint: run `npm run build` there/);
    assert.doesNotMatch(unbuilt.stderr, /\n\s+at /);
  });
  it('the tarball holds bin, dist (with vm.sh), man and package.json, and no sources or tests', async () => {
    const list = (await run('tar', ['-tzf', tarball], process.env)).stdout.split('\n').filter((l) => l !== '');
    assert.ok(list.includes('package/dist/git-remote-yolovm.cjs'), list.join('\n'));
    assert.ok(list.includes('package/dist/vm.sh'));
    assert.ok(list.includes('package/man/man1/git-yolo-push.1'));
    assert.deepEqual(
      list.filter((l) => /^package\/(src|test|bench|build)\//.test(l) || l.endsWith('.ts')),
      [],
    );
  });
  it('every command runs from DIR/bin; a push through it reaches the VM; man finds the pages', async () => {
    const bin = join(prefix, 'bin');
    assert.deepEqual(readdirSync(bin).sort(), [
      'git-remote-yolovm',
      'git-yolo-diff',
      'git-yolo-fetch',
      'git-yolo-push',
      'yolo-dir',
      'yolovm',
    ]);
    // Only the installed commands on PATH, not this checkout's.
    const env = {
      ...vm.env,
      PATH: `${bin}:${(vm.env.PATH ?? '')
        .split(':')
        .filter((p) => !p.startsWith(ROOT))
        .join(':')}`,
    };
    for (const c of ['yolovm', 'yolo-dir', 'git-yolo-push', 'git-yolo-fetch', 'git-yolo-diff']) {
      const r = await run(c, ['-V'], env);
      assert.equal(r.code, 0, `${c}: ${r.stderr}`);
    }
    const repo = await makeRepo(vm, 'packed');
    const push = await run('git', ['yolo-push', 'main', 'packed'], env, { cwd: repo });
    assert.equal(push.code, 0, push.stderr);
    assert.match(push.stderr, /Pushed new branch main/);
    const ls = await run('git', ['ls-remote', 'yolovm::packed'], env, { cwd: repo });
    assert.match(ls.stdout, /\trefs\/heads\/main$/m);
    const man = await run('man', ['-M', join(prefix, 'share', 'man'), '-P', 'cat', 'git-yolo-push'], { ...env, MANWIDTH: '80' });
    assert.equal(man.code, 0, man.stderr);
    assert.match(man.stdout, /git-yolo-push/);
  });
});
