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
import { fetchFromVm, gitFailed, gitFromVm, gitOutputFlags, vmUrl } from './fetch.js';

/**
 * git fetch's own lines that our summary says better: the "From" header and the
 * updates of refs/yolovm/ (a new snapshot is a "forced update" of .../wip every
 * time, which only looks alarming), and the "couldn't find" we replace. -v shows them.
 */
const FETCH_NOISE = /^(fatal: couldn't find remote ref |From ssh:\/\/| [ *+!=-] .* -> refs\/yolovm\/)/;

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
  const notThere = () =>
    new YolovmError(
      `Branch '${branch}' not found on the VM at ${s.where(subpath)}`,
      `List the VM's branches with \`git ls-remote ${vmUrl(s, subpath)}\`.`,
    );
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
      '--no-tags',
      // A submodule the agent moved is named after the fetch (submoduleWork); its commits are on the VM only.
      '--no-recurse-submodules',
      // Not after every review: the user's next commit or fetch runs git's upkeep as usual.
      '--no-auto-maintenance',
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

/**
 * The agent's commits inside submodules (see submodules.ts): each submodule the
 * VM's commit `to` moves, from `from`, to a commit this host's submodule lacks,
 * with the command that brings it.
 */
export function submoduleWork(top: string, s: Session, subpath: string, from: string, to: string): string[] {
  return movedOnVm(top, from, to).map(
    (sub) =>
      `Submodule ${sub.path}: the VM is at ${sub.commit.slice(0, 7)}, commits the agent made there that this host lacks; bring them: ${shqAll(['git', '-C', sub.path, 'fetch', vmUrl(s, vmModulePlace(subpath, sub.name)), sub.commit])}`,
  );
}
