// What a push of one branch did, decided from the tips (pure: table-tested in
// push-report.test.ts), and the words `git yolo-push` says it with.
import { EXIT, YolovmError } from '../core/errors.js';
import { isDirtyWorktreeRejection, isNonFastForward } from './protocol.js';

export type PushKind =
  | 'up-to-date'
  | 'new-branch' // the VM had no such branch
  | 'forced-unknown' // forced over a VM tip this repository never had: name it for recovery
  | 'fast-forward'
  | 'forced'; // forced over VM commits this repository has

export interface PushTips {
  /** The VM's tip before the push; undefined when the branch is new there. */
  old: string | undefined;
  local: string;
  /** send-pack's message for the ref ('up to date' when nothing moved). */
  message: string | undefined;
  /** Whether this repository has the VM's old tip. */
  oldHere: boolean;
  /** Whether the old tip is in local's history. */
  fastForward: boolean;
}

export function pushKind(t: PushTips): PushKind {
  if (t.old === t.local || t.message === 'up to date') return 'up-to-date';
  if (t.old === undefined) return 'new-branch';
  if (!t.oldHere) return 'forced-unknown';
  return t.fastForward ? 'fast-forward' : 'forced';
}

export interface PushWords {
  branch: string;
  dest: string;
  dryRun: boolean;
  old: string;
  local: string;
  /** Commits that travelled (new branch, fast-forward) or are new (forced). */
  added: number;
  /** VM commits a forced push replaced. */
  replaced: number;
}

const commits = (n: number, what = 'commit') => `${String(n)} ${what}${n === 1 ? '' : 's'}`;

/** The summary line for what the push did. */
export function pushSummary(kind: PushKind, w: PushWords): string {
  const verb = w.dryRun ? 'Would push' : 'Pushed';
  const [old, short] = [w.old.slice(0, 7), w.local.slice(0, 7)];
  switch (kind) {
    case 'up-to-date':
      return `${w.branch} is already up to date on ${w.dest} (${short})`;
    case 'new-branch':
      return `${verb} new branch ${w.branch} to ${w.dest}: ${commits(w.added)}, up to ${short}`;
    case 'forced-unknown':
      return `${verb} ${w.branch} to ${w.dest}: ${old}...${short} (forced update); the VM's old tip ${old} is not in this repository (on the VM: \`git branch rescue ${old}\` recovers it)`;
    case 'fast-forward':
      return `${verb} ${w.branch} to ${w.dest}: ${commits(w.added)}, ${old}..${short}`;
    case 'forced':
      return `${verb} ${w.branch} to ${w.dest}: ${old}...${short} (forced update): ${commits(w.added, 'new commit')}; replaced ${commits(w.replaced, 'VM commit')}, old tip ${old}`;
  }
}

/** The error for a ref send-pack rejected, by what the VM said. */
export function pushRejected(why: string, c: { branch: string; dest: string; created: boolean; fetchArgs: string }): YolovmError {
  if (isDirtyWorktreeRejection(why)) {
    return c.created
      ? new YolovmError(
          `Push of '${c.branch}' refused: files already at ${c.dest} would be overwritten (${why})`,
          'Nothing was left on the VM: the repository the push started there was removed. Push to a new subpath, or move those files away on the VM.',
          EXIT.git,
        )
      : new YolovmError(
          `Push of '${c.branch}' refused: the VM work tree at ${c.dest} has uncommitted changes (${why})`,
          'Nothing on the VM was touched. Commit that work on the VM and `git yolo-fetch` it, or push to another branch.',
          EXIT.git,
        );
  }
  if (isNonFastForward(why)) {
    return new YolovmError(
      `Push of '${c.branch}' rejected: the VM has commits that ${c.branch} does not (${why})`,
      `Bring them back first with \`git yolo-fetch ${c.fetchArgs}\`, or overwrite them with --force.`,
      EXIT.git,
    );
  }
  return new YolovmError(`Push of '${c.branch}' to ${c.dest} rejected: ${why}`, 'See the messages above from git and the VM.', EXIT.git);
}

export function noPushStatus(branch: string, dest: string): YolovmError {
  return new YolovmError(
    `Push of '${branch}' to ${dest} failed: no status from git send-pack`,
    'Run again with -v to see the commands and their output.',
    EXIT.git,
  );
}
