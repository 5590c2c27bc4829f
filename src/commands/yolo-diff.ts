// git yolo-diff [branch] [subpath]: what the agent changed since the hand-off,
// commits and uncommitted work together, without touching a local branch or the
// work tree: the VM's branch and a snapshot of its work tree are fetched into
// refs/yolovm/ only, and compared with the commit last pushed there.
import { runsOnHost } from '../core/boundary.js';
import { EXIT, YolovmError } from '../core/errors.js';
import * as git from '../git/repo.js';
import { branchRef, countCommits } from '../git/plumbing.js';
import { info, isVerbose, output, plural } from '../core/log.js';
import { finished, startGit } from '../core/proc.js';
import { locationRefs } from '../git/handoff.js';
import { locationOf } from '../vm/session.js';
import { repoAndSession } from './session.js';
import { describeChanges, size } from '../vm/snapshot.js';
import { shqAll } from '../core/shell.js';
import { parseSubpath } from '../config/subpath.js';
import { submoduleWork, vmTipAndTree } from '../remote/vm-branch.js';

export interface DiffOptions {
  patch?: boolean;
  stat?: boolean;
  nameStatus?: boolean;
}

/** One VM's attempt, as `git yolo-diff --compare` shows it (the --row a fan-out asks each VM for). */
export interface AttemptRow {
  vm: string;
  branch: string;
  /** Commits since the hand-off. */
  commits: number;
  files: number;
  added: number;
  removed: number;
  /** Uncommitted files on the VM. */
  uncommitted: number;
  /** Files changed that would run on the host. */
  hostRunning: number;
  subject: string;
  tip: string;
}

/** --row: one JSON line describing this VM's attempt (fetched into refs/yolovm/ as any review is). */
export async function diffRow(branchArg: string | undefined, subpathArg: string | undefined): Promise<number> {
  const { repo, s, tree, branch, wip, tip, target, base } = await gather(branchArg, subpathArg);
  const files = parseRawZ(await git.rawDiff(repo, base, target));
  const lines = git.numstat(repo, base, target);
  const row: AttemptRow = {
    vm: s.cfg.vm.value,
    branch,
    commits: countCommits(repo.top, `${base}..${tip}`),
    files: files.length,
    added: lines.added,
    removed: lines.removed,
    uncommitted: wip ? tree.changes.length : 0,
    hostRunning: files.filter((f) => (runsOnHost(f.path, f.becameExecutable) ?? (f.from ? runsOnHost(f.from) : undefined)) !== undefined)
      .length,
    subject: (await git.onelineLog(repo, tip, 1))[0]?.replace(/^\S+ /, '') ?? '',
    tip: await git.shortSha(repo, tip),
  };
  output(`${JSON.stringify(row)}\n`);
  return EXIT.ok;
}

/** One file of `git diff --raw -z -M`: status letter, paths, and whether it became executable. */
export interface FileChange {
  status: string; // A, M, D, R, C, T
  path: string;
  from?: string;
  becameExecutable: boolean;
}

/** `git diff --raw -z -M` output: ":old new oldsha newsha STATUS\0path\0[newpath\0]". */
export function parseRawZ(text: string): FileChange[] {
  const fields = text.split('\0');
  const out: FileChange[] = [];
  for (let i = 0; i < fields.length; i++) {
    const meta = fields[i] ?? '';
    if (!meta.startsWith(':')) continue;
    const [oldMode = '', newMode = '', , , statusField = ''] = meta.slice(1).split(' ');
    const status = statusField.charAt(0);
    const first = fields[++i] ?? '';
    const change: FileChange = { status, path: first, becameExecutable: newMode === '100755' && oldMode !== '100755' };
    if (status === 'R' || status === 'C') {
      change.from = first;
      change.path = fields[++i] ?? '';
    }
    out.push(change);
  }
  return out;
}

/** What the review compares with: what was handed to the VM, else where the VM's branch left the local one. */
async function reviewBase(repo: git.Repo, here: LocalTips, branch: string, tip: string): Promise<{ base: string; says: string }> {
  const { handed, local, head } = here;
  if (handed) return { base: handed, says: 'handed off' };
  const against = local ?? head;
  const base = against ? await git.mergeBase(repo, against, tip) : undefined;
  if (!base) {
    throw new YolovmError(
      `The VM's '${branch}' shares no history with ${local ? `local ${branch}` : 'this repository'}`,
      `Nothing to compare with; fetch it to look at it: \`git yolo-fetch ${branch}\`.`,
    );
  }
  return { base, says: `no hand-off recorded; merge base with ${local ? `local ${branch}` : 'HEAD'}` };
}

/** The review's file list: one line a file, those that would run on the host flagged, and a warning under them. */
export function fileLines(files: readonly FileChange[]): string[] {
  const out = [
    files.length === 0 ? 'No files changed.' : `Files (${plural(files.length, 'file')}, from the hand-off to the VM work tree):`,
  ];
  let flagged = 0;
  for (const f of files) {
    const why = runsOnHost(f.path, f.becameExecutable) ?? (f.from ? runsOnHost(f.from) : undefined);
    if (why) flagged++;
    const name = f.from ? `${f.from} -> ${f.path}` : f.path;
    out.push(`  ${f.status} ${(WORD[f.status] ?? f.status).padEnd(8)} ${name}${why ? `   ! runs on the host (${why})` : ''}`);
  }
  if (flagged > 0)
    out.push(
      '',
      `! ${plural(flagged, 'file')} would run code on this machine when you use your usual tools: review before running anything.`,
    );
  return out;
}

const WORD: Record<string, string> = { A: 'created', M: 'edited', D: 'deleted', R: 'renamed', C: 'copied', T: 'type changed' };

/** What this repository has of a branch: the commit handed to the VM, the local branch, HEAD. */
interface LocalTips {
  handed: string | undefined;
  local: string | undefined;
  head: string | undefined;
}

/** One git process (the fetch moves none of them: it writes only the VM's refs). */
async function localTips(repo: git.Repo, handoff: string, branch: string): Promise<LocalTips> {
  const [handed, local, head] = await git.resolveAll(repo, [handoff, `refs/heads/${branch}`, 'HEAD']);
  return { handed, local, head };
}

/** What a review compares: the VM's branch and snapshot fetched into refs/yolovm/, and the base they are compared with. */
async function gather(branchArg: string | undefined, subpathArg: string | undefined) {
  if (branchArg !== undefined) branchRef(branchArg);
  if (subpathArg !== undefined) parseSubpath(subpathArg);
  const { repo, s } = await repoAndSession();
  const { subpath } = locationOf(s, subpathArg);
  const refs = locationRefs(subpath, s.cfg.vm.value);
  // With the branch named, the local side is read while the VM answers.
  const early = branchArg === undefined ? undefined : localTips(repo, refs.handoff(branchArg), branchArg);
  // Fetched quietly: the review is the output.
  const { tree, branch, tip } = await vmTipAndTree(repo, s, {
    branch: branchArg,
    subpath,
    outputFlags: isVerbose() ? ['--verbose'] : ['--quiet'],
  });
  // The snapshot belongs to the branch the VM has checked out, and only to it.
  const wip = tree.branch === branch ? tree.snapshot : undefined;
  const target = wip ? refs.wip : tip;

  const here = await (early ?? localTips(repo, refs.handoff(branch), branch));
  const { base, says: baseSays } = await reviewBase(repo, here, branch, tip);

  return { repo, s, subpath, refs, tree, branch, wip, tip, target, base, baseSays };
}

export async function yoloDiff(branchArg: string | undefined, subpathArg: string | undefined, opts: DiffOptions): Promise<number> {
  const { repo, s, subpath, refs, tree, branch, wip, tip, target, base, baseSays } = await gather(branchArg, subpathArg);
  const listing = !(opts.patch || opts.stat || opts.nameStatus);
  // Every question at once (each its own git process): commits since the base, and whether the base is still
  // in the VM's history (it is not when it has commits the tip lacks); the names; the commits; the files.
  const [{ onlyA: dropped, onlyB: commits }, [baseShort, tipShort], log, raw, inSubmodules] = await Promise.all([
    git.leftRight(repo, base, tip),
    git.shortShas(repo, [base, tip]),
    git.onelineLog(repo, `${base}..${tip}`, 20),
    listing ? git.rawDiff(repo, base, target) : '',
    listing ? submoduleWork(repo.top, s, subpath, base, target) : [],
  ]);
  const out: string[] = [];
  out.push(`VM: ${s.where(subpath)}, branch ${branch}${tree.branch === branch ? ' (checked out there)' : ''}`);
  out.push(
    `${baseShort ?? base} (${baseSays}) -> ${tipShort ?? tip} (VM tip): ${plural(commits, 'commit')}` +
      (wip ? `; ${describeChanges(tree.changes, 3)}, saved as ${refs.wip} (${size(wip.bytes)})` : '; no uncommitted work'),
  );
  if (dropped > 0) out.push(`The VM's ${branch} no longer contains ${baseShort ?? base}: its history was rewritten`);
  if (commits > 0) {
    out.push('', 'Commits since then:');
    for (const line of log) out.push(`  ${line}`);
    if (commits > 20) out.push(`  ... and ${String(commits - 20)} more`);
  }

  if (!listing) {
    // The summary on stderr: stdout is git's own output (pager, colours), for pipes.
    info(`${out.join('\n')}\n`);
    const flag = opts.patch ? [] : opts.stat ? ['--stat'] : ['--name-status'];
    const child = startGit(['diff', '-M', ...flag, base, target, '--'], { cwd: repo.top, stdio: 'inherit' });
    const code = await finished(child, 'git');
    return code === 0 ? EXIT.ok : EXIT.git;
  }

  out.push('', ...fileLines(parseRawZ(raw)));
  if (inSubmodules.length > 0) out.push('', ...inSubmodules);
  out.push('', `The whole patch: ${shqAll(['git', 'yolo-diff', '-p', branch, ...(subpathArg !== undefined ? [subpath] : [])])}`);
  output(`${out.join('\n')}\n`);
  return EXIT.ok;
}
