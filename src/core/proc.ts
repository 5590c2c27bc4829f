// Running local programs. Built on node:child_process rather than a library so
// the remote helper, which git starts for every fetch and push, starts fast.
// Every child is remembered so a signal to us ends them too.
import type { ChildProcess, StdioOptions } from 'node:child_process';
import { childProcess } from './builtins.js';
import { debugCommand } from './log.js';
import { YolovmError } from './errors.js';

export interface RunResult {
  code: number; // exit status; 128+n when killed by signal n
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  input?: string;
}

const live = new Set<ChildProcess>();

function exitCode(status: number | null, signal: NodeJS.Signals | null): number {
  if (status !== null) return status;
  const signals: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGPIPE: 13, SIGTERM: 15 };
  return 128 + (signal ? (signals[signal] ?? 1) : 1);
}

export class CommandNotFound extends Error {
  constructor(readonly command: string) {
    super(`${command}: command not found`);
  }
}

/** Run to completion, capturing output. For quick local queries (git config, terraform). */
export function runSync(cmd: string, args: readonly string[], opts: RunOptions = {}): RunResult {
  debugCommand(cmd, args);
  const r = childProcess().spawnSync(cmd, args, {
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    input: opts.input,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.error) {
    if ((r.error as NodeJS.ErrnoException).code === 'ENOENT') throw new CommandNotFound(cmd);
    throw r.error;
  }
  return { code: exitCode(r.status, r.signal), stdout: r.stdout, stderr: r.stderr };
}

/** Run to completion without blocking, capturing output: several can run at once. */
export async function runAsync(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const child = start(cmd, args, { ...opts, stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  if (opts.input !== undefined) child.stdin?.end(opts.input);
  const code = await finished(child, cmd);
  return { code, stdout, stderr };
}

export interface SpawnOptions extends RunOptions {
  stdio: StdioOptions;
}

/** Start a child that ends with us: tracked until it exits. */
export function start(cmd: string, args: readonly string[], opts: SpawnOptions): ChildProcess {
  debugCommand(cmd, args);
  const child = childProcess().spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: opts.stdio });
  live.add(child);
  child.on('exit', () => live.delete(child));
  return child;
}

/** Read no more of a child's stdout and end it (an answer past its bound). */
export function endUnread(child: ChildProcess): void {
  child.stdout?.destroy();
  child.kill('SIGTERM');
}

/** Wait for a started child; rejects with CommandNotFound when it could not start. */
export function finished(child: ChildProcess, cmd: string): Promise<number> {
  return new Promise((resolve, reject) => {
    child.on('error', (err: NodeJS.ErrnoException) => {
      reject(err.code === 'ENOENT' ? new CommandNotFound(cmd) : err);
    });
    child.on('close', (status, signal) => {
      resolve(exitCode(status, signal));
    });
  });
}

/**
 * End our children when we are told to stop, then stop the way we were told
 * (exit 128+n), so no ssh, git or rsync is left behind by Ctrl-C or a kill.
 */
export function endChildrenOnSignals(): void {
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(sig, () => {
      for (const child of live) child.kill(sig === 'SIGHUP' ? 'SIGTERM' : sig);
      process.stderr.write(`yolovm: interrupted (${sig})\n`);
      process.exit(exitCode(null, sig));
    });
  }
}

// Local git: every git process yolovm starts goes through runGit, runGitAsync
// or startGit, so "git is not installed" is said one way and -v traces each.

/** The error for a host without git. */
export function gitNotInstalled(): YolovmError {
  return new YolovmError('git is not installed', 'Install git (`sudo apt-get install git`).');
}

function noGit(err: unknown): never {
  throw err instanceof CommandNotFound ? gitNotInstalled() : err;
}

/** git, run to completion (a quick local question). */
export function runGit(args: readonly string[], opts: RunOptions = {}): RunResult {
  try {
    return runSync('git', args, opts);
  } catch (err) {
    return noGit(err);
  }
}

/** git, without blocking: several at once. */
export function runGitAsync(args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  return runAsync('git', args, opts).catch(noGit);
}

/** git, started (a transfer whose output we relay). */
export function startGit(args: readonly string[], opts: SpawnOptions): ChildProcess {
  return start('git', args, opts);
}

/** git's output when it succeeded; otherwise `fail` gets git's first error line. */
export function gitOutput(r: RunResult, fail: (why: string) => Error): string {
  if (r.code === 0) return r.stdout;
  const lines = r.stderr.split('\n');
  throw fail(lines.find((l) => /^(fatal|error): /.test(l)) ?? lines.find((l) => l.trim() !== '') ?? `exit ${String(r.code)}`);
}
