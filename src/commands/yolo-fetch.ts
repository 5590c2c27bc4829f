// git yolo-fetch <branch> [subpath]: bring the VM's branch back into the local
// branch of the same name, and the VM's uncommitted work into refs/yolovm/.
// Creates the branch, or fast-forwards it (with its work tree, as git merge
// --ff-only does); never overwrites local work: a diverged branch needs --force,
// and the old tip is printed so it can be recovered. --wip also applies the VM's
// uncommitted work to the local work tree, or refuses before changing anything.
import { EXIT, YolovmError } from '../core/errors.js';
import * as git from '../git/repo.js';
import { branchRef, countCommits, type Range } from '../git/plumbing.js';
import { info, plural } from '../core/log.js';
import { locationRefs } from '../git/handoff.js';
import { locationOf, type Session } from '../vm/session.js';
import { repoAndSession } from './session.js';
import { describeChanges, size, vmWorkTree, type VmWorkTree } from '../vm/snapshot.js';
import { shqAll } from '../core/shell.js';
import { parseSubpath } from '../config/subpath.js';
import { submoduleWork, vmTip, vmTipAndTree } from '../remote/vm-branch.js';
import {
  branchUpdate,
  divergedError,
  pathsGitWouldOverwrite,
  updateFailedError,
  updateHeading,
  wouldOverwriteError,
} from '../remote/branch-update.js';

export interface FetchOptions {
  force?: boolean;
  dryRun?: boolean;
  wip?: boolean;
  /** Into refs/yolovm/ only: no local branch moves (the fan-out over several VMs). */
  refsOnly?: boolean;
}

const MAX_LOG = 10;

interface Listing {
  total: number;
  lines: string[];
}

/** The commits of a range, collected (before refs move) to be shown afterwards; `total` when already counted. */
async function listCommits(repo: git.Repo, range: Range, total?: number): Promise<Listing> {
  return { total: total ?? countCommits(repo.top, range), lines: await git.onelineLog(repo, range, MAX_LOG) };
}

function showCommits(heading: string, { total, lines }: Listing): void {
  info(`${heading} (${plural(total, 'new commit')}):`);
  for (const line of lines) info(`  ${line}`);
  if (total > MAX_LOG) info(`  ... and ${total - MAX_LOG} more`);
}

export async function yoloFetch(branch: string, subpathArg: string | undefined, opts: FetchOptions): Promise<number> {
  branchRef(branch);
  if (subpathArg !== undefined) parseSubpath(subpathArg); // a bad subpath is refused before anything else
  const { repo, s } = await repoAndSession();
  const { subpath } = locationOf(s, subpathArg);
  const dryRun = opts.dryRun ?? false;
  // The VM's branch and work tree (one session), the local branch meanwhile (the fetch moves only refs/yolovm/).
  const [{ tree, vm }, [local]] = await Promise.all([
    fromVm(repo, s, branch, subpath, dryRun),
    git.resolveAll(repo, [`refs/heads/${branch}`]),
  ]);
  // A fetch brought it; a dry run only looked it up.
  const vmHere = dryRun ? await git.hasCommit(repo, vm) : true;
  if (opts.refsOnly) {
    await reportFetchedOnly(repo, { branch, vm, vmHere, local, ref: locationRefs(subpath, s.cfg.vm.value).vmBranch(branch), dryRun });
    reportWorkTree(tree, branch, subpath, {
      explicit: subpathArg !== undefined,
      applying: false,
      wipRef: locationRefs(subpath, s.cfg.vm.value).wip,
    });
    return EXIT.ok;
  }
  // Asked now, beside the branch's update (never an error: none found then).
  const inSubmodules = submoduleWork(repo.top, s, subpath, local ?? vm, tree.snapshot?.sha ?? vm).catch(() => []);
  const wip = opts.wip && !dryRun ? await planWip(repo, branch, tree, vm, local) : undefined;
  await updateBranch(repo, s, { subpath, branch, vm, vmHere, local }, opts);
  reportWorkTree(tree, branch, subpath, {
    explicit: subpathArg !== undefined,
    applying: opts.wip === true,
    wipRef: locationRefs(subpath, s.cfg.vm.value).wip,
  });
  if (wip) applyWip(wip);
  for (const line of await inSubmodules) info(line);
  return EXIT.ok;
}

/**
 * The VM's tip of the branch and its work tree: one fetch that brings the
 * snapshot of uncommitted work too; a dry run asks what is uncommitted and looks
 * the tip up, writing nothing on the VM or here.
 */
async function fromVm(
  repo: git.Repo,
  s: Session,
  branch: string,
  subpath: string,
  dryRun: boolean,
): Promise<{ tree: VmWorkTree; vm: string }> {
  if (!dryRun) {
    const { tree, tip } = await vmTipAndTree(repo, s, { branch, subpath });
    return { tree, vm: tip };
  }
  const tree = await vmWorkTree(s, subpath, false);
  return { tree, vm: await vmTip(repo, s, { branch, subpath, dryRun: true }) };
}

/** With --refs-only: where the VM's branch now is here, and how it stands to the local one; nothing local moved. */
async function reportFetchedOnly(
  repo: git.Repo,
  f: { branch: string; vm: string; vmHere: boolean; local: string | undefined; ref: string; dryRun: boolean },
): Promise<void> {
  const here = f.vmHere;
  const short = here ? await git.shortSha(repo, f.vm) : f.vm.slice(0, 7);
  const ahead = here && f.local ? countCommits(repo.top, `${f.local}..${f.vm}`) : undefined;
  const relation =
    f.local === undefined ? `no local ${f.branch}` : ahead === undefined ? '' : `${plural(ahead, 'commit')} local ${f.branch} lacks`;
  info(
    `${f.dryRun ? 'Would fetch' : 'Fetched'} ${f.branch} at ${short}${f.dryRun ? '' : ` into ${f.ref}`}${relation ? `: ${relation}` : ''} (no local branch moved)`,
  );
}

/** The local branch brought to the VM's tip (or said why not): see branch-update.ts. */
async function updateBranch(
  repo: git.Repo,
  s: Session,
  u: { subpath: string; branch: string; vm: string; vmHere: boolean; local: string | undefined },
  opts: FetchOptions,
): Promise<void> {
  const { branch, vm, vmHere, local } = u;
  const from = s.where(u.subpath);
  const dryRun = opts.dryRun ?? false;
  // Commits only the local branch has, and only the VM's: one git process answers every question below.
  const [only, [short, localShort]] = await Promise.all([
    vmHere && local !== undefined && local !== vm ? git.leftRight(repo, local, vm) : undefined,
    shortNames(repo, vmHere ? vm : undefined, local),
  ]);
  const vmInLocal = only !== undefined && only.onlyB === 0;
  const decision = branchUpdate({
    local,
    vm,
    vmHere,
    vmInLocal,
    localInVm: only !== undefined && !vmInLocal && only.onlyA === 0,
    force: opts.force ?? false,
  });
  const ours = only?.onlyA ?? 0;
  const theirs = only?.onlyB ?? 0;
  const vmShort = short || vm.slice(0, 7);
  switch (decision) {
    case 'unknown':
      info(
        `Would fetch ${branch} from ${from}: the VM is at ${vmShort}, which is not here yet (${local ? `local ${branch} is at ${localShort}` : `no local ${branch}`})`,
      );
      return;
    case 'up-to-date':
      info(`${branch} is already up to date with ${from} (${vmShort})`);
      return;
    case 'ahead':
      info(`${branch} is already up to date with ${from} (local is ${plural(ours, 'commit')} ahead, at ${localShort})`);
      return;
    case 'diverged':
      throw divergedError(branch, { local: localShort, vm: vmShort }, { theirs, ours });
    case 'create': {
      // What came back: commits no local branch had (listed before the new one exists).
      const listing = await listCommits(repo, [vm, '--not', '--branches']);
      if (!dryRun) await git.moveRef(repo, branch, vm, undefined, `yolo-fetch: ${branch} from ${from}`);
      showCommits(updateHeading('create', { branch, from, dryRun, inTree: '', localShort, vmShort }), listing);
      return;
    }
    case 'fast-forward':
    case 'force': {
      const old = local ?? '';
      const [worktree, listing] = await Promise.all([git.worktreeOf(repo, branch), listCommits(repo, `${old}..${vm}`, theirs)]);
      if (!dryRun)
        await moveBranch(repo, {
          branch,
          vm,
          local: old,
          worktree,
          forced: decision === 'force',
          reason: `yolo-fetch: ${branch} from ${from}${decision === 'force' ? ' (forced)' : ''}`,
        });
      const inTree = worktree ? ` (and the work tree in ${worktree})` : '';
      showCommits(updateHeading(decision, { branch, from, dryRun, inTree, localShort, vmShort }), listing);
      if (decision === 'force')
        info(
          `${dryRun ? 'It would replace' : 'Replaced'} ${plural(ours, 'local commit')}; the old tip was ${localShort}. Recover with: git branch ${branch}-before-fetch ${localShort}`,
        );
      return;
    }
  }
}

/** Abbreviated names of the VM's tip (7 characters when it is not here) and the local one ('' when none), in one git process. */
async function shortNames(repo: git.Repo, vm: string | undefined, local: string | undefined): Promise<[string, string]> {
  const shorts = await git.shortShas(
    repo,
    [vm, local].filter((x): x is string => x !== undefined),
  );
  return [vm ? (shorts[0] ?? vm) : '', local ? (shorts[vm ? 1 : 0] ?? local) : ''];
}

/**
 * Like `git merge --ff-only` (and `reset --keep` when forced): unrelated local
 * edits are carried along, and git refuses by itself when one would be overwritten.
 */
async function moveBranch(
  repo: git.Repo,
  m: { branch: string; vm: string; local: string; worktree: string | undefined; forced: boolean; reason: string },
): Promise<void> {
  try {
    if (m.worktree) await git.moveCheckedOut(m.worktree, m.vm, m.forced);
    else await git.moveRef(repo, m.branch, m.vm, m.local, m.reason);
  } catch (err) {
    const text = (err as Error).message;
    const files = pathsGitWouldOverwrite(text);
    if (m.worktree && files.length > 0) throw wouldOverwriteError(m.branch, m.worktree, files);
    throw updateFailedError(m.branch, text);
  }
}

/** What the VM's uncommitted work says, and where it was saved. */
function reportWorkTree(
  tree: VmWorkTree,
  branch: string,
  subpath: string,
  { explicit, applying, wipRef }: { explicit: boolean; applying: boolean; wipRef: string },
): void {
  if (tree.state === 'clean' || tree.state === 'bare') return;
  const on = tree.branch ? `on ${tree.branch}` : 'on a detached HEAD';
  if (!tree.snapshot) {
    info(`The VM work tree (${on}) has ${describeChanges(tree.changes)}; a dry run saves nothing`);
    return;
  }
  const args = (...first: string[]) => shqAll(['git', ...first, tree.branch || branch, ...(explicit ? [subpath] : [])]);
  info(`The VM work tree (${on}) has ${describeChanges(tree.changes)}: saved as ${wipRef} (${size(tree.snapshot.bytes)})`);
  if (!applying) info(`  review: ${args('yolo-diff')}   apply here: ${args('yolo-fetch', '--wip')}`);
}

interface WipPlan {
  worktree: string;
  head: string;
  snapshot: string;
  count: number;
}

/**
 * Whether the VM's uncommitted work can be applied to the local work tree of
 * `branch` after the branch is updated; refuses (before anything changes) where
 * it would meet a local change.
 */
async function planWip(
  repo: git.Repo,
  branch: string,
  tree: VmWorkTree,
  vmTip: string,
  local: string | undefined,
): Promise<WipPlan | undefined> {
  if (!tree.snapshot) return undefined;
  if (tree.branch !== branch || tree.head !== vmTip) {
    throw new YolovmError(
      `The VM's uncommitted work is on ${tree.branch ? `branch '${tree.branch}'` : 'a detached HEAD'}, not on '${branch}'`,
      tree.branch
        ? `Nothing was changed. Fetch that branch with it: \`git yolo-fetch --wip ${tree.branch}\`.`
        : 'Nothing was changed. Review it with `git yolo-diff`.',
    );
  }
  const worktree = await git.worktreeOf(repo, branch);
  if (!worktree) {
    throw new YolovmError(
      `--wip applies the VM's uncommitted work to a work tree, and '${branch}' is not checked out`,
      `Nothing was changed. Check it out first (\`git switch ${branch}\`), then run again.`,
    );
  }
  const touched = new Set([
    ...(local && local !== vmTip ? git.changedPaths(worktree, local, vmTip) : []),
    ...git.changedPaths(worktree, tree.head, tree.snapshot.sha),
  ]);
  const clash = git.dirtyPaths(worktree).filter((p) => touched.has(p));
  if (clash.length > 0) {
    throw new YolovmError(
      `The VM's uncommitted work would meet your local changes in ${worktree}: ${clash.slice(0, 5).join(', ')}${clash.length > 5 ? ', ...' : ''}`,
      'Nothing was changed. Commit or stash those local changes, then run again.',
    );
  }
  return { worktree, head: tree.head, snapshot: tree.snapshot.sha, count: tree.changes.length };
}

function applyWip(plan: WipPlan): void {
  git.applyDiff(plan.worktree, plan.head, plan.snapshot);
  info(`Applied the VM's ${plural(plan.count, 'uncommitted change')} to ${plan.worktree} (not committed: see \`git status\`)`);
}
