// Hostile input, end to end, every command: each input is refused (exit 1, a
// clear message) or taken verbatim as a name. It is never run by a shell, never
// read as an option, and nothing is written outside the workspace.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeRepo, run, startVm, type RunResult, type TestVm } from '../harness/vm.js';

let vm: TestVm;
let repo: string;
let home: string;
const MARK = 'PWNED';

/** Payloads: each would create a file named PWNED if anything ran it. */
const INPUTS: [string, string][] = [
  ['semicolon', `x;touch ${MARK}`],
  ['pipe', `x|touch ${MARK}`],
  ['ampersand', `x&touch ${MARK}&`],
  ['command substitution', `$(touch ${MARK})`],
  ['backticks', `\`touch ${MARK}\``],
  ['single quote', `x';touch ${MARK};'`],
  ['double quote', `x";touch ${MARK};"`],
  ['newline', `x\ntouch ${MARK}`],
  ['control character', 'x\x01y'],
  ['dot-dot', '../escape'],
  ['dot-dot inside', 'a/../../escape'],
  ['absolute', '/tmp/yolovm-hostile-escape'],
  ['tilde', '~'],
  ['tilde path', '~/escape'],
  ['ssh option', `-oProxyCommand=touch ${MARK}`],
  ['rsync option', `-e touch ${MARK}`],
  ['git option', `--upload-pack=touch ${MARK}`],
  ['very long', 'n'.repeat(300)],
  ['spaces and unicode', 'my ünï cødé dir'],
];

function everything(root: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      out.push(p);
      if (e.isDirectory() && !e.isSymbolicLink()) walk(p);
    }
  };
  walk(root);
  return out;
}

/** Files named PWNED anywhere in the test's world, and anything new outside the places commands may write. */
function damage(before: Set<string>, alsoAllowed: string[] = []): string[] {
  const all = everything(vm.dir);
  const marks = all.filter((p) => p.endsWith(`/${MARK}`));
  // yolovm's own places: the workspace, the host's state, and on the VM its sync markers (~/.cache/yolovm, hashed names).
  const allowed = [vm.workspace, home, join(vm.dir, 'run'), join(vm.dir, 'state'), join(vm.dir, 'vmhome', '.cache'), ...alsoAllowed];
  const outside = all.filter((p) => !before.has(p) && !allowed.some((a) => p === a || p.startsWith(`${a}/`)));
  return [...marks, ...outside.map((p) => `written outside: ${relative(vm.dir, p)}`)];
}

interface Outcome {
  input: string;
  r: RunResult;
}

/** Run one command per input; each must be refused (1) or succeed, and leave no damage. */
async function tryAll(
  cmd: (input: string, i: number) => Promise<RunResult>,
  okCodes = [0, 1],
  alsoAllowed: (input: string) => string[] = () => [],
): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  const problems: string[] = [];
  for (const [i, [name, input]] of INPUTS.entries()) {
    const before = new Set(everything(vm.dir));
    const r = await cmd(input, i);
    outcomes.push({ input: name, r });
    if (!okCodes.includes(r.code)) problems.push(`${name}: exit ${r.code}: ${r.stderr.trim()}`);
    if (r.code !== 0 && !/^error: .+\nhint: .+/m.test(r.stderr)) problems.push(`${name}: no error/hint lines: ${r.stderr.trim()}`);
    if (/\n\s+at .+:\d+:\d+\)?$/m.test(r.stderr)) problems.push(`${name}: a stack trace: ${r.stderr}`);
    for (const d of damage(before, alsoAllowed(input))) problems.push(`${name}: ${d}`);
  }
  assert.deepEqual(problems, []);
  return outcomes;
}

before(async () => {
  vm = await startVm();
  home = join(vm.dir, 'home');
  repo = await makeRepo(vm, 'repo');
  mkdirSync(join(home, 'proj'));
  writeFileSync(join(home, 'proj', 'f.txt'), 'f\n');
  // A VM repository to fetch from, and the shared connection warm.
  assert.equal((await vm.run('git', ['push', 'yolovm::base', 'main'], { cwd: repo })).code, 0);
});

after(async () => {
  await vm.stop();
  rmSync('/tmp/yolovm-hostile-escape', { recursive: true, force: true });
});

const refused = (o: Outcome[], names: string[]) => {
  for (const n of names) {
    const hit = o.find((x) => x.input === n);
    assert.equal(hit?.r.code, 1, `${n} should be refused: ${hit?.r.stderr ?? ''}`);
  }
};
const SUBPATH_REFUSED = [
  'newline',
  'control character',
  'dot-dot',
  'dot-dot inside',
  'absolute',
  'tilde',
  'tilde path',
  'ssh option',
  'rsync option',
  'git option',
];

describe('hostile subpaths', () => {
  it('git push yolovm::<input>', async () => {
    const o = await tryAll((input) => vm.run('git', ['push', `yolovm::${input}`, 'main'], { cwd: repo }), [0, 1, 128]);
    for (const n of SUBPATH_REFUSED) assert.match(o.find((x) => x.input === n)?.r.stderr ?? '', /Invalid workspace subpath/, n);
    // Taken verbatim: the directory exists under exactly that name.
    assert.ok(existsSync(join(vm.workspace, `$(touch ${MARK})`, '.git')));
    assert.ok(existsSync(join(vm.workspace, `x';touch ${MARK};'`, '.git')));
  });
  it('git ls-remote and git clone yolovm::<input>', async () => {
    await tryAll((input) => vm.run('git', ['ls-remote', `yolovm::${input}`], { cwd: repo }), [0, 128]);
    await tryAll((input, i) => vm.run('git', ['clone', '-q', `yolovm::${input}`, `clone-${i}`], { cwd: home }), [0, 128]);
  });
  it('git yolo-push main <input>', async () => {
    refused(await tryAll((input) => vm.run('git', ['yolo-push', 'main', input], { cwd: repo })), SUBPATH_REFUSED);
  });
  it('git yolo-fetch main <input>', async () => {
    refused(await tryAll((input) => vm.run('git', ['yolo-fetch', 'main', input], { cwd: repo })), SUBPATH_REFUSED);
  });
  it('yolo-dir push/pull/ls <input>', async () => {
    refused(await tryAll((input) => vm.run('yolo-dir', ['push', 'proj', input], { cwd: home })), SUBPATH_REFUSED);
    refused(await tryAll((input, i) => vm.run('yolo-dir', ['pull', `pulled-${i}`, input], { cwd: home })), SUBPATH_REFUSED);
    const ls = await tryAll((input) => vm.run('yolo-dir', ['ls', input], { cwd: home }));
    refused(ls, SUBPATH_REFUSED);
    // `git push yolovm::<input>` above made a repository of each name it took verbatim: ls shows it.
    for (const o of ls.filter((x) => x.r.code === 0)) assert.match(o.r.stdout, /^ {2}\.\s+git: main /m, `${o.input}: ${o.r.stdout}`);
    assert.ok(ls.some((x) => x.input === 'spaces and unicode' && x.r.code === 0));
  });
  it('yolovm status/save/clean -n/ssh <input>', async () => {
    refused(await tryAll((input) => vm.run('yolovm', ['status', input], { cwd: home })), SUBPATH_REFUSED);
    refused(await tryAll((input) => vm.run('yolovm', ['save', input], { cwd: home })), SUBPATH_REFUSED);
    refused(await tryAll((input) => vm.run('yolovm', ['clean', '-n', input], { cwd: home })), SUBPATH_REFUSED);
    const ssh = await tryAll((input) => vm.run('yolovm', ['ssh', input, '--', 'pwd'], { cwd: home }));
    refused(ssh, SUBPATH_REFUSED);
    for (const o of ssh.filter((x) => x.r.code === 0)) assert.ok(o.r.stdout.startsWith(vm.workspace), `${o.input}: ${o.r.stdout}`);
  });
});

describe('hostile branch names and directory names', () => {
  it('git yolo-push <input> and git yolo-fetch <input>: never an option, never run', async () => {
    const o = await tryAll((input) => vm.run('git', ['yolo-push', '--', input, 'b'], { cwd: repo }));
    for (const x of o) assert.equal(x.r.code, 1, `${x.input}: ${x.r.stderr}`);
    const f = await tryAll((input) => vm.run('git', ['yolo-fetch', '--', input, 'base'], { cwd: repo }));
    for (const x of f) assert.equal(x.r.code, 1, `${x.input}: ${x.r.stderr}`);
  });
  it('yolo-dir push <input> / pull <input>: local names are taken verbatim', async () => {
    const o = await tryAll(async (input, i) => {
      const local = join(home, 'names', String(i), input.replace(/^\/+/, ''));
      try {
        mkdirSync(local, { recursive: true });
        writeFileSync(join(local, 'f.txt'), input);
      } catch {
        /* not a name the file system takes: the command must still not run it */
      }
      return vm.run('yolo-dir', ['push', '--', local, `names-${i}`], { cwd: home });
    });
    assert.equal(o.find((x) => x.input === 'command substitution')?.r.code, 0);
    const p = await tryAll((input, i) =>
      vm.run('yolo-dir', ['pull', '--', join(home, 'pulls', String(i), input.replace(/^\/+/, '')), `names-${i}`], { cwd: home }),
    );
    assert.equal(p.find((x) => x.input === 'semicolon')?.r.code, 0);
  });
});

describe('hostile settings', () => {
  const settings: [string, (input: string) => Record<string, string>][] = [
    ['YOLOVM_HOST', (v) => ({ YOLOVM_HOST: v })],
    ['YOLOVM_USER', (v) => ({ YOLOVM_USER: v })],
    ['YOLOVM_WORKSPACE', (v) => ({ YOLOVM_WORKSPACE: v })],
    ['YOLOVM_CONTROL_PERSIST', (v) => ({ YOLOVM_CONTROL_PERSIST: v })],
    [
      'YOLOVM_TERRAFORM_OUTPUT (no host)',
      (v) => ({ YOLOVM_HOST: '', YOLOVM_TERRAFORM_DIR: join(vm.dir, 'tf'), YOLOVM_TERRAFORM_OUTPUT: v }),
    ],
  ];
  for (const [name, env] of settings) {
    it(name, async () => {
      mkdirSync(join(vm.dir, 'tf'), { recursive: true });
      // A workspace of `~` or `~/x` is the VM home by the user's own choice.
      const home = (input: string) => (name === 'YOLOVM_WORKSPACE' && input.startsWith('~') ? [join(vm.dir, 'vmhome')] : []);
      const o = await tryAll((input) => vm.run('git', ['yolo-push', 'main', 'settings'], { cwd: repo, env: env(input) }), [0, 1, 2], home);
      if (name === 'YOLOVM_WORKSPACE') {
        for (const n of ['dot-dot', 'ssh option', 'semicolon', 'newline'])
          assert.match(o.find((x) => x.input === n)?.r.stderr ?? '', /Invalid workspace base/, n);
      }
    });
  }
  it('YOLOVM_SSH words are split, never expanded: directly, through git (GIT_SSH_COMMAND) and through rsync -e', async () => {
    // Valid for ssh, but a shell would run `touch PWNED` in it.
    const env = { YOLOVM_SSH: `ssh -F ${vm.sshConfig} -o "SetEnv=X=$(touch\${IFS}${MARK})" -o 'SetEnv=Y=\`touch\${IFS}${MARK}\`'` };
    const before = new Set(everything(vm.dir));
    for (const [cmd, args, cwd] of [
      ['git', ['ls-remote', 'yolovm::base'], repo],
      ['git', ['push', 'yolovm::base', 'main:via-send-pack'], repo],
      ['yolo-dir', ['push', 'proj', 'via-rsync'], home],
    ] as const) {
      const r = await vm.run(cmd, args, { cwd, env: { ...env, YOLOVM_CONTROL_PERSIST: 'no' } });
      assert.equal(r.code, 0, `${cmd} ${args.join(' ')}: ${r.stderr}`);
    }
    assert.deepEqual(damage(before), []);
  });
});

describe('non-UTF-8 bytes', () => {
  it('are refused as subpaths and branch names, with a clear message', async () => {
    const bash = (script: string) => run('bash', ['-c', script], vm.env, { cwd: repo });
    let r = await bash(`git yolo-push main "$(printf 'bad\\xffname')"`);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /not valid UTF-8/);
    r = await bash(`git yolo-push "$(printf 'bad\\xffbranch')" x`);
    assert.equal(r.code, 1);
    r = await bash(`git ls-remote "yolovm::$(printf 'bad\\xff')"`);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /not valid UTF-8/);
  });
});
