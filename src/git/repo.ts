// Local git, one small function per operation, each one git process through
// core/proc.ts (which ends them with us on a signal). Transfers to and from the
// VM are remote/'s (push.ts, fetch.ts).
import { childProcess } from '../core/builtins.js';
import { YolovmError } from '../core/errors.js';
import { notARepository, parseStatusZ, rangeArgs, type Range } from './plumbing.js';
import { runGit, runGitAsync } from '../core/proc.js';

export interface Repo {
  /** Top of the work tree the command runs in. */
  top: string;
  /** Its git directory (for a worktree, the worktree's own). */
  gitDir: string;
}

/** The repository around the current directory (worktrees included), or the contract's error. One git process. */
/** git's stdout, or an Error whose message is git's stderr (a caller reads the paths git names in it). */
async function query(cwd: string, args: readonly string[]): Promise<string> {
  const r = await runGitAsync(args, { cwd });
  if (r.code !== 0) throw new Error(r.stderr.trim() || `git ${args[0] ?? ''} failed (exit ${String(r.code)})`);
  return r.stdout;
}

export async function openRepo(cwd = process.cwd()): Promise<Repo> {
  const r = await runGitAsync(['rev-parse', '--show-toplevel', '--absolute-git-dir'], { cwd });
  const [top = '', gitDir = ''] = r.stdout.trim().split('\n');
  if (r.code !== 0 || top === '') throw notARepository();
  return { top, gitDir };
}

/** The commit a ref points at, or undefined. */
export async function resolveRef(repo: Repo, ref: string): Promise<string | undefined> {
  const r = await runGitAsync(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], { cwd: repo.top });
  const out = r.stdout.trim();
  return r.code !== 0 || out === '' ? undefined : out;
}

/** The commits several revisions name (undefined where none), from one git process. */
export async function resolveAll(repo: Repo, revs: readonly string[]): Promise<(string | undefined)[]> {
  if (revs.length === 0) return [];
  const r = await runGitAsync(['cat-file', '--batch-check=%(objectname) %(objecttype)'], {
    cwd: repo.top,
    input: revs.map((rev) => `${rev}^{commit}\n`).join(''),
  });
  const lines = r.stdout.split('\n');
  return revs.map((_, i) => /^([0-9a-f]{40}|[0-9a-f]{64}) commit$/.exec(lines[i] ?? '')?.[1]);
}

/** How two commits stand: commits only `a` has and only `b` has (`git rev-list --left-right --count a...b`). */
export async function leftRight(repo: Repo, a: string, b: string): Promise<{ onlyA: number; onlyB: number }> {
  const [onlyA = '0', onlyB = '0'] = (await query(repo.top, ['rev-list', '--left-right', '--count', `${a}...${b}`, '--']))
    .trim()
    .split(/\s+/);
  return { onlyA: Number(onlyA), onlyB: Number(onlyB) };
}

/** Abbreviated names of several commits, from one git process. */
export async function shortShas(repo: Repo, shas: readonly string[]): Promise<string[]> {
  if (shas.length === 0) return [];
  // (rev-parse --short takes one; log names each commit once, so the answer is mapped back by full name)
  const out = await query(repo.top, ['log', '--no-walk=unsorted', '--format=%H %h', ...new Set(shas), '--']);
  const short = new Map(out.split('\n').map((l) => l.split(' ') as [string, string]));
  return shas.map((sha) => short.get(sha) ?? sha.slice(0, 7));
}

export async function hasCommit(repo: Repo, sha: string): Promise<boolean> {
  return (await resolveRef(repo, sha)) !== undefined;
}

/** `git log --oneline` of a range, newest first, at most `max` lines. */
export async function onelineLog(repo: Repo, range: Range, max: number): Promise<string[]> {
  const out = await query(repo.top, ['log', '--oneline', '--no-decorate', '--no-color', `-${max}`, ...rangeArgs(range)]);
  return out.split('\n').filter((l) => l !== '');
}

export async function shortSha(repo: Repo, sha: string): Promise<string> {
  return (await query(repo.top, ['rev-parse', '--short', sha])).trim();
}

/** The work tree that has `branch` checked out (this one or another worktree), if any. */
export async function worktreeOf(repo: Repo, branch: string): Promise<string | undefined> {
  const out = await query(repo.top, ['worktree', 'list', '--porcelain']);
  let path: string | undefined;
  for (const line of out.split('\n')) {
    if (line.startsWith('worktree ')) path = line.slice('worktree '.length);
    else if (line === `branch refs/heads/${branch}`) return path;
  }
  return undefined;
}

/** The best common ancestor of two commits, or undefined when they share no history. */
export async function mergeBase(repo: Repo, a: string, b: string): Promise<string | undefined> {
  const r = await runGitAsync(['merge-base', a, b], { cwd: repo.top });
  const out = r.stdout.trim();
  return r.code !== 0 || out === '' ? undefined : out;
}

/** `git diff --raw -z -M` between two commits: what changed, with modes and renames. */
export async function rawDiff(repo: Repo, from: string, to: string): Promise<string> {
  const r = await runGitAsync(['diff', '--raw', '-z', '-M', '--no-color', from, to, '--'], { cwd: repo.top });
  if (r.code !== 0) throw new YolovmError(`git diff failed: ${r.stderr.trim()}`, 'Run again with -v to see the commands run.');
  return r.stdout;
}

/** Lines added and removed between two commits (binary files count none). */
export function numstat(repo: Repo, from: string, to: string): { added: number; removed: number } {
  const r = runGit(['diff', '--numstat', '-z', '--no-renames', from, to, '--'], { cwd: repo.top });
  let added = 0;
  let removed = 0;
  for (const rec of r.stdout.split('\0')) {
    const m = /^(\d+)\t(\d+)\t/.exec(rec);
    if (m) {
      added += Number(m[1]);
      removed += Number(m[2]);
    }
  }
  return { added, removed };
}

/** Paths that differ between two commits (both sides of a rename). */
export function changedPaths(cwd: string, from: string, to: string): string[] {
  const r = runGit(['diff', '--name-only', '--no-renames', '-z', from, to, '--'], { cwd });
  if (r.code !== 0) throw new YolovmError(`git diff failed: ${r.stderr.trim()}`, 'Run again with -v to see the commands run.');
  return r.stdout.split('\0').filter((p) => p !== '');
}

/** Paths with local changes in a work tree: staged, unstaged and untracked (both sides of a rename). */
export function dirtyPaths(worktree: string): string[] {
  const r = runGit(['status', '--porcelain', '-z', '--untracked-files=all'], { cwd: worktree });
  return parseStatusZ(r.stdout).flatMap((c) => (c.from === undefined ? [c.path] : [c.path, c.from]));
}

/**
 * Apply the difference between two commits to a work tree as uncommitted
 * changes (binary-safe: the patch stays bytes, hence spawnSync, not runGit).
 */
export function applyDiff(worktree: string, from: string, to: string): void {
  const diff = childProcess().spawnSync('git', ['diff', '--binary', '--no-color', from, to, '--'], {
    cwd: worktree,
    maxBuffer: 1024 * 1024 * 1024,
  });
  const apply =
    diff.status === 0 ? childProcess().spawnSync('git', ['apply', '--whitespace=nowarn'], { cwd: worktree, input: diff.stdout }) : diff;
  if (apply.status !== 0) {
    throw new YolovmError(
      `Could not apply the VM's uncommitted work: ${apply.stderr.toString().trim()}`,
      `It is saved in ${to}; apply it by hand with \`git diff ${from} ${to} | git apply\`.`,
    );
  }
}

/** Move a branch that is not checked out; fails if it moved meanwhile (old value checked). */
export async function moveRef(repo: Repo, branch: string, to: string, from: string | undefined, reason: string): Promise<void> {
  await query(repo.top, ['update-ref', '-m', reason, `refs/heads/${branch}`, to, from ?? '']); // '': the ref must not exist yet (whatever the hash length)
}

/** Point a ref (not a branch: see moveRef) at an object this repository has. */
export async function setRef(repo: Repo, ref: string, to: string, reason: string): Promise<void> {
  await query(repo.top, ['update-ref', '-m', reason, ref, to]);
}

/** Fast-forward or (forced) move a checked-out branch together with its clean work tree. */
export async function moveCheckedOut(worktree: string, to: string, force: boolean): Promise<void> {
  // (git's upkeep is left to the user's next command of their own, as a fetch leaves it)
  await query(worktree, ['-c', 'maintenance.auto=false', ...(force ? ['reset', '--keep', to] : ['merge', '--ff-only', '--quiet', to])]);
}
