// The workspace as a whole: vm.sh's `survey` mode lists every repository and
// plain directory in one ssh round trip; this module parses that and decides,
// with what the host has, what destroying the VM now would lose.
import { existsSync } from 'node:fs';
import { locationRefs } from './handoff.js';
import { commitsAmong } from './plumbing.js';
import { runSync } from './proc.js';
import type { Session } from './session.js';
import { pushedFrom, readState, type State } from './state.js';
import { runOnVm } from './vm.js';

export interface SurveyRepo {
  kind: 'repo';
  /** Workspace subpath of the repository. */
  subpath: string;
  branch: string;
  head: string;
  dirty: boolean;
  changes: number;
  /** Snapshot of uncommitted work (when asked for), and its size. */
  snapshot: string;
  bytes: number;
  tips: Record<string, string>;
}

export interface SurveyDir {
  kind: 'dir';
  subpath: string;
  /** Changed since the last yolo-dir push or pull; undefined: yolo-dir never synced it. */
  changed: boolean | undefined;
}

export type SurveyEntry = SurveyRepo | SurveyDir;

/** Join a path the survey reports (relative to where it ran) to that place's subpath. */
export function joinSubpath(base: string, rel: string): string {
  const tail = rel.replace(/^\.\/?/, '');
  return [base, tail].filter((p) => p !== '').join('/');
}

/** vm.sh `survey` output: NUL-terminated fields (see there). */
export function parseSurvey(out: string, base: string): SurveyEntry[] {
  const f = out.split('\0');
  const entries: SurveyEntry[] = [];
  let i = 0;
  const next = () => f[i++] ?? '';
  while (i < f.length - 1) {
    const kind = next();
    if (kind === 'repo') {
      const [path, branch, head, state, changes, snapshot, bytes, ntips] = [next(), next(), next(), next(), next(), next(), next(), next()];
      const tips: Record<string, string> = {};
      for (let t = 0; t < Number(ntips); t++) {
        const name = next();
        tips[name] = next();
      }
      entries.push({
        kind,
        subpath: joinSubpath(base, path),
        branch,
        head,
        dirty: state === 'dirty',
        changes: Number(changes),
        snapshot,
        bytes: Number(bytes),
        tips,
      });
    } else if (kind === 'dir') {
      const path = next();
      const changed = next();
      entries.push({ kind, subpath: joinSubpath(base, path), changed: changed === '-' ? undefined : changed === '1' });
    } else if (kind !== '') {
      throw new Error(`unexpected survey answer from the VM: ${JSON.stringify(kind)}`);
    }
  }
  return entries;
}

export async function survey(s: Session, subpath: string, snapshots: boolean): Promise<SurveyEntry[]> {
  const { stdout } = await runOnVm(s.target, { mode: 'survey', place: s.place(subpath), args: [snapshots ? '1' : '0'] });
  return parseSurvey(stdout, subpath);
}

/** What the host lacks of one workspace entry: nothing means it is safe to lose. */
export interface Unsaved {
  /** Branches whose VM tip no local repository (or save) has. */
  branches: string[];
  /** Uncommitted work not saved as it is now. */
  uncommitted: boolean;
  /** A plain directory changed since its last sync (or never synced). */
  files: boolean;
  /** Local repositories this VM location was pushed from. */
  pushedFrom: string[];
}

/** The snapshot ref of this location in a local repository, if any. */
function savedWip(gitDir: string, vm: string, subpath: string): string {
  const r = runSync('git', ['--git-dir', gitDir, 'rev-parse', '-q', '--verify', `${locationRefs(subpath, vm).wip}^{commit}`]);
  return r.code === 0 ? r.stdout.trim() : '';
}

/** What destroying the VM now would lose, entry by entry (local git work proportional to the repositories the host knows). */
export function assess(s: Session, entries: readonly SurveyEntry[], state: State = readState()): Map<SurveyEntry, Unsaved> {
  const result = new Map<SurveyEntry, Unsaved>();
  for (const e of entries) {
    const where = s.where(e.subpath);
    const saved = state.saved[where];
    if (e.kind === 'dir') {
      const files = e.changed !== false && !(e.changed === undefined && saved !== undefined && existsSync(saved.path));
      result.set(e, { branches: [], uncommitted: false, files, pushedFrom: [] });
      continue;
    }
    const repos = pushedFrom(state, where);
    const tips = Object.entries(e.tips);
    const known = new Set<string>();
    for (const r of repos)
      for (const sha of commitsAmong(
        tips.map(([, sha]) => sha),
        { gitDir: r },
      ))
        known.add(sha);
    if (saved && existsSync(saved.path)) for (const sha of Object.values(saved.heads ?? {})) known.add(sha);
    const branches = tips.filter(([, sha]) => !known.has(sha)).map(([name]) => name);
    let uncommitted = e.dirty;
    if (e.dirty && e.snapshot) {
      uncommitted =
        !(saved?.wip === e.snapshot && existsSync(saved.path)) && !repos.some((r) => savedWip(r, s.cfg.vm.value, e.subpath) === e.snapshot);
    }
    result.set(e, { branches, uncommitted, files: false, pushedFrom: repos });
  }
  return result;
}

export function isUnsaved(u: Unsaved): boolean {
  return u.branches.length > 0 || u.uncommitted || u.files;
}
