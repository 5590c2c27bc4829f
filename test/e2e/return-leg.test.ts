// The agent's whole work comes back: hand-off records, snapshots of uncommitted
// work, git yolo-diff and git yolo-fetch --wip, end to end on the test sshd. The
// agent's repository must stay byte for byte as the agent left it.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeRepo, startVm, type TestVm, gitIn } from '../harness/vm.js';

let vm: TestVm;
let repo: string;
const SUB = 'my app ü';
const REF = 'refs/yolovm/default/my%20app%20%C3%BC';
const ws = (...p: string[]) => join(vm.workspace, SUB, ...p);
const { git, must } = gitIn(
  () => vm,
  () => repo,
);

/** Everything about the agent's repository that yolovm must never change. */
async function agentState(): Promise<string> {
  const g = async (...args: string[]) => (await vm.vmGit(SUB, ['--no-optional-locks', ...args])).stdout;
  const index = createHash('sha256')
    .update(readFileSync(ws('.git', 'index')))
    .digest('hex');
  return [
    `index ${index}`,
    await g('status', '--porcelain', '--untracked-files=all'),
    await g('stash', 'list'),
    await g('for-each-ref'),
    await g('reflog', '--format=%H %gs'),
    await g('symbolic-ref', 'HEAD'),
  ].join('\n---\n');
}

before(async () => {
  vm = await startVm();
  repo = await makeRepo(vm, 'app');
  writeFileSync(join(repo, 'a.txt'), 'a\n');
  writeFileSync(join(repo, 'old.txt'), 'old\n');
  writeFileSync(join(repo, 'run.sh'), 'echo hi\n');
  writeFileSync(join(repo, '.gitignore'), 'dist/\n');
  await must('add', '.');
  await must('commit', '-q', '-m', 'project');
});

after(async () => {
  await vm.stop();
});

describe('hand-off, snapshot, review, bring back', () => {
  let handedOff: string;
  let before: string;

  it('git yolo-push records the hand-off on the host and remembers the location', async () => {
    const r = await git('yolo-push', 'main', SUB);
    assert.equal(r.code, 0, r.stderr);
    handedOff = (await must('rev-parse', 'main')).trim();
    assert.equal((await must('rev-parse', `${REF}/handoff/main`)).trim(), handedOff);
    assert.equal((await must('config', 'yolovm.subpath')).trim(), SUB);
    assert.match(r.stderr, /Remembered 'my app ü' as this repository's VM location/);
  });

  it('the agent commits some work and leaves the rest uncommitted', async () => {
    writeFileSync(ws('c.txt'), 'committed by the agent\n');
    await vm.vmGit(SUB, ['add', 'c.txt']);
    await vm.vmGit(SUB, ['commit', '-q', '-m', 'agent: add c']);
    writeFileSync(ws('a.txt'), 'a, edited by the agent\n');
    writeFileSync(ws('NOTES ü.md'), 'what I did\n');
    unlinkSync(ws('old.txt'));
    renameSync(ws('README'), ws('README.md'));
    chmodSync(ws('run.sh'), 0o755);
    mkdirSync(ws('.vscode'));
    writeFileSync(ws('.vscode', 'tasks.json'), '{}\n');
    mkdirSync(ws('dist'));
    writeFileSync(ws('dist', 'bundle.js'), 'ignored\n');
    await vm.vmGit(SUB, ['status']); // as the agent would: settles the index's stat data
    before = await agentState();
  });

  it('git yolo-diff shows the commit and every file, from the hand-off to the work tree, host-running files marked', async () => {
    const r = await git('yolo-diff');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /Using this repository's VM location 'my app ü'/);
    assert.match(
      r.stdout,
      new RegExp(`^${handedOff.slice(0, 7)} \\(handed off\\) -> [0-9a-f]{7} \\(VM tip\\): 1 commit; 7 uncommitted changes`, 'm'),
    );
    assert.match(r.stdout, /^ {2}[0-9a-f]{7} agent: add c$/m);
    const files = r.stdout
      .split('\n')
      .filter((l) => /^ {2}[AMDRC] /.test(l))
      .map((l) => l.trim().replace(/ +/g, ' '));
    assert.deepEqual(files, [
      'A created .vscode/tasks.json ! runs on the host (.vscode/)',
      'A created NOTES ü.md',
      'R renamed README -> README.md',
      'M edited a.txt',
      'A created c.txt',
      'D deleted old.txt',
      'M edited run.sh ! runs on the host (*.sh)',
    ]);
    assert.doesNotMatch(r.stdout, /dist/, '.gitignored files stay out');
    // The same set as the VM's own view: its commits plus git status.
    const vmView = await vm.vmGit(SUB, ['--no-optional-locks', 'status', '--porcelain', '--untracked-files=all']);
    assert.equal(vmView.stdout.trim().split('\n').length, 7);
    assert.equal(await agentState(), before, 'the agent’s repository is untouched');
    assert.equal(await must('rev-parse', 'main'), `${handedOff}\n`, 'no local branch moved');
    assert.equal(await must('status', '--porcelain'), '', 'the local work tree is untouched');
  });

  it('git yolo-diff --name-status and -p go through git', async () => {
    let r = await git('yolo-diff', '--name-status', 'main');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^R100\tREADME\tREADME\.md$/m);
    assert.ok(
      r.stdout.split('\n').every((l) => l === '' || /^[ACDMRTU]\d*\t/.test(l)),
      `only git's lines on stdout: ${r.stdout}`,
    );
    assert.match(r.stderr, /^VM: .*, branch main/m, 'the summary goes to stderr');
    r = await git('yolo-diff', '-p', 'main', SUB);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^old mode 100644\nnew mode 100755$/m);
    assert.match(r.stdout, /^\+a, edited by the agent$/m);
  });

  it('git yolo-fetch says what is uncommitted and saves it; the agent’s repository stays as it was', async () => {
    const r = await git('yolo-fetch', 'main');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /Fast-forwarded main .*\(1 new commit\)/);
    assert.match(
      r.stderr,
      new RegExp(
        `The VM work tree \\(on main\\) has 7 uncommitted changes \\(D README, M a\\.txt, D old\\.txt, M run\\.sh, \\?\\? \\.vscode/, and 2 more\\): saved as ${REF}/wip \\(51 bytes\\)`,
      ),
    );
    assert.match(r.stderr, /review: git yolo-diff main {3}apply here: git yolo-fetch --wip main$/m);
    assert.equal(await agentState(), before);
    assert.equal(await must('status', '--porcelain'), '');
  });

  it('--wip refuses, changing nothing, where the VM’s work meets a local change', async () => {
    writeFileSync(join(repo, 'a.txt'), 'my own edit\n');
    const head = await must('rev-parse', 'HEAD');
    const r = await git('yolo-fetch', '--wip', 'main');
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /^error: The VM's uncommitted work would meet your local changes in .*: a\.txt\nhint: Nothing was changed/m);
    assert.equal(readFileSync(join(repo, 'a.txt'), 'utf8'), 'my own edit\n');
    assert.equal(await must('rev-parse', 'HEAD'), head);
    assert.equal(await must('status', '--porcelain'), ' M a.txt\n');
    await must('checkout', '--', 'a.txt');
  });

  it('--wip applies the VM’s uncommitted work here exactly as the VM has it', async () => {
    const r = await git('yolo-fetch', '--wip', 'main');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /Applied the VM's 7 uncommitted changes to /);
    const vmStatus = (await vm.vmGit(SUB, ['--no-optional-locks', 'status', '--porcelain', '--untracked-files=all'])).stdout;
    assert.equal(await must('status', '--porcelain', '--untracked-files=all'), vmStatus);
    assert.equal(readFileSync(join(repo, 'a.txt'), 'utf8'), 'a, edited by the agent\n');
    assert.equal(readFileSync(join(repo, 'NOTES ü.md'), 'utf8'), 'what I did\n');
    assert.ok(statSync(join(repo, 'run.sh')).mode & 0o100, 'run.sh became executable here too');
    assert.equal(existsSync(join(repo, 'dist')), false);
    assert.equal(await agentState(), before);
    await must('stash', '-u', '-q');
  });

  it('plain git push records hand-offs too, and a later push moves them', async () => {
    let r = await git('push', `yolovm::${SUB}`, 'main:side');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(await must('rev-parse', `${REF}/handoff/side`), await must('rev-parse', 'main'));
    await must('commit', '-q', '--allow-empty', '-m', 'more');
    r = await git('push', `yolovm::${SUB}`, 'main:side');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(await must('rev-parse', `${REF}/handoff/side`), await must('rev-parse', 'main'));
    r = await git('push', `yolovm::${SUB}`, '--delete', 'side');
    assert.equal(r.code, 0, r.stderr);
    assert.equal((await git('rev-parse', '-q', '--verify', `${REF}/handoff/side`)).code, 1, 'a deleted branch’s record goes');
  });

  it('a branch the agent made itself is compared with the merge base, and says so', async () => {
    await vm.vmGit(SUB, ['stash', '-u', '-q']);
    await vm.vmGit(SUB, ['checkout', '-q', '-b', 'agent-idea']);
    writeFileSync(ws('idea.txt'), 'idea\n');
    await vm.vmGit(SUB, ['add', 'idea.txt']);
    await vm.vmGit(SUB, ['commit', '-q', '-m', 'agent: an idea']);
    const r = await git('yolo-diff');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /branch agent-idea \(checked out there\)/);
    assert.match(r.stdout, /\(no hand-off recorded; merge base with HEAD\) -> [0-9a-f]{7} \(VM tip\): 1 commit; no uncommitted work/);
    assert.match(r.stdout, /^ {2}A created +idea\.txt$/m);
    assert.equal(await must('rev-parse', '-q', '--verify', 'refs/heads/agent-idea').catch(() => ''), '', 'no local branch made');
  });

  it('repositories the agent made inside the work tree are left out of the snapshot, committed or not', async () => {
    await must('push', '-q', 'yolovm::outer', 'main');
    const outer = (...p: string[]) => join(vm.workspace, 'outer', ...p);
    const wipFiles = async () => await must('ls-tree', '-r', '--format=%(objectmode) %(path)', 'refs/yolovm/default/outer/wip');
    writeFileSync(outer('new.txt'), 'agent\n');
    mkdirSync(outer('sub', 'done'), { recursive: true });
    writeFileSync(outer('sub', 'done', 'd.txt'), 'committed\n');
    await vm.vmGit('outer/sub/done', ['init', '-q']);
    await vm.vmGit('outer/sub/done', ['add', 'd.txt']);
    await vm.vmGit('outer/sub/done', ['commit', '-q', '-m', 'inner']);
    let r = await git('yolo-fetch', 'main', 'outer');
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /embedded/);
    let files = await wipFiles();
    assert.match(files, /^100644 new\.txt$/m);
    assert.doesNotMatch(files, /sub\//, 'not as a commit id either');
    // One without a commit, which git add -A refuses.
    mkdirSync(outer('sub', 'fresh'), { recursive: true });
    writeFileSync(outer('sub', 'fresh', 'f.txt'), 'no commit yet\n');
    writeFileSync(outer('new.txt'), 'agent, again\n');
    await vm.vmGit('outer/sub/fresh', ['init', '-q']);
    r = await git('yolo-fetch', 'main', 'outer');
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /does not have a commit/);
    files = await wipFiles();
    assert.equal(await must('cat-file', 'blob', 'refs/yolovm/default/outer/wip:new.txt'), 'agent, again\n');
    assert.doesNotMatch(files, /sub\//);
  });

  it('a work tree git cannot read is said so, and the agent’s repository stays as it was', async () => {
    const outer = (...p: string[]) => join(vm.workspace, 'outer', ...p);
    // git add -A must write the new blob under .git/objects/<its first two digits>/: a file there stops it.
    let text = '';
    let dir = '';
    for (let i = 0; !dir; i++) {
      text = `edit ${String(i)}\n`;
      const id = createHash('sha1')
        .update(`blob ${String(Buffer.byteLength(text))}\0${text}`)
        .digest('hex');
      if (!existsSync(outer('.git', 'objects', id.slice(0, 2)))) dir = outer('.git', 'objects', id.slice(0, 2));
    }
    writeFileSync(outer('new.txt'), text);
    writeFileSync(dir, 'in the way\n');
    const before = (await vm.vmGit('outer', ['--no-optional-locks', 'status', '--porcelain'])).stdout;
    const r = await git('yolo-fetch', 'main', 'outer');
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /^error: Cannot snapshot the uncommitted work in '.*outer' on the VM$/m);
    assert.match(r.stderr, /^hint: git could not read the work tree there/m);
    assert.match(r.stderr, /new\.txt/, 'git’s own message names the file');
    assert.equal((await vm.vmGit('outer', ['--no-optional-locks', 'status', '--porcelain'])).stdout, before);
    unlinkSync(dir);
  });

  it('nothing of the snapshots is left in the VM’s TMPDIR, clean tree or not', async () => {
    const status = async () => await vm.run('yolovm', ['status', 'outer'], { cwd: repo });
    let r = await status();
    assert.match(r.stdout, /uncommitted/);
    rmSync(join(vm.workspace, 'outer', 'new.txt'));
    await vm.vmGit('outer', ['checkout', '-q', '--', '.']);
    rmSync(join(vm.workspace, 'outer', 'sub'), { recursive: true });
    r = await git('yolo-fetch', 'main', 'outer');
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stdout + r.stderr, /uncommitted/, 'the tree is clean');
    r = await status();
    assert.doesNotMatch(r.stdout, /uncommitted/);
    assert.deepEqual(readdirSync(vm.vmTmp), []);
  });

  it('a VM path without a repository is named', async () => {
    mkdirSync(join(vm.workspace, 'plain dir'));
    let r = await git('yolo-diff', 'main', 'plain dir');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^error: Workspace path 'plain dir' on the VM is not a git repository/m);
    r = await git('yolo-fetch', 'main', 'nowhere');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^error: Workspace path 'nowhere' not on VM/m);
  });
});
