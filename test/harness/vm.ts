// A stand-in "VM" for end-to-end tests: a real sshd on 127.0.0.1 (random port,
// throwaway host and client keys), its own ssh config handed to the commands
// through YOLOVM_SSH, a private HOME for both sides, and a workspace directory
// in a temp dir. Only processes started here are ended here, by pid.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { userInfo } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import SSHConfig from 'ssh-config';
import { localSshdConfig } from '../../src/commands/demo.js';

/** The repository root (build/test/harness -> ../../..). */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const BIN = join(ROOT, 'bin');

const SSHD_CANDIDATES = ['/usr/sbin/sshd', '/usr/local/sbin/sshd', '/sbin/sshd'];

export function findSshd(): string {
  const found = SSHD_CANDIDATES.find((p) => existsSync(p));
  if (!found) {
    throw new Error(
      'sshd not found: the end-to-end tests need the OpenSSH server. Install it with `apt-get install openssh-server` (./install does this).',
    );
  }
  return found;
}

export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.on('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => {
        res(port);
      });
    });
  });
}

/** Whether something accepts connections on 127.0.0.1:port right now. */
export function listening(port: number): Promise<boolean> {
  return new Promise((res) => {
    const sock = createConnection({ host: '127.0.0.1', port });
    sock.once('connect', () => {
      sock.destroy();
      res(true);
    });
    sock.once('error', () => {
      sock.destroy();
      res(false);
    });
  });
}

function keygen(path: string): string {
  const r = spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'yolovm-test', '-f', path]);
  if (r.status !== 0) throw new Error(`ssh-keygen failed: ${r.stderr.toString()}`);
  return readFileSync(`${path}.pub`, 'utf8').trim();
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOpts {
  cwd?: string;
  env?: Record<string, string | undefined>;
  input?: string | Buffer;
  timeoutMs?: number;
}

/** Run a program to completion with a deadline; a child that overstays is killed by pid and the run fails. */
export function run(cmd: string, args: readonly string[], env: NodeJS.ProcessEnv, opts: RunOpts = {}): Promise<RunResult> {
  return new Promise((res, rej) => {
    const child = spawn(cmd, args, {
      cwd: opts.cwd,
      env: { ...env, ...opts.env },
      stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    if (opts.input !== undefined) {
      child.stdin?.on('error', () => undefined); // the child may not read it all
      child.stdin?.end(opts.input);
    }
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      rej(new Error(`timed out: ${cmd} ${args.join(' ')}\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, opts.timeoutMs ?? 60_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      rej(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      res({ code: code ?? (signal ? 128 + 9 : 1), stdout, stderr });
    });
  });
}

export interface TestVm {
  dir: string;
  port: number;
  /** The workspace base the commands use (YOLOVM_WORKSPACE). */
  workspace: string;
  /** The VM side's TMPDIR. */
  vmTmp: string;
  /** The host side: HOME, git identity, PATH with our commands first. */
  env: NodeJS.ProcessEnv;
  sshConfig: string;
  clientKey: string;
  knownHosts: string;
  sshdPid: number;
  /** Successful SSH authentications so far (from sshd's log). */
  authCount(): number;
  /** Run one of our commands or git on the host side. */
  run(cmd: string, args: readonly string[], opts?: RunOpts): Promise<RunResult>;
  /** Run git as the agent on the VM side, in a workspace path. */
  vmGit(subpath: string, args: readonly string[]): Promise<RunResult>;
  /** Control-master processes our commands left running (pids). */
  masters(): number[];
  /** End those shared connections (by pid), so the next command starts cold. */
  endShared(): Promise<void>;
  /** sshd's log so far. */
  sshdLog(): string;
  /** The VM goes away: sshd and its sessions end. */
  stopSshd(): Promise<void>;
  /** ... and comes back on the same port with the same keys. */
  startSshd(): Promise<void>;
  /** The VM's host key (public key line), as sshd presents it now. */
  hostKey(): string;
  /** A new host key (a re-created VM, or an attacker): sshd restarts with it; shared connections end. */
  rekey(): Promise<void>;
  /**
   * A hostile VM (with `hostile: true`): every session first runs this shell
   * code as the VM user (the "agent": it may set PATH, print to stderr, plant
   * files, record what the session can reach), then the command the host asked
   * for. `$AGENT` is a directory of the agent's own; `$AGENT/record` is read back
   * by `record()`.
   */
  setAgent(script: string): void;
  /** What the agent wrote to $AGENT/record so far. */
  record(): string;
  /** The VM freezes (powered off without a goodbye): sshd and its sessions stop answering. */
  freeze(): void;
  thaw(): void;
  stop(): Promise<void>;
}

export interface VmOptions {
  /** Extra sshd_config lines (e.g. a PATH without rsync). */
  sshdExtra?: string[];
  /**
   * A small tmpfs (a full disk, for fault tests) mounted at this workspace
   * subpath, seen only by the VM side: sshd runs in its own mount namespace.
   * With `tmpdir`, the VM side's TMPDIR is there too.
   */
  tmpfs?: { subpath: string; size: string; tmpdir?: boolean };
  /**
   * A VM whose agent controls every command run there: sshd's ForceCommand runs
   * a wrapper that sources the agent's script (setAgent), then execs the
   * original command with /bin/sh, so what a `sh` or `git` first on the agent's
   * PATH says is what the host hears.
   */
  hostile?: boolean;
  /**
   * Sessions start in the VM user's HOME (vmhome), as on a real VM, with the
   * workspace at ~/workspace (a link to the test's workspace): a fleet of these
   * share one host configuration and keep apart by HOME (fleet.ts).
   */
  homeCwd?: boolean;
}

/**
 * argv that runs `argv` in a new mount namespace with a tmpfs of `size` over
 * `dir` (unshare execs, so the pid stays that of argv's program). Root needs
 * only the mount namespace; anyone else gets it inside a user namespace of
 * their own, keeping their uid and the capabilities to mount there.
 */
function inMountNamespace(size: string, dir: string, argv: string[]): string[] {
  mkdirSync(dir, { recursive: true });
  const userns = process.getuid?.() === 0 ? [] : ['--user', '--map-current-user', '--keep-caps'];
  const script = 'mount -t tmpfs -o "size=$1" tmpfs "$2" || exit 1; shift 2; exec "$@"';
  return ['unshare', ...userns, '--mount', '--propagation', 'private', '--', 'sh', '-c', script, 'sh', size, dir, ...argv];
}

export async function startVm(options: VmOptions = {}): Promise<TestVm> {
  const sshd = findSshd();
  // Short: control socket paths must stay under ~100 bytes.
  const dir = mkdtempSync('/tmp/yv-');
  const home = join(dir, 'home');
  const vmHome = join(dir, 'vmhome');
  const workspace = join(dir, 'ws');
  // The VM side's TMPDIR, of its own: what yolovm leaves there can be seen.
  const vmTmp = options.tmpfs?.tmpdir ? join(workspace, options.tmpfs.subpath) : join(dir, 'vmtmp');
  const runtime = join(dir, 'run');
  for (const d of [home, vmHome, workspace]) mkdirSync(d);
  if (!options.tmpfs?.tmpdir) mkdirSync(vmTmp);
  mkdirSync(runtime, { mode: 0o700 });
  const hostKey = join(dir, 'host_key');
  const clientKey = join(dir, 'client_key');
  const hostPub = keygen(hostKey);
  writeFileSync(join(dir, 'authorized_keys'), `${keygen(clientKey)}\n`);
  const port = await freePort();
  const me = userInfo().username;
  const agentDir = join(dir, 'agent');
  mkdirSync(agentDir);
  const agentScript = join(agentDir, 'agent.sh');
  writeFileSync(agentScript, '');
  const wrapper = join(dir, 'agent-wrapper');
  writeFileSync(
    wrapper,
    [
      '#!/bin/sh',
      `AGENT=${agentDir}`,
      'export AGENT',
      `. ${agentScript}`,
      'if [ -n "${SSH_ORIGINAL_COMMAND-}" ]; then exec /bin/sh -c "$SSH_ORIGINAL_COMMAND"; fi',
      'exec /bin/sh -l',
      '',
    ].join('\n'),
    { mode: 0o755 },
  );
  if (options.homeCwd) {
    writeFileSync(
      join(dir, 'home-wrapper'),
      '#!/bin/sh\ncd "$HOME" || exit 1\nif [ -n "${SSH_ORIGINAL_COMMAND-}" ]; then exec /bin/sh -c "$SSH_ORIGINAL_COMMAND"; fi\nexec /bin/sh -l\n',
      { mode: 0o755 },
    );
    symlinkSync(workspace, join(vmHome, 'workspace'));
  }
  const log = join(dir, 'sshd.log');
  const sshdConfig = join(dir, 'sshd_config');
  writeFileSync(
    sshdConfig,
    [
      ...localSshdConfig({ port, dir, user: me, hostKey }),
      'LogLevel VERBOSE',
      // MaxStartups and MaxSessions stay OpenSSH's defaults (10:30:100 and 10), as on a Debian VM.
      // The "VM" user's own HOME and identity, so nothing of the real user's is read or written.
      `SetEnv HOME=${vmHome} GIT_CONFIG_NOSYSTEM=1 GIT_AUTHOR_NAME=agent GIT_AUTHOR_EMAIL=agent@vm GIT_COMMITTER_NAME=agent GIT_COMMITTER_EMAIL=agent@vm TMPDIR=${vmTmp}`,
      // (sshd uses its first SetEnv line only: every variable is on this one.)
      ...(options.hostile ? [`ForceCommand ${wrapper}`] : options.homeCwd ? [`ForceCommand ${join(dir, 'home-wrapper')}`] : []),
      ...(options.sshdExtra ?? []),
      '',
    ].join('\n'),
  );
  if (process.getuid?.() === 0) mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  let daemon: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  const launch = async () => {
    const argv = [sshd, '-D', '-f', sshdConfig, '-E', log];
    const [program = sshd, ...args] = options.tmpfs
      ? inMountNamespace(options.tmpfs.size, join(workspace, options.tmpfs.subpath), argv)
      : argv;
    const d = spawn(program, args, { stdio: 'ignore' });
    daemon = d;
    exited = new Promise<void>((res) =>
      d.once('exit', () => {
        res();
      }),
    );
    await waitUntil(() => listening(port), `sshd to listen on port ${String(port)}`, 15_000).catch((e: unknown) => {
      d.kill();
      const why = existsSync(log) ? readFileSync(log, 'utf8') : '';
      throw new Error(`${(e as Error).message}\n${why}`);
    });
  };
  await launch();
  /** sshd and the per-connection processes it forked (ours to signal). */
  const sshdTree = (): number[] => (daemon?.pid ? processTree(daemon.pid) : []);
  const knownHosts = join(dir, 'known_hosts');
  writeFileSync(knownHosts, `[127.0.0.1]:${port} ${hostPub}\n`);
  const sshConfig = join(dir, 'ssh_config');
  const cfg = SSHConfig.parse('');
  cfg.append({
    Host: '*',
    Port: String(port),
    IdentityFile: clientKey,
    IdentitiesOnly: 'yes',
    UserKnownHostsFile: knownHosts,
    GlobalKnownHostsFile: '/dev/null',
    StrictHostKeyChecking: 'yes',
  });
  writeFileSync(sshConfig, SSHConfig.stringify(cfg));

  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.startsWith('YOLOVM_') && !k.startsWith('GIT_') && k !== 'SSH_AUTH_SOCK') env[k] = v;
  }
  Object.assign(env, {
    PATH: `${BIN}:${process.env.PATH ?? '/usr/bin:/bin'}`,
    HOME: home,
    XDG_RUNTIME_DIR: runtime,
    // yolovm's host state (pushed-from index, saves, pull backups) stays in the test's world.
    XDG_STATE_HOME: join(dir, 'state'),
    GIT_CONFIG_NOSYSTEM: '1',
    // Never the user's own git or XDG configuration (the GIT_* of the user's environment are dropped above).
    GIT_CONFIG_GLOBAL: join(home, '.gitconfig'),
    XDG_CONFIG_HOME: join(home, '.config'),
    GIT_AUTHOR_NAME: 'host',
    GIT_AUTHOR_EMAIL: 'host@example.com',
    GIT_COMMITTER_NAME: 'host',
    GIT_COMMITTER_EMAIL: 'host@example.com',
    YOLOVM_HOST: '127.0.0.1',
    YOLOVM_USER: me,
    YOLOVM_SSH: `ssh -F ${sshConfig}`,
    YOLOVM_WORKSPACE: workspace,
  });

  const masters = () => mastersIn(runtime, sshConfig);

  const vm: TestVm = {
    dir,
    port,
    workspace,
    vmTmp,
    env,
    sshConfig,
    clientKey,
    knownHosts,
    get sshdPid() {
      return daemon?.pid ?? 0;
    },
    authCount: () => (existsSync(log) ? (readFileSync(log, 'utf8').match(/Accepted publickey for /g)?.length ?? 0) : 0),
    run: (cmd, args, opts) => run(cmd, args, env, opts),
    vmGit: (subpath, args) =>
      run('git', ['-C', join(workspace, subpath), ...args], {
        ...env,
        HOME: vmHome,
        GIT_CONFIG_GLOBAL: join(vmHome, '.gitconfig'),
        GIT_AUTHOR_NAME: 'agent',
        GIT_AUTHOR_EMAIL: 'agent@vm',
        GIT_COMMITTER_NAME: 'agent',
        GIT_COMMITTER_EMAIL: 'agent@vm',
      }),
    masters,
    async endShared() {
      const pids = masters();
      for (const pid of pids) signal(pid, 'SIGTERM');
      await waitGone(pids, 5000);
    },
    sshdLog: () => (existsSync(log) ? readFileSync(log, 'utf8') : ''),
    async stopSshd() {
      const tree = sshdTree();
      // Frozen first, then killed: no process of the tree sees a sibling die and answers before its own end
      // (receive-pack would report "unpacker error" over a session that is still there).
      for (const pid of tree) signal(pid, 'SIGSTOP');
      for (const pid of tree) signal(pid, 'SIGKILL');
      await exited;
      await waitGone(tree, 5000);
    },
    startSshd: launch,
    setAgent(script) {
      if (!options.hostile) throw new Error('setAgent needs startVm({ hostile: true })');
      writeFileSync(agentScript, `${script}\n`);
    },
    record: () => (existsSync(join(agentDir, 'record')) ? readFileSync(join(agentDir, 'record'), 'utf8') : ''),
    hostKey: () => readFileSync(`${hostKey}.pub`, 'utf8').trim(),
    async rekey() {
      await vm.stopSshd();
      await waitUntil(() => masters().length === 0, 'shared connections to the old VM to end', 15_000);
      rmSync(hostKey);
      rmSync(`${hostKey}.pub`);
      keygen(hostKey);
      await launch();
    },
    freeze() {
      for (const pid of sshdTree()) signal(pid, 'SIGSTOP');
    },
    thaw() {
      for (const pid of sshdTree()) signal(pid, 'SIGCONT');
    },
    async stop() {
      // End the shared connections our commands started, then sshd, by pid.
      const pids = masters();
      for (const pid of pids) signal(pid, 'SIGTERM');
      daemon?.kill('SIGTERM');
      await exited;
      await waitGone(pids, 5000);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return vm;
}

/** The shared connections (control masters, by pid) yolovm's commands left under a host runtime directory. */
export function mastersIn(runtime: string, sshConfig: string): number[] {
  const sockDir = join(runtime, 'yolovm');
  if (!existsSync(sockDir)) return [];
  const pids: number[] = [];
  for (const sock of readdirSync(sockDir)) {
    const r = spawnSync('ssh', ['-F', sshConfig, '-S', join(sockDir, sock), '-O', 'check', 'vm'], { encoding: 'utf8' });
    const m = /pid=(\d+)/.exec(r.stderr);
    if (m) pids.push(Number(m[1]));
  }
  return pids;
}

/** Wait until every one of `pids` has ended (bounded: a process that stays is a failure). */
export async function waitGone(pids: readonly number[], ms: number): Promise<void> {
  await waitUntil(() => !pids.some(alive), `processes ${pids.filter(alive).join(' ')} to end`, ms);
}

/**
 * Wait for something observable to become true, polling, with a deadline.
 * Tests never sleep for a fixed time and then assume something happened.
 */
export async function waitUntil(cond: () => boolean | Promise<boolean>, what: string, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out after ${String(ms)} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Signal a process this test started; one that has already ended is not an error. Returns whether it was there. */
export function signal(pid: number, sig: NodeJS.Signals): boolean {
  try {
    process.kill(pid, sig);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw err;
  }
}

/** True while a process exists. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** True while any process is left in process group `pgid`. */
export function groupAlive(pgid: number): boolean {
  return alive(-pgid);
}

/** `pid` and every process descended from it, found through /proc. */
export function processTree(pid: number): number[] {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      /* ended while we looked */
    }
  }
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) {
    for (const [child, parent] of parents) if (parent === tree[i] && !tree.includes(child)) tree.push(child);
  }
  return tree;
}

/**
 * A YOLOVM_SSH value that runs the test's ssh through gate-ssh: after `limit`
 * bytes in `direction` the transfer stalls and `marker` appears (see gate-ssh.ts).
 */
export function gatedSsh(vm: TestVm, marker: string, direction: 'up' | 'down', limit: number): string {
  return `${process.execPath} ${join(ROOT, 'build', 'test', 'harness', 'gate-ssh.js')} ${marker} ${direction} ${String(limit)} ssh -F ${vm.sshConfig}`;
}

/** Write a file, making its directories first. */
export function write(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}

/**
 * git in one directory (both given late: a test's VM and repository are made in `before`):
 * `git` runs it, `must` insists it succeeds and gives stdout, `sha` resolves a rev.
 */
export function gitIn(vm: () => TestVm, where: () => string) {
  const git = (...args: string[]) => vm().run('git', args, { cwd: where() });
  return {
    git,
    must: async (...args: string[]) => {
      const r = await git(...args);
      assert.equal(r.code, 0, `git ${args.join(' ')}: ${r.stderr}`);
      return r.stdout;
    },
    sha: async (rev: string, cwd = where()) => (await vm().run('git', ['rev-parse', rev], { cwd })).stdout.trim(),
  };
}

/** A local repository with one commit on `main`, in the host HOME of a test VM (or fleet). */
export async function makeRepo(vm: Pick<TestVm, 'dir' | 'run'>, name: string): Promise<string> {
  const repo = join(vm.dir, 'home', name);
  mkdirSync(repo, { recursive: true });
  const git = (...args: string[]) => vm.run('git', args, { cwd: repo });
  await git('init', '-q', '-b', 'main');
  writeFileSync(join(repo, 'README'), 'hello\n');
  await git('add', 'README');
  await git('commit', '-q', '-m', 'initial commit');
  return repo;
}
