// npm run bench: yolovm against plain git, plain rsync and the original design's
// scripts, on loopback only, against the test harness's real sshd. Rounds are
// interleaved (the order alternates) and medians reported; ratios are ours/baseline.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { vmCommand } from '../src/vm/vm.js';
import { makeRepo, mastersIn, ROOT, signal, startVm, waitGone, type RunResult, type TestVm } from '../test/harness/vm.js';
import { startFleet } from '../test/harness/fleet.js';
import { randomBytes } from 'node:crypto';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
/** The `latency` rows' added delay, each way. */
const DELAY_MS = 25;
const LARGE_ROUNDS = Number(process.env.BENCH_LARGE_ROUNDS ?? 3);
const JSON_OUT = process.argv.includes('--json');

interface Row {
  group: string;
  what: string;
  ours: number;
  base: number;
  baseName: string;
  target?: number; // ratio ours/base must be <= target
}

const rows: Row[] = [];
/** What fixed costs are made of: a fresh ssh handshake, a shared-connection round trip, a Node.js start. */
const parts: { what: string; ms: number }[] = [];
/** `perCold`: authentications a cold run may make (one per VM of a fleet; 1 otherwise). */
const auths: { what: string; cold: number; warm: number; perCold?: number }[] = [];
let vm: TestVm;

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] ?? 0) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
};

function must(r: RunResult, what: string): RunResult {
  if (r.code !== 0) throw new Error(`${what} failed (${r.code}): ${r.stderr}`);
  return r;
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

/** A row of the parts table: the median of `rounds` runs of one command. */
async function part(what: string, rounds: number, cmd: string, args: string[]): Promise<void> {
  const xs: number[] = [];
  for (let i = 0; i < rounds; i++) xs.push(await timed(async () => must(await vm.run(cmd, args), what)));
  parts.push({ what, ms: median(xs) });
}

/** End the shared ssh connections: the next command starts cold. */
async function closeShared(): Promise<void> {
  const pids = vm.masters();
  for (const pid of pids) signal(pid, 'SIGTERM');
  await waitGone(pids, 10_000);
}

interface Side {
  setup?: (round: number) => Promise<void> | void;
  run: (round: number) => Promise<unknown>;
}

/** Measure two sides, interleaved, alternating which goes first. */
async function compare(
  group: string,
  what: string,
  rounds: number,
  ours: Side,
  base: Side,
  baseName: string,
  target?: number,
): Promise<void> {
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const order: [Side, number[]][] =
      i % 2 === 0
        ? [
            [ours, a],
            [base, b],
          ]
        : [
            [base, b],
            [ours, a],
          ];
    for (const [side, into] of order) {
      await side.setup?.(i);
      into.push(await timed(() => side.run(i)));
    }
  }
  rows.push({ group, what, ours: median(a), base: median(b), baseName, target });
  if (!JSON_OUT) process.stderr.write(`  ${group}: ${what}: ${median(a).toFixed(0)} ms vs ${median(b).toFixed(0)} ms\n`);
}

/** A directory holding git-remote-nop, a remote helper that exits at once (what git starting any helper costs). */
function nopHelper(): string {
  const nop = join(vm.dir, 'nop-helper');
  mkdirSync(nop, { recursive: true });
  writeFileSync(join(nop, 'git-remote-nop'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
  return nop;
}

/** The floor for a Node.js tool: what the plain tool costs, plus starting Node.js once. */
function afterNodeStart(fn: () => Promise<unknown>, setup?: Side['setup']): Side {
  return {
    setup,
    run: async () => {
      must(await vm.run(process.execPath, ['-e', '0']), 'node -e 0');
      await fn();
    },
  };
}

/**
 * `ssh -F config` through a ControlMaster of the bench's own (its sockets in vm.dir/cm, ended by pid at the
 * end); `tag` keeps apart two configurations that reach the same destination, since %C does not name the file.
 */
function ownMaster(config: string, tag = ''): string {
  const cm = join(vm.dir, 'cm');
  mkdirSync(cm, { recursive: true, mode: 0o700 });
  return `ssh -F ${config} -o ControlMaster=auto -o ControlPath=${cm}/${tag}%C -o ControlPersist=120`;
}

/** An unchanged `yolo-dir push` of `tree` against node + rsync -az through the bench's own ControlMaster, warm. */
async function unchangedDirPush(
  b: Bench,
  row: { group: string; what: string; rounds: number; target: number },
  tree: string,
  name: string,
) {
  const cmSsh = ownMaster(vm.sshConfig);
  mkdirSync(join(vm.workspace, `${name}-plain`));
  const dirPush = async () => must(await vm.run('yolo-dir', ['push', '-q', tree, `${name}-ours`]), `yolo-dir push (${row.what})`);
  const plainRsync = async () =>
    must(
      await vm.run('rsync', ['-az', '-e', cmSsh, `${tree}/`, `${b.user}@127.0.0.1:${join(vm.workspace, `${name}-plain`)}/`]),
      `rsync (${row.what})`,
    );
  await dirPush();
  await plainRsync();
  await compare(
    row.group,
    row.what,
    row.rounds,
    { run: dirPush },
    afterNodeStart(plainRsync),
    'node -e 0 + rsync -az (own ControlMaster)',
    row.target,
  );
}

/** The bench's own ControlMaster processes (the plain-ssh floor), to end them by pid. */
function masterPids(dir: string): number[] {
  return readdirSync(dir).flatMap((sock) => {
    const r = spawnSync('ssh', ['-F', vm.sshConfig, '-S', join(dir, sock), '-O', 'check', 'x'], { encoding: 'utf8' });
    const m = /pid=(\d+)/.exec(r.stderr);
    return m ? [Number(m[1])] : [];
  });
}

async function authsOf(fn: () => Promise<unknown>): Promise<number> {
  const before = vm.authCount();
  await fn();
  return vm.authCount() - before;
}

/** Time from spawn to exit of a process that reads `input` (the helper answering `capabilities`). */
function spawnTime(cmd: string, args: string[], input: string, env: NodeJS.ProcessEnv = vm.env): Promise<number> {
  return new Promise((res, rej) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { env, stdio: ['pipe', 'pipe', 'inherit'] });
    child.stdout.resume();
    child.stdin.end(input);
    child.on('error', rej);
    child.on('exit', () => {
      res(performance.now() - t0);
    });
  });
}

function makeTree(root: string, files: number): void {
  for (let i = 0; i < files; i++) {
    const d = join(root, `d${Math.floor(i / 100)}`);
    if (i % 100 === 0) mkdirSync(d, { recursive: true });
    writeFileSync(join(d, `f${i}.txt`), `file ${i}\n`.repeat(8));
  }
}

/** ~1,000 commits whose history holds about 100 MB of incompressible blobs (git fast-import). */
async function makeLargeRepo(path: string): Promise<void> {
  must(await vm.run('git', ['init', '-q', '-b', 'main', path]), 'init large');
  const chunks: Buffer[] = [];
  const blob = (data: Buffer) => chunks.push(Buffer.from(`data ${data.length}\n`), data, Buffer.from('\n'));
  for (let i = 1; i <= 1000; i++) {
    chunks.push(Buffer.from(`commit refs/heads/main\ncommitter bench <b@b> ${1700000000 + i} +0000\n`));
    blob(Buffer.from(`commit ${i}\n`));
    chunks.push(Buffer.from(`M 100644 inline notes.txt\n`));
    blob(Buffer.from(`line ${i}\n`.repeat(20)));
    if (i % 50 === 0) {
      // 20 binary files of 5 MB each across history: ~100 MB.
      chunks.push(Buffer.from(`M 100644 inline data/blob${i / 50}.bin\n`));
      const data = Buffer.alloc(5 * 1024 * 1024);
      for (let j = 0; j < data.length; j += 4) data.writeUInt32LE((Math.random() * 0xffffffff) >>> 0, j);
      blob(data);
    }
  }
  must(await vm.run('git', ['fast-import', '--quiet'], { cwd: path, input: Buffer.concat(chunks) }), 'fast-import');
  must(await vm.run('git', ['checkout', '-q', '-f', 'main'], { cwd: path }), 'checkout large');
}

async function main(): Promise<void> {
  const started = performance.now();
  vm = await startVm();
  try {
    // BENCH_ONLY=floors,returnLeg runs only the sections named (fleet needs no setup).
    const only = new Set((process.env.BENCH_ONLY ?? '').split(',').filter((x) => x !== ''));
    const want = (name: string) => only.size === 0 || only.has(name);
    const sections: [string, (b: Bench) => Promise<void>][] = [
      ['floors', floors],
      ['transport', transport],
      ['yoloPush', yoloPushRows],
      ['returnLeg', returnLeg],
      ['status', () => statusRows()],
      ['bigTree', bigTree],
      ['dir', dirRows],
      ['larger', largerWork],
      ['manyAtOnce', manyAtOnce],
      ['auths', authentications],
      ['startUp', () => startUp()],
      ['parts', whereTimeGoes],
      ['latency', farVm],
    ];
    if (sections.some(([name]) => want(name))) {
      const b = await setup();
      for (const [name, run] of sections) if (want(name)) await run(b);
    }
    if (want('fleet')) await fleetRows();
  } finally {
    await closeShared();
    for (const pid of existsSync(join(vm.dir, 'cm')) ? masterPids(join(vm.dir, 'cm')) : []) signal(pid, 'SIGTERM');
    await vm.stop();
    // Also after BENCH_ONLY=floors or fleet returned early (and, partial, after a failure).
    report((performance.now() - started) / 1000);
  }
}

type Bench = Awaited<ReturnType<typeof setup>>;

/** The VM, its terraform state, and the repositories and trees several sections use. */
async function setup() {
  const home = join(vm.dir, 'home');
  const user = vm.env.YOLOVM_USER ?? 'root';
  const sshCmd = `ssh -F ${vm.sshConfig}`;
  const plainEnv = { GIT_SSH_COMMAND: sshCmd };
  const plainUrl = (p: string) => `ssh://${user}@127.0.0.1${join(vm.workspace, p)}`;
  const tf = join(vm.dir, 'tf');
  mkdirSync(tf);
  writeFileSync(join(tf, 'main.tf'), 'output "vm_ip" {\n  value = "127.0.0.1"\n}\n');
  const tfEnv = { TF_IN_AUTOMATION: '1' };
  must(await vm.run('terraform', ['init', '-input=false', '-no-color'], { cwd: tf, env: tfEnv }), 'terraform init');
  must(await vm.run('terraform', ['apply', '-auto-approve', '-input=false', '-no-color'], { cwd: tf, env: tfEnv }), 'terraform apply');
  // Both sides find the VM through terraform: yolovm reads the state, the original runs terraform.
  const viaTf = { YOLOVM_HOST: undefined, YOLOVM_TERRAFORM_DIR: tf };
  const orig = (script: string, args: string[], cwd: string) =>
    vm.run(join(ROOT, 'bench', 'original', script), args, {
      cwd,
      env: { ORIG_SSH: sshCmd, ORIG_WS: vm.workspace, ORIG_TF: tf, ORIG_USER: user },
    });

  const repo = await makeRepo(vm, 'small');
  const git = (...a: string[]) => vm.run('git', a, { cwd: repo });
  let n = 0;
  const newCommit = async () => {
    writeFileSync(join(repo, 'change.txt'), `change ${++n}\n`);
    must(await git('add', 'change.txt'), 'add');
    must(await git('commit', '-q', '-m', `change ${n}`), 'commit');
  };
  // Targets exist before timing: each round is an update, as in daily use.
  must(await git('push', '-q', 'yolovm::push-ours', 'main'), 'seed');
  // Plain targets are set up as yolovm sets up its own (on main, updateInstead), so the
  // VM does the same work on both sides: the comparison is of the transport.
  must(await vm.vmGit('', ['init', '-q', '-b', 'main', 'push-plain']), 'init plain');
  must(await vm.vmGit('push-plain', ['config', 'receive.denyCurrentBranch', 'updateInstead']), 'config plain');
  must(await vm.run('git', ['push', '-q', plainUrl('push-plain'), 'main'], { cwd: repo, env: plainEnv }), 'seed plain');
  process.stderr.write(`yolovm benchmark (loopback sshd; medians of ${ROUNDS} rounds)\n`);

  // Used by several sections: the repository the agent works in for the return leg, a small tree.
  const rv = await makeRepo(vm, 'review');
  must(await vm.run('git', ['push', '-q', 'yolovm::review', 'main'], { cwd: rv }), 'seed review');
  writeFileSync(join(vm.workspace, 'review', 'README'), 'edited by the agent, not committed\n');
  let agent = 0;
  const agentCommits = async () => {
    writeFileSync(join(vm.workspace, 'review', `agent-${++agent}.txt`), 'work\n');
    must(await vm.vmGit('review', ['add', `agent-${agent}.txt`]), 'agent add');
    must(await vm.vmGit('review', ['commit', '-q', '-m', `agent ${agent}`]), 'agent commit');
  };
  const small = join(home, 'tree-small');
  makeTree(small, 20);
  return { home, user, sshCmd, plainEnv, plainUrl, tf, viaTf, orig, repo, git, newCommit, rv, agentCommits, small };
}

/** The everyday commands against their floors: a user's own ControlMaster, plus one Node.js start. */
async function floors(b: Bench): Promise<void> {
  const { home, plainUrl } = b;
  // (a 200-file repository, nothing to push; a 20-file directory, no change)
  const perfy = await makeRepo(vm, 'perfy');
  makeTree(join(perfy, 'src'), 200);
  must(await vm.run('git', ['add', '-A'], { cwd: perfy }), 'add perfy');
  must(await vm.run('git', ['commit', '-q', '-m', '200 files'], { cwd: perfy }), 'commit perfy');
  must(await vm.run('git', ['branch', 'feat'], { cwd: perfy }), 'branch perfy');
  const cmSsh = ownMaster(vm.sshConfig);
  must(await vm.vmGit('', ['init', '-q', '-b', 'main', 'perfy-plain']), 'init perfy-plain');
  must(await vm.vmGit('perfy-plain', ['config', 'receive.denyCurrentBranch', 'updateInstead']), 'config perfy-plain');
  const plainPush = async () =>
    must(await vm.run('git', ['push', '-q', plainUrl('perfy-plain'), 'feat'], { cwd: perfy, env: { GIT_SSH_COMMAND: cmSsh } }), 'plain');
  const helperPush = async () => must(await vm.run('git', ['push', '-q', 'yolovm::perfy', 'feat'], { cwd: perfy }), 'helper push');
  await plainPush();
  await helperPush();
  await compare(
    'floors',
    'git yolo-push, nothing to push, warm',
    ROUNDS,
    { run: async () => must(await vm.run('git', ['yolo-push', '-q', 'feat', 'perfy'], { cwd: perfy }), 'yolo-push') },
    { run: helperPush },
    'git push yolovm::',
    1.2,
  );
  // The floor the issue names: a Node.js start, git starting a remote helper
  // (one that exits at once), and git's own push through a ControlMaster.
  const nop = nopHelper();
  const helperStart = async () => {
    await vm.run('sh', ['-c', `PATH=${nop}:$PATH git -C ${perfy} ls-remote nop::x 2>/dev/null; exit 0`]);
  };
  await compare(
    'floors',
    'git push yolovm::, nothing to push, warm',
    ROUNDS,
    { run: helperPush },
    afterNodeStart(async () => {
      await helperStart();
      await plainPush();
    }),
    'node -e 0 + a no-op helper + git push ssh:// (own ControlMaster)',
    1.15,
  );
  const floorTree = join(home, 'tree-floor');
  makeTree(floorTree, 20);
  await unchangedDirPush(
    b,
    { group: 'floors', what: 'yolo-dir push 20 files, no change, warm', rounds: ROUNDS, target: 1.25 },
    floorTree,
    'floor',
  );
}

/** Git push / fetch / clone vs plain git over ssh://. */
async function transport(b: Bench): Promise<void> {
  const { home, plainEnv, plainUrl, repo, git, newCommit } = b;
  for (const temp of ['cold', 'warm'] as const) {
    const prep = temp === 'cold' ? closeShared : () => Promise.resolve();
    await compare(
      'git',
      `push, ${temp}`,
      ROUNDS,
      {
        setup: async () => {
          await newCommit();
          await prep();
        },
        run: async () => must(await git('push', '-q', '-f', 'yolovm::push-ours', 'main'), 'push'),
      },
      {
        run: async () =>
          must(await vm.run('git', ['push', '-q', '-f', plainUrl('push-plain'), 'main'], { cwd: repo, env: plainEnv }), 'plain push'),
      },
      'git push ssh://',
      temp === 'warm' ? 0.6 : 1.3,
    );
    await compare(
      'git',
      `fetch, ${temp}`,
      ROUNDS,
      {
        setup: async () => {
          for (const p of ['push-ours', 'push-plain'])
            must(await vm.vmGit(p, ['commit', '-q', '--allow-empty', '-m', 'vm side']), 'vm commit');
          await prep();
        },
        run: async () => must(await git('fetch', '-q', 'yolovm::push-ours', 'main'), 'fetch'),
      },
      {
        run: async () =>
          must(await vm.run('git', ['fetch', '-q', plainUrl('push-plain'), 'main'], { cwd: repo, env: plainEnv }), 'plain fetch'),
      },
      'git fetch ssh://',
    );
    await compare(
      'git',
      `clone, ${temp}`,
      ROUNDS,
      {
        setup: async (i) => {
          rmSync(join(home, `c-ours-${i}`), { recursive: true, force: true });
          await prep();
        },
        run: async (i) => must(await vm.run('git', ['clone', '-q', 'yolovm::push-ours', `c-ours-${i}`], { cwd: home }), 'clone'),
      },
      {
        setup: (i) => {
          rmSync(join(home, `c-plain-${i}`), { recursive: true, force: true });
        },
        run: async (i) =>
          must(await vm.run('git', ['clone', '-q', plainUrl('push-plain'), `c-plain-${i}`], { cwd: home, env: plainEnv }), 'plain clone'),
      },
      'git clone ssh://',
    );
  }
}

/** Git yolo-push vs the original vm-git-push sequence. */
async function yoloPushRows(b: Bench): Promise<void> {
  const { viaTf, orig, repo, newCommit } = b;
  for (const temp of ['cold', 'warm'] as const) {
    await compare(
      'yolo-push',
      `git yolo-push, ${temp}`,
      ROUNDS,
      {
        setup: async () => {
          await newCommit();
          if (temp === 'cold') await closeShared();
        },
        run: async () => must(await vm.run('git', ['yolo-push', '-q', 'main', 'yp-ours'], { cwd: repo, env: viaTf }), 'yolo-push'),
      },
      { run: async () => must(await orig('vm-git-push', ['main', 'yp-orig'], repo), 'vm-git-push') },
      'original vm-git-push',
      temp === 'cold' ? 0.45 : 0.3,
    );
  }
}

/** The return leg: yolo-fetch (with a snapshot of uncommitted work) and yolo-diff vs git fetch. */
async function returnLeg(b: Bench): Promise<void> {
  const { rv, agentCommits } = b;
  // Each round the agent commits, and leaves one file edited: a snapshot is made every time.
  const plainFetch = async () => must(await vm.run('git', ['fetch', '-q', 'yolovm::review', 'main'], { cwd: rv }), 'fetch');
  await compare(
    'return leg',
    'git yolo-fetch (+ snapshot), warm',
    ROUNDS,
    {
      setup: agentCommits,
      run: async () => must(await vm.run('git', ['yolo-fetch', '-q', 'main', 'review'], { cwd: rv }), 'yolo-fetch'),
    },
    { setup: agentCommits, run: plainFetch },
    'git fetch yolovm::',
    1.5,
  );
  await compare(
    'return leg',
    'git yolo-diff, warm',
    ROUNDS,
    { setup: agentCommits, run: async () => must(await vm.run('git', ['yolo-diff', 'main', 'review'], { cwd: rv }), 'yolo-diff') },
    { setup: agentCommits, run: plainFetch },
    'git fetch yolovm::',
    1.5,
  );
}

/** `yolovm status` over a workspace of 50 repositories vs one yolo-dir ls. */
async function statusRows(): Promise<void> {
  for (let i = 0; i < 50; i++) {
    must(await vm.vmGit('', ['init', '-q', '-b', 'main', `many/r${String(i)}`]), 'init many');
    must(await vm.vmGit(`many/r${String(i)}`, ['commit', '-q', '--allow-empty', '-m', 'c']), 'commit many');
    if (i % 10 === 0) writeFileSync(join(vm.workspace, 'many', `r${String(i)}`, 'wip.txt'), 'uncommitted\n');
  }
  await compare(
    'workspace',
    'yolovm status, 50 repositories (5 dirty), warm',
    ROUNDS,
    { run: async () => must(await vm.run('yolovm', ['status', 'many']), 'yolovm status') },
    { run: async () => must(await vm.run('yolo-dir', ['ls', 'many']), 'yolo-dir ls') },
    'yolo-dir ls',
    1.5,
  );
}

/**
 * A work tree of 50,000 files: the agent committed 5 edits and left 5 edits and 2 new files.
 * What yolovm adds to the git status that any look at it costs, and to an unchanged rsync.
 */
async function bigTree(b: Bench): Promise<void> {
  const { home, user } = b;
  const files = 50_000;
  process.stderr.write(`  making a ${files.toLocaleString('en')}-file repository and tree...\n`);
  const local = await makeRepo(vm, 'huge');
  makeTree(join(local, 'src'), files);
  must(await vm.run('git', ['add', '-A'], { cwd: local }), 'add huge');
  must(await vm.run('git', ['commit', '-q', '-m', `${String(files)} files`], { cwd: local }), 'commit huge');
  must(await vm.run('git', ['push', '-q', 'yolovm::huge', 'main'], { cwd: local }), 'push huge');
  const onVm = join(vm.workspace, 'huge', 'src');
  for (let i = 0; i < 5; i++) writeFileSync(join(onVm, `d${String(i)}`, `f${String(i * 100)}.txt`), `agent commit ${String(i)}\n`);
  must(await vm.vmGit('huge', ['commit', '-q', '-a', '-m', 'agent: 5 edits']), 'agent commit huge');
  for (let i = 5; i < 10; i++) writeFileSync(join(onVm, `d${String(i)}`, `f${String(i * 100)}.txt`), `agent edit ${String(i)}\n`);
  for (const name of ['new-a.txt', 'new-b.txt']) writeFileSync(join(onVm, name), 'agent\n');
  const cmSsh = ownMaster(vm.sshConfig);
  const vmStatus = async () =>
    must(
      await vm.run('sh', ['-c', `${cmSsh} ${user}@127.0.0.1 git -C ${join(vm.workspace, 'huge')} --no-optional-locks status --porcelain`]),
      'ssh git status',
    );
  const fetch = async () => must(await vm.run('git', ['fetch', '-q', 'yolovm::huge', 'main'], { cwd: local }), 'fetch huge');
  const inLocal = { cwd: local };
  // Warm: the snapshot made once, the shared connections open.
  must(await vm.run('git', ['yolo-fetch', '-q', 'main', 'huge'], inLocal), 'yolo-fetch huge');
  await vmStatus();
  // What yolovm status must do there at least: git status, and (its snapshot, to know whether the uncommitted
  // work is saved at home) git add -A on a copy of the index beside it, then git write-tree.
  const huge = join(vm.workspace, 'huge');
  await part(
    'the 50,000-file tree: `git status` beside `git add -A` on a copy of the index, then `git write-tree` (what a snapshot needs), own ControlMaster',
    LARGE_ROUNDS,
    'sh',
    [
      '-c',
      `${cmSsh} ${user}@127.0.0.1 'cd ${huge} && t=$(mktemp) && cp .git/index "$t" && { git --no-optional-locks status --porcelain >/dev/null & GIT_INDEX_FILE="$t" git add -A; wait; GIT_INDEX_FILE="$t" git write-tree >/dev/null; rm -f "$t"; }'`,
    ],
  );
  const label = `${files.toLocaleString('en')}-file work tree`;
  await compare(
    'big tree',
    `yolovm status of a ${label}, warm`,
    LARGE_ROUNDS,
    { run: async () => must(await vm.run('yolovm', ['status', 'huge']), 'status huge') },
    afterNodeStart(vmStatus),
    'node -e 0 + ssh git status --porcelain (own ControlMaster)',
    1.5,
  );
  for (const [cmd, args] of [
    ['git yolo-diff', ['yolo-diff', 'main', 'huge']],
    ['git yolo-fetch (+ snapshot)', ['yolo-fetch', '-q', 'main', 'huge']],
  ] as const) {
    await compare(
      'big tree',
      `${cmd} of a ${label}, warm`,
      LARGE_ROUNDS,
      { run: async () => must(await vm.run('git', [...args], inLocal), cmd) },
      {
        run: async () => {
          await fetch();
          await vmStatus();
        },
      },
      'git fetch yolovm:: + ssh git status --porcelain',
      1.5,
    );
  }
  const tree = join(home, 'tree-50k');
  makeTree(tree, files);
  await unchangedDirPush(
    b,
    {
      group: 'big tree',
      what: `yolo-dir push of ${files.toLocaleString('en')} files, no change, warm`,
      rounds: LARGE_ROUNDS,
      target: 1.25,
    },
    tree,
    'big',
  );
}

/** Yolo-dir vs plain rsync -az and the original scripts. */
async function dirRows(b: Bench): Promise<void> {
  const { home, user, sshCmd, viaTf, orig, small } = b;
  const big = join(home, 'tree-10k');
  makeTree(big, 10_000);
  const rsyncPush = (src: string, dst: string) =>
    vm.run('rsync', ['-az', '-e', sshCmd, `${src}/`, `${user}@127.0.0.1:${join(vm.workspace, dst)}/`]);
  for (const [label, tree, rounds] of [
    ['20 files', small, ROUNDS],
    ['10,000 files', big, LARGE_ROUNDS],
  ] as const) {
    for (const temp of ['cold', 'warm'] as const) {
      const prep = temp === 'cold' ? closeShared : () => Promise.resolve();
      const t = `${label.replace(/\W/g, '')}-${temp}`;
      await compare(
        'yolo-dir',
        `push ${label}, ${temp}`,
        rounds,
        {
          setup: prep,
          run: async (i) => must(await vm.run('yolo-dir', ['push', '-q', tree, `d-ours-${t}-${i}`], { env: viaTf }), 'yolo-dir push'),
        },
        { run: async (i) => must(await orig('vm-dir-push', [tree, `d-orig-${t}-${i}`], home), 'vm-dir-push') },
        'original vm-dir-push',
        temp === 'warm' ? 0.5 : undefined,
      );
      await compare(
        'yolo-dir',
        `push ${label} vs rsync, ${temp}`,
        rounds,
        {
          setup: prep,
          run: async (i) => must(await vm.run('yolo-dir', ['push', '-q', tree, `r-ours-${t}-${i}`], { env: viaTf }), 'yolo-dir push'),
        },
        {
          setup: (i) => {
            mkdirSync(join(vm.workspace, `r-plain-${t}-${i}`), { recursive: true });
          },
          run: async (i) => must(await rsyncPush(tree, `r-plain-${t}-${i}`), 'rsync'),
        },
        'rsync -az',
      );
    }
    const t = label.replace(/\W/g, '');
    await compare(
      'yolo-dir',
      `push ${label}, no change, warm`,
      rounds,
      { run: async () => must(await vm.run('yolo-dir', ['push', '-q', tree, `d-ours-${t}-warm-0`], { env: viaTf }), 'yolo-dir push') },
      { run: async () => must(await orig('vm-dir-push', [tree, `d-orig-${t}-warm-0`], home), 'vm-dir-push') },
      'original vm-dir-push',
      0.5,
    );
    await compare(
      'yolo-dir',
      `pull ${label}, warm`,
      rounds,
      {
        setup: (i) => {
          rmSync(join(home, `p-ours-${t}-${i}`), { recursive: true, force: true });
        },
        run: async (i) =>
          must(
            await vm.run('yolo-dir', ['pull', '-q', join(home, `p-ours-${t}-${i}`), `d-ours-${t}-warm-0`], { env: viaTf }),
            'yolo-dir pull',
          ),
      },
      {
        setup: (i) => {
          rmSync(join(home, `p-orig-${t}-${i}`), { recursive: true, force: true });
        },
        run: async (i) => must(await orig('vm-dir-pull', [join(home, `p-orig-${t}-${i}`), `d-orig-${t}-warm-0`], home), 'vm-dir-pull'),
      },
      'original vm-dir-pull',
    );
    await compare(
      'yolo-dir',
      `pull ${label}, no change, warm`,
      rounds,
      {
        run: async () =>
          must(
            await vm.run('yolo-dir', ['pull', '-q', join(home, `p-ours-${t}-0`), `d-ours-${t}-warm-0`], { env: viaTf }),
            'yolo-dir pull',
          ),
      },
      { run: async () => must(await orig('vm-dir-pull', [join(home, `p-orig-${t}-0`), `d-orig-${t}-warm-0`], home), 'vm-dir-pull') },
      'original vm-dir-pull',
    );
  }
}

/** Larger work: the transfer itself should cost what plain git costs. */
async function largerWork(b: Bench): Promise<void> {
  const { home, plainEnv, plainUrl } = b;
  const large = join(home, 'large');
  process.stderr.write('  making a 1,000-commit repository with ~100 MB of blob history...\n');
  await makeLargeRepo(large);
  await compare(
    'large',
    'push 1,000 commits / ~100 MB to a new path, warm',
    LARGE_ROUNDS,
    { run: async (i) => must(await vm.run('git', ['push', '-q', `yolovm::large-ours-${i}`, 'main'], { cwd: large }), 'large push') },
    {
      setup: async (i) => {
        must(await vm.vmGit('', ['init', '-q', '-b', 'main', `large-plain-${i}`]), 'init');
        must(await vm.vmGit(`large-plain-${i}`, ['config', 'receive.denyCurrentBranch', 'updateInstead']), 'config');
      },
      run: async (i) =>
        must(await vm.run('git', ['push', '-q', plainUrl(`large-plain-${i}`), 'main'], { cwd: large, env: plainEnv }), 'plain large push'),
    },
    'git push ssh://',
    1.05,
  );
  await compare(
    'large',
    'clone 1,000 commits / ~100 MB, warm',
    LARGE_ROUNDS,
    {
      setup: (i) => {
        rmSync(join(home, `lc-ours-${i}`), { recursive: true, force: true });
      },
      run: async (i) => must(await vm.run('git', ['clone', '-q', 'yolovm::large-ours-0', `lc-ours-${i}`], { cwd: home }), 'large clone'),
    },
    {
      setup: (i) => {
        rmSync(join(home, `lc-plain-${i}`), { recursive: true, force: true });
      },
      run: async (i) =>
        must(
          await vm.run('git', ['clone', '-q', plainUrl('large-plain-0'), `lc-plain-${i}`], { cwd: home, env: plainEnv }),
          'plain large clone',
        ),
    },
    'git clone ssh://',
    1.03,
  );
}

/** Many at once: 20 cold commands of four kinds together, against one cold command (OpenSSH's default limits). */
async function manyAtOnce(b: Bench): Promise<void> {
  const { home, repo, git, rv } = b;
  const crowd = () =>
    Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        const [cmd, args, cwd] = [
          ['git', ['fetch', '-q', 'yolovm::push-ours', 'main'], repo],
          ['yolovm', ['status', 'many'], home],
          ['git', ['yolo-diff', 'main', 'review'], rv],
          ['yolo-dir', ['ls'], home],
        ][i % 4] as [string, string[], string];
        must(await vm.run(cmd, args, { cwd, timeoutMs: 120_000 }), `${cmd} ${args.join(' ')} (one of 20 at once)`);
      }),
    );
  await compare(
    'many at once',
    '20 commands started together, cold (fetch, status, yolo-diff, ls)',
    3,
    { setup: closeShared, run: crowd },
    { setup: closeShared, run: async () => must(await git('fetch', '-q', 'yolovm::push-ours', 'main'), 'fetch') },
    'one git fetch yolovm::, cold',
  );
  await closeShared();
  auths.push({ what: '20 commands started together', cold: await authsOf(crowd), warm: await authsOf(crowd) });
}

/** SSH authentications per command (sshd's log). */
async function authentications(b: Bench): Promise<void> {
  const { home, orig, repo, git, newCommit, rv, agentCommits, small } = b;
  const count = async (what: string, fn: () => Promise<unknown>) => {
    await closeShared();
    const cold = await authsOf(fn);
    const warm = await authsOf(fn);
    auths.push({ what, cold, warm });
  };
  await count('git push yolovm::', async () => {
    await newCommit();
    must(await git('push', '-q', '-f', 'yolovm::push-ours', 'main'), 'push');
  });
  await count('git fetch yolovm::', async () => must(await git('fetch', '-q', 'yolovm::push-ours', 'main'), 'fetch'));
  await count('git yolo-fetch (with a snapshot)', async () => {
    await agentCommits();
    must(await vm.run('git', ['yolo-fetch', '-q', 'main', 'review'], { cwd: rv }), 'yolo-fetch');
  });
  await count('git yolo-diff', async () => must(await vm.run('git', ['yolo-diff', 'main', 'review'], { cwd: rv }), 'yolo-diff'));
  await count('yolovm status (50 repositories)', async () => must(await vm.run('yolovm', ['status', 'many']), 'yolovm status'));
  await count('git clone yolovm::', async () => {
    rmSync(join(home, 'auth-clone'), { recursive: true, force: true });
    must(await vm.run('git', ['clone', '-q', 'yolovm::push-ours', 'auth-clone'], { cwd: home }), 'clone');
  });
  await count('git yolo-push', async () => {
    await newCommit();
    must(await vm.run('git', ['yolo-push', '-q', 'main', 'yp-ours'], { cwd: repo }), 'yolo-push');
  });
  await count('git yolo-fetch', async () =>
    must(await vm.run('git', ['yolo-fetch', '-q', 'main', 'yp-ours'], { cwd: repo }), 'yolo-fetch'),
  );
  await count('yolo-dir push', async () => must(await vm.run('yolo-dir', ['push', '-q', small, 'auth-dir']), 'yolo-dir push'));
  await count('yolo-dir pull', async () =>
    must(await vm.run('yolo-dir', ['pull', '-q', join(home, 'auth-pull'), 'auth-dir']), 'yolo-dir pull'),
  );
  const origAuths = await authsOf(async () => {
    await newCommit();
    must(await orig('vm-git-push', ['main', 'yp-orig'], repo), 'vm-git-push');
  });
  auths.push({ what: 'original vm-git-push (no sharing)', cold: origAuths, warm: origAuths });
}

/**
 * Start-up: the helper answering `capabilities`, against `node -e 0`, on this Node.js and on
 * BENCH_NODE (another node binary, e.g. from `npm i --prefix DIR node@26`); where Node.js has a
 * compile cache, a command's start with it against without it.
 */
async function startUp(): Promise<void> {
  const nodes = [process.execPath, ...(process.env.BENCH_NODE ? [process.env.BENCH_NODE] : [])];
  if (nodes.length === 1 && !JSON_OUT) process.stderr.write('  start-up: set BENCH_NODE=/path/to/node for a second Node.js\n');
  for (const node of nodes) {
    const version = spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim();
    const helper: number[] = [];
    const bare: number[] = [];
    for (let i = 0; i < 2 * ROUNDS + 1; i++) {
      helper.push(await spawnTime(node, [join(ROOT, 'bin', 'git-remote-yolovm'), 'origin', 'yolovm::x'], 'capabilities\n'));
      bare.push(await spawnTime(node, ['-e', '0'], ''));
    }
    rows.push({
      group: `start-up, Node.js ${version}`,
      what: 'git-remote-yolovm to `capabilities` and exit',
      ours: median(helper),
      base: median(bare),
      baseName: 'node -e 0',
      target: 1.15,
    });
    const hasCache = spawnSync(node, ['-p', "typeof require('node:module').enableCompileCache"], { encoding: 'utf8' }).stdout.trim();
    if (hasCache !== 'function') continue;
    for (const bin of ['yolovm', 'git-yolo-push']) {
      const cached: number[] = [];
      const uncached: number[] = [];
      const start = (env?: NodeJS.ProcessEnv) => spawnTime(node, [join(ROOT, 'bin', bin), '--version'], '', env);
      await start(); // the cache filled
      for (let i = 0; i < 2 * ROUNDS + 1; i++) {
        cached.push(await start());
        uncached.push(await start({ ...vm.env, NODE_DISABLE_COMPILE_CACHE: '1' }));
      }
      rows.push({
        group: `start-up, Node.js ${version}`,
        what: `${bin} --version, compile cache filled`,
        ours: median(cached),
        base: median(uncached),
        baseName: 'without it (NODE_DISABLE_COMPILE_CACHE=1)',
      });
    }
  }
}

/** Where the time goes. */
async function whereTimeGoes(b: Bench): Promise<void> {
  const { user, repo } = b;
  // A ControlMaster of the bench's own (yolovm names its sockets by a hash, so %C under its run dir is not one).
  const cm = join(vm.dir, 'cm');
  mkdirSync(cm, { recursive: true, mode: 0o700 });
  const viaShared = [
    '-F',
    vm.sshConfig,
    '-o',
    'ControlMaster=auto',
    '-o',
    `ControlPath=${cm}/%C`,
    '-o',
    'ControlPersist=120',
    `${user}@127.0.0.1`,
  ];
  must(await vm.run('git', ['ls-remote', 'yolovm::push-ours'], { cwd: repo }), 'warm up');
  must(await vm.run('ssh', [...viaShared, 'true']), 'open the master');
  const sample = (what: string, cmd: string, args: string[]) => part(what, 2 * ROUNDS + 1, cmd, args);
  await sample('ssh handshake and a command (`ssh host true`, no sharing)', 'ssh', [
    '-F',
    vm.sshConfig,
    '-o',
    'ControlPath=none',
    `${user}@127.0.0.1`,
    'true',
  ]);
  await sample('a command over a shared connection (`ssh host true`, ControlMaster)', 'ssh', [...viaShared, 'true']);
  await sample('a Node.js start (`node -e 0`)', process.execPath, ['-e', '0']);
  // What `git push yolovm::` adds to `git push ssh://` when there is nothing to push.
  await sample("the helper's settings (`git config --get-regexp`, one process)", 'git', [
    '-C',
    repo,
    'config',
    '-z',
    '--show-origin',
    '--get-regexp',
    '^(yolovm\\.|protocol\\.version$|extensions\\.objectformat$)',
  ]);
  const place = { base: vm.workspace, subpath: 'push-ours', display: 'push-ours' };
  // (stdin is empty: the session ends where a push would send its request.)
  await sample("the VM's `push` answer: the refs and receive-pack's advertisement (sh, vm.sh, 1 git process), shared connection", 'ssh', [
    ...viaShared,
    vmCommand({ mode: 'push' }, place, true),
  ]);
  await sample("the VM's `git-receive-pack --advertise-refs`, shared connection", 'ssh', [
    ...viaShared,
    `git-receive-pack --advertise-refs ${join(vm.workspace, 'push-ours')}`,
  ]);
  const review = { base: vm.workspace, subpath: 'review', display: 'review' };
  await sample("the VM's `snapshot` answer (review, one file edited), shared connection", 'ssh', [
    ...viaShared,
    vmCommand({ mode: 'snapshot', dryRun: false }, review, true),
  ]);
  await sample('`git fetch ssh://` of review, nothing new, through a ControlMaster', 'git', [
    '-C',
    b.rv,
    '-c',
    `core.sshCommand=ssh ${viaShared.slice(0, -1).join(' ')}`,
    'fetch',
    '-q',
    b.plainUrl('review'),
    'main',
  ]);
  const nop = nopHelper();
  await sample('git starting a remote helper (one that exits at once)', 'sh', [
    '-c',
    `PATH=${nop}:$PATH git -C ${repo} ls-remote nop::x 2>/dev/null; exit 0`,
  ]);
}

/**
 * Round trips: the same VM 25 ms away each way (a ProxyCommand of the bench's own that
 * holds every chunk), warm. A round trip more costs 50 ms, whatever the machine.
 */
async function farVm(b: Bench): Promise<void> {
  const { rv, agentCommits, plainUrl } = b;
  const far = join(vm.dir, 'ssh_config_far');
  const proxy = `ProxyCommand ${process.execPath} ${join(ROOT, 'build', 'bench', 'delay-proxy.js')} %h %p ${String(DELAY_MS)}`;
  // First: OpenSSH takes the first value it reads, so this wins over nothing (the harness sets no proxy).
  writeFileSync(far, `${proxy}\n${readFileSync(vm.sshConfig, 'utf8')}`);
  const farEnv = { YOLOVM_SSH: `ssh -F ${far}` };
  const cmSsh = ownMaster(far, 'far-');
  const inRv = { cwd: rv, env: farEnv };
  const helperFetch = async () => must(await vm.run('git', ['fetch', '-q', 'yolovm::review', 'main'], inRv), 'far fetch');
  const plainFetch = async () =>
    must(await vm.run('git', ['fetch', '-q', plainUrl('review'), 'main'], { cwd: rv, env: { GIT_SSH_COMMAND: cmSsh } }), 'far plain fetch');
  // Warm: both shared connections open.
  await helperFetch();
  await plainFetch();
  const g = `${String(DELAY_MS)} ms away`;
  const plainSide = afterNodeStart(plainFetch, agentCommits);
  // Plain git talks protocol v0 here: sshd drops GIT_PROTOCOL (Debian's AcceptEnv is LANG LC_*), so it
  // skips v2's ls-refs round trip, which yolovm keeps (docs/contract.md). Both, against that floor.
  for (const [what, pre] of [
    ['git fetch yolovm::', []],
    ['git -c protocol.version=0 fetch yolovm::', ['-c', 'protocol.version=0']],
  ] as const) {
    await compare(
      g,
      `${what}, the agent committed, warm`,
      ROUNDS,
      { setup: agentCommits, run: async () => must(await vm.run('git', [...pre, 'fetch', '-q', 'yolovm::review', 'main'], inRv), what) },
      plainSide,
      'node -e 0 + git fetch ssh:// (own ControlMaster)',
      1.1,
    );
  }
  await compare(
    g,
    'git yolo-fetch (+ snapshot), warm',
    ROUNDS,
    { setup: agentCommits, run: async () => must(await vm.run('git', ['yolo-fetch', '-q', 'main', 'review'], inRv), 'far yolo-fetch') },
    { setup: agentCommits, run: helperFetch },
    'git fetch yolovm::',
    1.3,
  );
  await compare(
    g,
    'git yolo-diff, warm',
    ROUNDS,
    { setup: agentCommits, run: async () => must(await vm.run('git', ['yolo-diff', 'main', 'review'], inRv), 'far yolo-diff') },
    { setup: agentCommits, run: helperFetch },
    'git fetch yolovm::',
    1.3,
  );
  const farPlain = 'far-plain';
  must(await vm.vmGit('', ['init', '-q', '-b', 'main', farPlain]), 'init far-plain');
  must(await vm.vmGit(farPlain, ['config', 'receive.denyCurrentBranch', 'updateInstead']), 'config far-plain');
  let n = 0;
  const commitInRv = async () => {
    writeFileSync(join(rv, 'far.txt'), `far ${String(++n)}\n`);
    must(await vm.run('git', ['add', 'far.txt'], { cwd: rv }), 'far add');
    must(await vm.run('git', ['commit', '-q', '-m', `far ${String(n)}`], { cwd: rv }), 'far commit');
  };
  // Both targets exist before timing.
  must(await vm.run('git', ['push', '-q', 'yolovm::far-ours', 'HEAD:main'], inRv), 'seed far-ours');
  must(
    await vm.run('git', ['push', '-q', plainUrl(farPlain), 'HEAD:main'], { cwd: rv, env: { GIT_SSH_COMMAND: cmSsh } }),
    'seed far-plain',
  );
  await compare(
    g,
    'git push yolovm:: of one commit, warm',
    ROUNDS,
    {
      setup: commitInRv,
      run: async () => must(await vm.run('git', ['push', '-q', '-f', 'yolovm::far-ours', 'HEAD:main'], inRv), 'far push'),
    },
    afterNodeStart(
      async () =>
        must(
          await vm.run('git', ['push', '-q', '-f', plainUrl(farPlain), 'HEAD:main'], { cwd: rv, env: { GIT_SSH_COMMAND: cmSsh } }),
          'far plain push',
        ),
      commitInRv,
    ),
    'node -e 0 + git push ssh:// (own ControlMaster)',
    1.15,
  );
}

/**
 * A fleet of 8 (sshd on loopback, a terraform state with count = 8): one command
 * over all of them against the same command on one, warm. Parallel, not serial:
 * the target is 2x, where one after another would be 8x.
 */
async function fleetRows(): Promise<void> {
  const fleet = await startFleet(8);
  try {
    const repo = await makeRepo(fleet, 'fleet-app');
    // 10 MB the pack cannot shrink.
    for (let i = 0; i < 10; i++) writeFileSync(join(repo, `blob${String(i)}.bin`), randomBytes(1024 * 1024));
    must(await fleet.run('git', ['add', '-A'], { cwd: repo }), 'add fleet');
    must(await fleet.run('git', ['commit', '-q', '-m', '10 MB'], { cwd: repo }), 'commit fleet');
    const inRepo = { cwd: repo };
    // Warm: every VM met, its shared connection open.
    must(await fleet.run('yolovm', ['vms', '--check']), 'vms --check');
    await compare(
      'fleet',
      '`git yolo-push --all-vms` of a 10 MB repository to 8 VMs, each a new repository',
      ROUNDS,
      { run: async (i) => must(await fleet.run('git', ['yolo-push', '-q', '--all-vms', 'main', `all-${String(i)}`], inRepo), 'push all') },
      {
        run: async (i) =>
          must(await fleet.run('git', ['yolo-push', '-q', '--vm', 'agent-0', 'main', `one-${String(i)}`], inRepo), 'push one'),
      },
      'git yolo-push to one VM',
      2,
    );
    // What this machine allows: its 2 cores run all 8 "VMs" too, so 8 pushes at once cost more than one
    // however parallel they are. The floor: plain git pushing to all 8 at once, over ControlMasters of its own.
    const cmRoot = join(fleet.dir, 'cm');
    mkdirSync(join(cmRoot, 'yolovm'), { recursive: true, mode: 0o700 });
    const plainSsh = `ssh -F ${fleet.sshConfig} -o ControlMaster=auto -o ControlPath=${join(cmRoot, 'yolovm')}/%C -o ControlPersist=120`;
    const user = fleet.env.YOLOVM_USER ?? 'root';
    const plainAll = async (i: number) => {
      await Promise.all(
        fleet.vms.map(async (vm, v) =>
          must(
            await fleet.run('git', ['push', '-q', `ssh://${user}@vm-${String(v)}${join(vm.workspace, `plain-${String(i)}`)}`, 'main'], {
              cwd: repo,
              env: { GIT_SSH_COMMAND: plainSsh },
            }),
            'plain push',
          ),
        ),
      );
    };
    const plainTargets = async (i: number) => {
      for (const vm of fleet.vms) {
        must(await vm.vmGit('', ['init', '-q', '-b', 'main', `plain-${String(i)}`]), 'init plain');
        must(await vm.vmGit(`plain-${String(i)}`, ['config', 'receive.denyCurrentBranch', 'updateInstead']), 'config plain');
      }
    };
    await plainTargets(-1);
    await plainAll(-1);
    await compare(
      'fleet',
      '`git yolo-push --all-vms` of 10 MB to 8 VMs, against what this machine allows',
      ROUNDS,
      {
        run: async (i) => must(await fleet.run('git', ['yolo-push', '-q', '--all-vms', 'main', `floor-${String(i)}`], inRepo), 'push all'),
      },
      { setup: plainTargets, run: plainAll },
      'git push ssh:// to all 8 at once (own ControlMasters)',
      1.5,
    );
    for (const pid of mastersIn(cmRoot, fleet.sshConfig)) signal(pid, 'SIGTERM');
    // Each agent leaves a commit and an uncommitted edit: the review fetches both.
    must(await fleet.run('git', ['yolo-push', '-q', '--all-vms', 'main', 'review'], inRepo), 'seed review');
    for (const [i, vm] of fleet.vms.entries()) {
      writeFileSync(join(vm.workspace, 'review', 'agent.txt'), `agent ${String(i)}\n`);
      must(await vm.vmGit('review', ['add', 'agent.txt']), 'agent add');
      must(await vm.vmGit('review', ['commit', '-q', '-m', `agent ${String(i)}`]), 'agent commit');
      writeFileSync(join(vm.workspace, 'review', 'wip.txt'), 'not committed\n');
    }
    await compare(
      'fleet',
      '`git yolo-diff --compare` over 8 VMs',
      ROUNDS,
      { run: async () => must(await fleet.run('git', ['yolo-diff', '--compare', 'main', 'review'], inRepo), 'compare') },
      { run: async () => must(await fleet.run('git', ['yolo-diff', '--vm', 'agent-0', 'main', 'review'], inRepo), 'diff one') },
      'git yolo-diff of one VM',
      2,
    );
    // The same work, without the fan-out: the eight one-VM commands started at once by hand.
    const eachAtOnce = (cmd: string, args: (vm: string) => string[]) => async () => {
      await Promise.all(fleet.names.map(async (vm) => must(await fleet.run(cmd, args(vm), inRepo), `${cmd} ${vm}`)));
    };
    await compare(
      'fleet',
      '`git yolo-diff --compare` over 8 VMs, against the 8 reviews started at once',
      ROUNDS,
      { run: async () => must(await fleet.run('git', ['yolo-diff', '--compare', 'main', 'review'], inRepo), 'compare') },
      { run: eachAtOnce('git', (vm) => ['yolo-diff', '--vm', vm, 'main', 'review']) },
      '8 x git yolo-diff --vm <one>, at once',
      1.25,
    );
    await compare(
      'fleet',
      '`yolovm status --all-vms` over 8 VMs',
      ROUNDS,
      { run: async () => must(await fleet.run('yolovm', ['status', '--all-vms'], inRepo), 'status all') },
      { run: async () => must(await fleet.run('yolovm', ['status', '--vm', 'agent-0'], inRepo), 'status one') },
      'yolovm status of one VM',
      2,
    );
    await compare(
      'fleet',
      '`yolovm status --all-vms` over 8 VMs, against the 8 started at once',
      ROUNDS,
      { run: async () => must(await fleet.run('yolovm', ['status', '--all-vms'], inRepo), 'status all') },
      { run: eachAtOnce('yolovm', (vm) => ['status', '--vm', vm]) },
      '8 x yolovm status --vm <one>, at once',
      1.25,
    );
    await fleet.endShared();
    const before = fleet.authCount();
    must(await fleet.run('git', ['yolo-push', '-q', '--all-vms', '-f', 'main', 'review'], inRepo), 'push cold');
    const cold = fleet.authCount() - before;
    must(await fleet.run('git', ['yolo-push', '-q', '--all-vms', '-f', 'main', 'review'], inRepo), 'push warm');
    auths.push({ what: '`git yolo-push --all-vms` to 8 VMs', cold, warm: fleet.authCount() - before - cold, perCold: 8 });
  } finally {
    await fleet.stop();
  }
}

function report(seconds: number): void {
  if (JSON_OUT) {
    process.stdout.write(`${JSON.stringify({ rounds: ROUNDS, largeRounds: LARGE_ROUNDS, seconds, rows, auths, parts }, null, 2)}\n`);
    return;
  }
  const lines = [
    `| group | case | yolovm (ms) | baseline | baseline (ms) | ratio | target |`,
    `|---|---|---:|---|---:|---:|---|`,
    ...rows.map((r) => {
      const ratio = r.ours / r.base;
      const target = r.target === undefined ? '' : `≤ ${r.target} ${ratio <= r.target ? 'met' : '**missed**'}`;
      return `| ${r.group} | ${r.what} | ${r.ours.toFixed(0)} | ${r.baseName} | ${r.base.toFixed(0)} | ${ratio.toFixed(2)} | ${target} |`;
    }),
    '',
    `| command | SSH authentications, cold | warm | target |`,
    `|---|---:|---:|---|`,
    ...auths.map(
      (a) =>
        `| ${a.what} | ${a.cold} | ${a.warm} | ${a.what.startsWith('original') ? '' : a.cold <= (a.perCold ?? 1) && a.warm === 0 ? `≤ ${String(a.perCold ?? 1)}${a.perCold ? ' (1 per VM)' : ''} / 0 met` : '**missed**'} |`,
    ),
    '',
    `| where the time goes | median (ms) |`,
    `|---|---:|`,
    ...parts.map((p) => `| ${p.what} | ${p.ms.toFixed(0)} |`),
    '',
    `Medians of ${ROUNDS} rounds (${LARGE_ROUNDS} for the 10,000- and 50,000-file and large cases), interleaved; ${seconds.toFixed(0)} s in all. Cold: no shared SSH connection; warm: one left by the previous command.`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
