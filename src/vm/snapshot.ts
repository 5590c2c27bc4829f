// The VM work tree's uncommitted work: vm.sh's `snapshot` mode makes it a commit
// (parent: the VM's HEAD) without touching the agent's index, work tree, HEAD,
// stash or refs; the host then fetches that commit by id into refs/yolovm/.
import { Answer, answerTooLarge } from './answers.js';
import { MAX_ANSWER } from '../ssh/relay.js';
import { shown } from '../core/errors.js';
import { parseStatusZ, type Change } from '../git/plumbing.js';
import type { Session } from './session.js';
import { runOnVm } from './vm.js';

export interface VmWorkTree {
  /** The VM's HEAD commit ('' before the first commit) and branch ('' when detached). */
  head: string;
  branch: string;
  state: 'clean' | 'dirty' | 'bare' | 'snapshot';
  /** The snapshot commit and how many bytes of file content it carries beyond HEAD. */
  snapshot?: { sha: string; bytes: number };
  changes: Change[];
}

/** vm.sh's `snapshot` output (see there), every field checked. */
export function parseSnapshot(out: string): VmWorkTree {
  const a = new Answer('snapshot');
  const nl1 = out.indexOf('\n');
  const nl2 = out.indexOf('\n', nl1 + 1);
  if (nl1 < 0) a.fail(`no head line in ${shown(out.slice(0, 80))}`);
  const [tag = '', head = '', branch = '', ...extra] = out.slice(0, nl1).split('\t');
  const [state = '', sha = '', bytes = '0', ...more] = out.slice(nl1 + 1, nl2 < 0 ? undefined : nl2).split('\t');
  a.word(tag, ['head'] as const, 'first word');
  if (extra.length > 0 || more.length > 0) a.fail('extra fields');
  const tree: VmWorkTree = {
    head: a.oidOrEmpty(head, 'HEAD'),
    branch: a.branchOrEmpty(branch, 'branch'),
    state: a.word(state, ['clean', 'dirty', 'bare', 'snapshot'] as const, 'state'),
    changes: nl2 < 0 ? [] : checkedChanges(a, parseStatusZ(out.slice(nl2 + 1))),
  };
  if (tree.state === 'snapshot')
    tree.snapshot = { sha: a.oid(sha, 'snapshot', tree.head.length || undefined), bytes: a.count(bytes, 'size') };
  return tree;
}

/** `git status -z` entries from the VM: paths relative to the work tree (shown escaped; never used as host paths). */
export function checkedChanges(a: Answer, changes: Change[]): Change[] {
  for (const c of changes) {
    if (!/^[ MTADRCU?!]{2}$/.test(c.code)) a.fail(`status code ${shown(c.code)}`);
    a.relPath(c.path, 'path', { strict: false });
    if (c.from !== undefined) a.relPath(c.from, 'path', { strict: false });
  }
  return changes;
}

/**
 * The snapshot answer vm.sh sends beside a fetch (upload-pack --with-snapshot),
 * as marker lines of base64 on stderr (collected by the relay within a bound).
 */
export function snapshotFromMarkers(marker: { text: string; lines: number; overflow: boolean }): VmWorkTree {
  const a = new Answer('snapshot');
  if (marker.overflow) throw answerTooLarge('snapshot', MAX_ANSWER);
  if (marker.lines === 0) a.fail('no snapshot lines beside the fetch');
  const bad = /[^A-Za-z0-9+/=]|=+[^=]/.exec(marker.text);
  if (bad) a.fail(`not base64: ${shown(marker.text.slice(Math.max(0, bad.index - 20), bad.index + 20))}`);
  return parseSnapshot(Buffer.from(marker.text, 'base64').toString('utf8'));
}

/** Ask the VM for its work tree; with `commit`, also make a snapshot of uncommitted work. */
export async function vmWorkTree(s: Session, subpath: string, commit: boolean): Promise<VmWorkTree> {
  const { stdout } = await runOnVm(s.target, s.place(subpath), { mode: 'snapshot', dryRun: !commit });
  return parseSnapshot(stdout);
}

/** `3 uncommitted changes ( M lib/a.js, ?? NOTES.md, ...)`. */
export function describeChanges(changes: readonly Change[], max = 5): string {
  const shown = changes.slice(0, max).map((c) => `${c.code.trim() || c.code} ${c.from ? `${c.from} -> ` : ''}${c.path}`);
  const more = changes.length > max ? `, and ${String(changes.length - max)} more` : '';
  return `${String(changes.length)} uncommitted change${changes.length === 1 ? '' : 's'} (${shown.join(', ')}${more})`;
}

/** 1234 -> "1.2 kB". */
export function size(bytes: number): string {
  if (bytes < 1000) return `${String(bytes)} bytes`;
  const units = ['kB', 'MB', 'GB'];
  let n = bytes / 1000;
  let u = 0;
  while (n >= 1000 && u < units.length - 1) {
    n /= 1000;
    u++;
  }
  return `${n.toFixed(1)} ${units[u] ?? 'GB'}`;
}
