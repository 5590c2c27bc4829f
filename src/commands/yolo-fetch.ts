// git yolo-fetch <branch> [subpath]: bring the VM's branch back into the local
// branch of the same name, and the VM's uncommitted work into refs/yolovm/.
// Creates the branch, or fast-forwards it (with its work tree, as git merge
// --ff-only does); never overwrites local work: a diverged branch needs --force,
// and the old tip is printed so it can be recovered. --wip also applies the VM's
// uncommitted work to the local work tree, or refuses before changing anything.
import { EXIT, YolovmError } from '../core/errors.js';
import * as git from '../git/repo.js';
import { branchRef, countCommits, isAncestor, type Range } from '../git/plumbing.js';
import { info, plural } from '../core/log.js';
import { locationRefs } from '../git/handoff.js';
import { locationOf, openSession, type Session } from '../vm/session.js';
import { describeChanges, size, vmWorkTree, type VmWorkTree } from '../vm/snapshot.js';
import { shqAll } from '../core/shell.js';
import { parseSubpath } from '../config/subpath.js';
import { submoduleWork, vmTip } from '../remote/vm-branch.js';

export interface FetchOptions {
  force?: boolean;
  dryRun?: boolean;
  wip?: boolean;
}

const MAX_LOG = 10;

interface Listing {
  total: number;
  lines: string[];
}

/** The commits of a range, collected (before refs move) to be shown afterwards. */
async function listCommits(repo: git.Repo, range: Range): Promise<Listing> {
  return { total: countCommits(repo.top, range), lines: await git.onelineLog(repo, range, MAX_LOG) };
}

function showCommits(heading: string, { total, lines }: Listing): void {
  info(`${heading} (${plural(total, 'new commit')}):`);
  for (const line of lines) info(`  ${line}`);
  if (total > MAX_LOG) info(`  ... and ${total - MAX_LOG} more`);
}

export async function yoloFetch(branch: string, subpathArg: string | undefined, opts: FetchOptions): Promise<number> {
  const repo = await git.openRepo();
  branchRef(branch);
  if (subpathArg !== undefined) parseSubpath(subpathArg); // a bad subpath is refused before anything else
  const s = await openSession(true);
  const { subpath } = locationOf(s, subpathArg);
  const dryRun = opts.dryRun ?? false;
  // The VM work tree first (a snapshot of uncommitted work, unless a dry run): it
  // also names a VM path that is missing or holds no repository.
  const tree = await vmWorkTree(s, subpath, !dryRun);
  const vm = await vmTip(repo, s, { branch, subpath, dryRun, wip: tree.snapshot?.sha });
  const local = await git.resolveRef(repo, `refs/heads/${branch}`);
  const wip = opts.wip && !dryRun ? await planWip(repo, branch, tree, vm, local) : undefined;
  await updateBranch(repo, s, subpath, branch, vm, local, opts);
  reportWorkTree(tree, branch, subpath, {
    explicit: subpathArg !== undefined,
    applying: opts.wip === true,
    wipRef: locationRefs(subpath, s.cfg.vm.value).wip,
  });
  if (wip) applyWip(wip);
  for (const line of submoduleWork(repo.top, s, subpath, local ?? vm, tree.snapshot?.sha ?? vm)) info(line);
  return EXIT.ok;
}

/** The local branch brought to the VM's tip (or said why not). */
async function updateBranch(
  repo: git.Repo,
  s: Session,
  subpath: string,
  branch: string,
  vm: string,
  local: string | undefined,
  opts: FetchOptions,
): Promise<number> {
  const from = s.where(subpath);
  const would = opts.dryRun ? 'Would ' : '';
  const vmShort = (await git.hasCommit(repo, vm)) ? await git.shortSha(repo, vm) : vm.slice(0, 7);

  if (opts.dryRun && !(await git.hasCommit(repo, vm))) {
    info(
      `${would}fetch ${branch} from ${from}: the VM is at ${vmShort}, which is not here yet (${local ? `local ${branch} is at ${await git.shortSha(repo, local)}` : `no local ${branch}`})`,
    );
    return EXIT.ok;
  }
  if (local === vm) {
    info(`${branch} is already up to date with ${from} (${vmShort})`);
    return EXIT.ok;
  }
  if (!local) {
    // What came back: commits no local branch had (listed before the new one exists).
    const listing = await listCommits(repo, [vm, '--not', '--branches']);
    if (!opts.dryRun) await git.moveRef(repo, branch, vm, undefined, `yolo-fetch: ${branch} from ${from}`);
    showCommits(`${opts.dryRun ? 'Would create' : 'Created'} branch ${branch} at ${vmShort} from ${from}`, listing);
    return EXIT.ok;
  }
  const localShort = await git.shortSha(repo, local);
  if (isAncestor(repo.top, vm, local)) {
    const ahead = countCommits(repo.top, `${vm}..${local}`);
    info(`${branch} is already up to date with ${from} (local is ${plural(ahead, 'commit')} ahead, at ${localShort})`);
    return EXIT.ok;
  }
  const fastForward = isAncestor(repo.top, local, vm);
  if (!fastForward && !opts.force) {
    const theirs = countCommits(repo.top, `${local}..${vm}`);
    const ours = countCommits(repo.top, `${vm}..${local}`);
    throw new YolovmError(
      `Branch '${branch}' has diverged from the VM: the VM has ${plural(theirs, 'commit')} that local ${branch} lacks, and local has ${plural(ours, 'commit')} the VM lacks (local ${localShort}, VM ${vmShort})`,
      `Nothing was changed. Merge or rebase with \`git merge ${vmShort}\` (the VM commits are in FETCH_HEAD), or take the VM's version with --force (the old tip is printed so it can be recovered).`,
      EXIT.git,
    );
  }
  const worktree = await git.worktreeOf(repo, branch);
  if (!opts.dryRun) {
    const reason = `yolo-fetch: ${branch} from ${from}${fastForward ? '' : ' (forced)'}`;
    try {
      // Like `git merge --ff-only` (and `reset --keep` when forced): unrelated local
      // edits are carried along, and git refuses by itself when one would be overwritten.
      if (worktree) await git.moveCheckedOut(worktree, vm, !fastForward);
      else await git.moveRef(repo, branch, vm, local, reason);
    } catch (err) {
      const text = (err as Error).message;
      const files = [...text.matchAll(/^\t(.+)$/gm)].map((m) => m[1] ?? '');
      if (worktree && files.length > 0) {
        throw new YolovmError(
          `Branch '${branch}' is checked out in ${worktree} with local changes the VM's commits would overwrite: ${files.slice(0, 5).join(', ')}${files.length > 5 ? ', ...' : ''}`,
          `Nothing was changed. Commit or stash them (\`git -C ${worktree} stash\`), then run again; the VM commits are in FETCH_HEAD meanwhile.`,
        );
      }
      throw new YolovmError(
        `Could not update '${branch}': ${text.trim().split('\n')[0] ?? ''}`,
        'Nothing was lost; the VM commits are in FETCH_HEAD. Resolve the problem above and run again.',
        EXIT.git,
      );
    }
  }
  const inTree = worktree ? ` (and the work tree in ${worktree})` : '';
  if (fastForward) {
    showCommits(
      `${opts.dryRun ? 'Would fast-forward' : 'Fast-forwarded'} ${branch}${inTree} ${localShort}..${vmShort} from ${from}`,
      await listCommits(repo, `${local}..${vm}`),
    );
  } else {
    showCommits(
      `${opts.dryRun ? 'Would force' : 'Forced'} ${branch}${inTree} to the VM's ${vmShort} from ${from}`,
      await listCommits(repo, `${local}..${vm}`),
    );
    const lost = countCommits(repo.top, `${vm}..${local}`);
    info(
      `${opts.dryRun ? 'It would replace' : 'Replaced'} ${plural(lost, 'local commit')}; the old tip was ${localShort}. Recover with: git branch ${branch}-before-fetch ${localShort}`,
    );
  }
  return EXIT.ok;
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
