// The VM's branch, brought here for review: fetched (remote/fetch.ts) into
// refs/yolovm/ (with the snapshot of uncommitted work), and what the agent did
// inside submodules. Shared by git yolo-fetch and git yolo-diff.
import { EXIT, YolovmError } from '../core/errors.js';
import { isVerbose } from '../core/log.js';
import { shqAll } from '../core/shell.js';
import { locationRefs } from '../git/handoff.js';
import * as git from '../git/repo.js';
import { movedOnVm, vmModulePlace } from '../git/submodules.js';
import type { Session } from '../vm/session.js';
import { snapshotFromMarkers, type VmWorkTree } from '../vm/snapshot.js';
import { fetchFromVm, gitFailed, gitFromVm, gitOutputFlags, vmUrl } from './fetch.js';

/**
 * git fetch's own lines that our summary says better: the "From" header and the
 * updates of refs/yolovm/ (a VM branch the agent rewrote is a "forced update",
 * which only looks alarming), the snapshot brought to FETCH_HEAD, and the
 * "couldn't find" we replace. -v shows them.
 */
const FETCH_NOISE =
  /^(fatal: couldn't find remote ref |From ssh:\/\/| [ *+!=-] .* -> refs\/yolovm\/| [ *] .* refs\/yolovm\/snapshot +-> FETCH_HEAD$)/;

const FETCH_FLAGS = [
  '--no-tags',
  // A submodule the agent moved is named after the fetch (submoduleWork); its commits are on the VM only.
  '--no-recurse-submodules',
  // Not after every review: the user's next commit or fetch runs git's upkeep as usual.
  '--no-auto-maintenance',
];

/**
 * The VM's tip of the branch: fetched (with the snapshot `wip`, if any) into
 * refs/yolovm/ and FETCH_HEAD, or only looked up for a dry run.
 */
export interface TipRequest {
  branch: string;
  subpath: string;
  /** Only look the tip up (ls-remote); fetch nothing. */
  dryRun: boolean;
  /** A snapshot commit to fetch along, into refs/yolovm/.../wip. */
  wip?: string;
  /** git fetch's output flags (default: matching ours). */
  outputFlags?: string[];
}

export async function vmTip(repo: git.Repo, s: Session, req: TipRequest): Promise<string> {
  const { branch, subpath, dryRun, wip } = req;
  const ref = `refs/heads/${branch}`;
  const refs = locationRefs(subpath, s.cfg.vm.value);
  const notThere = () => branchNotThere(s, branch, subpath);
  if (dryRun) {
    const r = await gitFromVm(s, subpath, { gitArgs: ['-C', repo.top], verb: 'ls-remote', args: [ref] });
    if (r.code !== 0) throw gitFailed('Looking up the VM branch failed', r, 'Run again with -v to see more.');
    const sha = r.stdout.split('\t')[0]?.trim();
    if (!sha) throw notThere();
    return sha;
  }
  // git's own "couldn't find remote ref" is replaced by ours below.
  const r = await fetchFromVm(s, subpath, {
    gitArgs: ['-C', repo.top],
    args: [
      ...FETCH_FLAGS,
      ...(req.outputFlags ?? gitOutputFlags()),
      `+${ref}:${refs.vmBranch(branch)}`,
      ...(wip ? [`+${wip}:${refs.wip}`] : []),
    ],
    hide: isVerbose() ? /^fatal: couldn't find remote ref / : FETCH_NOISE,
  });
  if (r.code !== 0) {
    if (/couldn't find remote ref/.test(r.stderr)) throw notThere();
    throw gitFailed(`Fetch of '${branch}' from ${s.where(subpath)} failed`, r, 'Run again with -v to see the commands and their output.');
  }
  const sha = await git.resolveRef(repo, refs.vmBranch(branch));
  if (!sha) throw new YolovmError(`git fetch did not record ${refs.vmBranch(branch)}`, 'Run again with -v to see more.', EXIT.git);
  return sha;
}

/** The VM's branch and its work tree, as one fetch brought them (vmTipAndTree). */
export interface TipAndTree {
  /** The branch fetched: the one asked for, or the one the VM has checked out. */
  branch: string;
  /** Its tip, now under refs/yolovm/. */
  tip: string;
  tree: VmWorkTree;
}

/**
 * One session for what vmWorkTree and vmTip ask in two: the VM makes the snapshot
 * and serves a view of the repository that names it (vm.sh upload-pack
 * --with-snapshot), and one git fetch brings the branch and the snapshot. The
 * snapshot is fetched to FETCH_HEAD only and recorded as refs/yolovm/.../wip
 * afterwards, when the VM's answer says there is one and it is a commit here.
 * Without `branch`, the branch the VM has checked out.
 */
export async function vmTipAndTree(
  repo: git.Repo,
  s: Session,
  req: { branch?: string; subpath: string; outputFlags?: string[] },
): Promise<TipAndTree> {
  const { subpath } = req;
  const refs = locationRefs(subpath, s.cfg.vm.value);
  const r = await fetchFromVm(s, subpath, {
    gitArgs: ['-C', repo.top],
    withSnapshot: req.branch === undefined ? 'HEAD' : `refs/heads/${req.branch}`,
    args: [
      ...FETCH_FLAGS,
      ...(req.outputFlags ?? gitOutputFlags()),
      // The view holds the one branch (vm.sh view_repo).
      req.branch === undefined ? `+refs/heads/*:${refs.base}/vm/*` : `+refs/heads/${req.branch}:${refs.vmBranch(req.branch)}`,
      'refs/yolovm/snapshot',
    ],
    hide: isVerbose() ? /^fatal: couldn't find remote ref / : FETCH_NOISE,
  });
  // The answer came before git served anything: it names the branch even when the fetch failed.
  const tree = r.snapshot.lines > 0 || r.snapshot.overflow || r.code === 0 ? snapshotFromMarkers(r.snapshot) : undefined;
  const branch = req.branch ?? tree?.branch ?? '';
  const missing = /couldn't find remote ref/.test(r.stderr);
  if (r.code !== 0 && !(missing && branch === '' && tree)) {
    if (missing && branch !== '') throw branchNotThere(s, branch, subpath);
    throw gitFailed(`Fetch of '${branch}' from ${s.where(subpath)} failed`, r, 'Run again with -v to see the commands and their output.');
  }
  if (!tree || branch === '') {
    throw new YolovmError(
      `The VM work tree at ${s.where(subpath)} is not on a branch`,
      'Name the branch to review: `git yolo-diff <branch>`.',
    );
  }
  // The checked-out branch came by a pattern, which a branch with no commit yet does not match.
  if (req.branch === undefined && tree.head === '') throw branchNotThere(s, branch, subpath);
  const [tip, snapshot] = await git.resolveAll(repo, [refs.vmBranch(branch), ...(tree.snapshot ? [tree.snapshot.sha] : [])]);
  // (By a pattern, a ref left from an earlier fetch would be there too: it must be the HEAD the VM named.)
  if (!tip || (req.branch === undefined && tip !== tree.head))
    throw new YolovmError(`git fetch did not record ${refs.vmBranch(branch)}`, 'Run again with -v to see more.', EXIT.git);
  if (tree.snapshot) {
    if (snapshot !== tree.snapshot.sha)
      throw new YolovmError(
        `The VM named a snapshot (${tree.snapshot.sha.slice(0, 12)}) that the fetch did not bring`,
        'Run again; if it persists, look at what runs on the VM (`yolovm ssh`).',
        EXIT.git,
      );
    await git.setRef(repo, refs.wip, tree.snapshot.sha, `yolovm: uncommitted work from ${s.where(subpath)}`);
  }
  return { branch, tip, tree };
}

function branchNotThere(s: Session, branch: string, subpath: string): YolovmError {
  return new YolovmError(
    `Branch '${branch}' not found on the VM at ${s.where(subpath)}`,
    `List the VM's branches with \`git ls-remote ${vmUrl(s, subpath)}\`.`,
  );
}

/**
 * The agent's commits inside submodules (see submodules.ts): each submodule the
 * VM's commit `to` moves, from `from`, to a commit this host's submodule lacks,
 * with the command that brings it.
 */
export async function submoduleWork(top: string, s: Session, subpath: string, from: string, to: string): Promise<string[]> {
  return (await movedOnVm(top, from, to)).map(
    (sub) =>
      `Submodule ${sub.path}: the VM is at ${sub.commit.slice(0, 7)}, commits the agent made there that this host lacks; bring them: ${shqAll(['git', '-C', sub.path, 'fetch', vmUrl(s, vmModulePlace(subpath, sub.name)), sub.commit])}`,
  );
}
