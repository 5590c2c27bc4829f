// What `git yolo-fetch` does to the local branch, decided from what git says
// about the two tips (pure: table-tested in branch-update.test.ts), and the
// messages that say so.
import { EXIT, YolovmError } from '../core/errors.js';
import { plural } from '../core/log.js';

/** What git knows about the local tip and the VM's. */
export interface Tips {
  /** The local branch's tip; undefined when there is no such branch. */
  local: string | undefined;
  vm: string;
  /** Whether this repository has the VM's commit (a dry run fetched nothing). */
  vmHere: boolean;
  /** Whether the VM's tip is in the local branch's history (local is ahead or equal). */
  vmInLocal: boolean;
  /** Whether the local tip is in the VM's history (a fast-forward). */
  localInVm: boolean;
  force: boolean;
}

export type BranchUpdate =
  | 'unknown' // a dry run, and the VM's commit is not here: only say where each side is
  | 'up-to-date'
  | 'create'
  | 'ahead' // local already holds the VM's tip
  | 'fast-forward'
  | 'diverged' // refused: neither holds the other, and no --force
  | 'force'; // replace local commits, the old tip printed

export function branchUpdate(t: Tips): BranchUpdate {
  if (!t.vmHere) return 'unknown';
  if (t.local === t.vm) return 'up-to-date';
  if (t.local === undefined) return 'create';
  if (t.vmInLocal) return 'ahead';
  if (t.localInVm) return 'fast-forward';
  return t.force ? 'force' : 'diverged';
}

export interface Counts {
  /** Commits the VM has that local lacks. */
  theirs: number;
  /** Commits local has that the VM lacks. */
  ours: number;
}

export function divergedError(branch: string, short: { local: string; vm: string }, n: Counts): YolovmError {
  return new YolovmError(
    `Branch '${branch}' has diverged from the VM: the VM has ${plural(n.theirs, 'commit')} that local ${branch} lacks, and local has ${plural(n.ours, 'commit')} the VM lacks (local ${short.local}, VM ${short.vm})`,
    `Nothing was changed. Merge or rebase with \`git merge ${short.vm}\` (the VM commits are in FETCH_HEAD), or take the VM's version with --force (the old tip is printed so it can be recovered).`,
    EXIT.git,
  );
}

/** The paths a failed `git merge --ff-only`/`reset --keep` names (tab-indented lines). */
export function pathsGitWouldOverwrite(gitMessage: string): string[] {
  return [...gitMessage.matchAll(/^\t(.+)$/gm)].map((m) => m[1] ?? '');
}

export function wouldOverwriteError(branch: string, worktree: string, files: readonly string[]): YolovmError {
  return new YolovmError(
    `Branch '${branch}' is checked out in ${worktree} with local changes the VM's commits would overwrite: ${files.slice(0, 5).join(', ')}${files.length > 5 ? ', ...' : ''}`,
    `Nothing was changed. Commit or stash them (\`git -C ${worktree} stash\`), then run again; the VM commits are in FETCH_HEAD meanwhile.`,
  );
}

export function updateFailedError(branch: string, gitMessage: string): YolovmError {
  return new YolovmError(
    `Could not update '${branch}': ${gitMessage.trim().split('\n')[0] ?? ''}`,
    'Nothing was lost; the VM commits are in FETCH_HEAD. Resolve the problem above and run again.',
    EXIT.git,
  );
}

/** The heading of what a fetch did (or would do) to the branch. */
export function updateHeading(
  kind: 'create' | 'fast-forward' | 'force',
  a: { branch: string; from: string; dryRun: boolean; inTree: string; localShort: string; vmShort: string },
): string {
  switch (kind) {
    case 'create':
      return `${a.dryRun ? 'Would create' : 'Created'} branch ${a.branch} at ${a.vmShort} from ${a.from}`;
    case 'fast-forward':
      return `${a.dryRun ? 'Would fast-forward' : 'Fast-forwarded'} ${a.branch}${a.inTree} ${a.localShort}..${a.vmShort} from ${a.from}`;
    case 'force':
      return `${a.dryRun ? 'Would force' : 'Forced'} ${a.branch}${a.inTree} to the VM's ${a.vmShort} from ${a.from}`;
  }
}
