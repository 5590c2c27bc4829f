// git plumbing for the hot paths (the remote helper, git yolo-push): plain git
// through core/proc.ts runGit (no library: see README, Dependencies): which
// ids are commits here, a branch and its repository in one process, commit
// counts, and `git status --porcelain -z` read the one way.
import { YolovmError } from '../core/errors.js';
import { accessSync, constants } from 'node:fs';
import { resolve } from 'node:path';
import { finished, runGit, runGitAsync, start } from '../core/proc.js';

const OBJECT_ID = /^[0-9a-f]{40}([0-9a-f]{24})?$/;

/**
 * `git cat-file --batch-check` in a repository (the current one, or `gitDir`):
 * one answer per question, in order, the object's id and type, or undefined
 * where it names none; undefined altogether when git failed.
 */
function batchCheck(
  questions: readonly string[],
  at: { cwd?: string; gitDir?: string },
): ({ id: string; type: string } | undefined)[] | undefined {
  const args = [...(at.gitDir ? ['--git-dir', at.gitDir] : []), 'cat-file', '--batch-check=%(objectname) %(objecttype)'];
  const r = runGit(args, { cwd: at.cwd, input: `${questions.join('\n')}\n` });
  // One answer line per question: `<id> <type>`, or `<question> missing`.
  const lines = r.stdout.split('\n');
  if (r.code !== 0 || lines.length < questions.length) return undefined;
  return questions.map((_, i) => {
    const m = /^([0-9a-f]{40}|[0-9a-f]{64}) (commit|tag|tree|blob)$/.exec(lines[i] ?? '');
    return m?.[1] !== undefined && m[2] !== undefined ? { id: m[1], type: m[2] } : undefined;
  });
}

/** The type of each of `shas` that a repository (the current one, or `gitDir`) has, with one git process. */
function objectTypes(shas: readonly string[], at: { cwd?: string; gitDir?: string }): [string, string][] {
  const wanted = shas.filter((x) => OBJECT_ID.test(x));
  if (wanted.length === 0) return [];
  return (batchCheck(wanted, at) ?? []).flatMap((a) => (a ? [[a.id, a.type] as [string, string]] : []));
}

/** Those of `shas` that are commits in a repository (the current one, or `gitDir`). */
export function commitsAmong(shas: readonly string[], at: { cwd?: string; gitDir?: string } = {}): string[] {
  return objectTypes(shas, at)
    .filter(([, type]) => type === 'commit')
    .map(([sha]) => sha);
}

/** Those of `shas` that are objects of any kind there (a tag's object, a stash commit...). */
export function objectsAmong(shas: readonly string[], at: { cwd?: string; gitDir?: string } = {}): string[] {
  return objectTypes(shas, at).map(([sha]) => sha);
}

/** What a push asks of the pushing repository before it sends (see pushFacts). */
export interface PushFacts {
  /** Those of the VM's tips that are commits here: what need not be sent. */
  have: string[];
  /** Each source's commit (absent: it names none). */
  commits: Map<string, string>;
  /** The sources whose commit has a .gitmodules. */
  withModules: Set<string>;
}

/**
 * One git process for all a push wants to know here (it ran four before):
 * which of `vmShas` are commits, the commit each of `sources` names, and
 * whether that commit has a .gitmodules (only then is it read).
 */
export function pushFacts(vmShas: readonly string[], sources: readonly string[], at: { gitDir?: string } = {}): PushFacts {
  const tips = vmShas.filter((x) => OBJECT_ID.test(x));
  const names = [...new Set(sources)].filter((src) => src !== '' && !/[\n\0]/.test(src));
  const facts: PushFacts = { have: [], commits: new Map(), withModules: new Set() };
  if (tips.length + names.length === 0) return facts;
  const answers = batchCheck([...tips, ...names.flatMap((src) => [`${src}^{commit}`, `${src}^{commit}:.gitmodules`])], at);
  if (!answers) return facts;
  tips.forEach((sha, i) => {
    const answer = answers[i];
    if (answer?.id === sha && answer.type === 'commit') facts.have.push(sha);
  });
  names.forEach((src, i) => {
    const commit = answers[tips.length + 2 * i];
    if (commit?.type !== 'commit') return;
    facts.commits.set(src, commit.id);
    if (answers[tips.length + 2 * i + 1]?.type === 'blob') facts.withModules.add(src);
  });
  return facts;
}

export interface Change {
  /** git status's two-letter code: ` M`, `A `, `??`, `R `, ... */
  code: string;
  path: string;
  /** For renames and copies: the old path. */
  from?: string;
}

/** `git status --porcelain -z` records: `XY path`, and for renames and copies a second field, the old path. */
export function parseStatusZ(text: string): Change[] {
  const fields = text.split('\0');
  const changes: Change[] = [];
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i] ?? '';
    if (f.length < 4) continue;
    const change: Change = { code: f.slice(0, 2), path: f.slice(3) };
    if (/[RC]/.test(change.code)) change.from = fields[++i] ?? '';
    changes.push(change);
  }
  return changes;
}

// What git check-ref-format refuses in a branch name (a ref under refs/heads/).
// eslint-disable-next-line no-control-regex -- control characters are what it refuses
const BAD_REF_CHARS = /[\x00-\x20\x7f~^:?*[\\]/;
const BAD_REF_FORMS = /\.\.|@\{|\/\/|^\/|\/$|\.$|\.lock$|\.lock\/|(^|\/)\./;

/** Whether git check-ref-format would take `name` as a ref name (`refs/...`, or one level with `oneLevel`). */
export function isRefName(name: string, oneLevel = false): boolean {
  return name !== '' && name !== '@' && (oneLevel || name.includes('/')) && !BAD_REF_CHARS.test(name) && !BAD_REF_FORMS.test(name);
}

/** Whether `name` is a branch name git would take (`git check-ref-format --branch`). */
export function isBranchName(name: string): boolean {
  return name !== 'HEAD' && !name.startsWith('-') && isRefName(name, true);
}

/** refs/heads/<name> for a branch name git would take, else the contract's error (no git process). */
export function branchRef(name: string): `refs/heads/${string}` {
  if (!isBranchName(name)) {
    throw new YolovmError(`Invalid branch name ${JSON.stringify(name)}`, 'Give the name of a branch, as `git branch` lists them.');
  }
  return `refs/heads/${name}`;
}

/** The contract's error outside a repository. */
export function notARepository(): YolovmError {
  return new YolovmError('Must run from a git repository', 'cd into your repository first (or create one with `git init`).');
}

export interface Here {
  /** Top of the work tree. */
  top: string;
  /** Its git directory (a worktree's own). */
  gitDir: string;
  /** Where git looks for the pre-push hook (core.hooksPath honoured); it may not exist. */
  prePush: string;
  /** The commit `ref` points at, or undefined when there is no such ref. */
  sha: string | undefined;
}

/** The repository around the current directory, its pre-push hook's path and the commit of `ref`, in one git process. */
export async function repositoryAndRef(ref: string): Promise<Here> {
  const r = await runGitAsync([
    'rev-parse',
    '--show-toplevel',
    '--absolute-git-dir',
    '--git-path',
    'hooks/pre-push',
    '--verify',
    '--quiet',
    `${ref}^{commit}`,
  ]);
  const [top, gitDir, hook, sha] = r.stdout.split('\n');
  if ((r.code !== 0 && r.code !== 1) || !top || !gitDir || !hook) throw notARepository();
  return { top, gitDir, prePush: resolve(hook), sha: r.code === 0 && sha ? sha : undefined };
}

/**
 * Run the repository's pre-push hook as `git push` would: in the work tree's top,
 * with the remote's name and URL as arguments and one line per ref on stdin
 * (`<local ref> <local sha> <remote ref> <remote sha>`), its output on stderr.
 * Returns its exit status, or undefined when there is no executable hook.
 */
export async function runPrePushHook(hook: string, top: string, url: string, lines: readonly string[]): Promise<number | undefined> {
  try {
    accessSync(hook, constants.X_OK);
  } catch {
    return undefined;
  }
  const child = start(hook, [url, url], { cwd: top, stdio: ['pipe', 2, 'inherit'] });
  child.stdin?.on('error', () => undefined); // a hook that reads nothing
  child.stdin?.end(lines.map((l) => `${l}\n`).join(''));
  return finished(child, hook);
}

/** A revision range: `a..b`, or a list such as [tip, '--not', '--branches']. */
export type Range = string | readonly string[];

export const rangeArgs = (range: Range): string[] => (typeof range === 'string' ? [range] : [...range]);

/** `git rev-list --count` of a range. */
export function countCommits(cwd: string, range: Range): number {
  return Number(runGit(['rev-list', '--count', ...rangeArgs(range), '--'], { cwd }).stdout.trim());
}

/** Whether commit `older` is in the history of `newer`. */
export function isAncestor(cwd: string, older: string, newer: string): boolean {
  return runGit(['merge-base', '--is-ancestor', older, newer], { cwd }).code === 0;
}

/** KiB of loose objects in the repository around the current directory (`git count-objects -v` size). */
export function looseKiB(): number {
  const m = /^size: (\d+)$/m.exec(runGit(['count-objects', '-v']).stdout);
  return m ? Number(m[1]) : 0;
}

/**
 * Pack the loose objects once (`git repack` without -a or -d: a pack added, as
 * `git gc --auto` would, nothing removed), so that several pushes of the same
 * commits reuse its compressed data instead of each compressing every object.
 */
export function packLooseObjects(): boolean {
  return runGit(['repack', '-q']).code === 0;
}
