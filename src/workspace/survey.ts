// The workspace as a whole: vm.sh's `survey` mode lists every repository and
// plain directory in one ssh round trip; this module parses that and decides,
// with what the host has, what destroying the VM now would lose.
import { existsSync } from 'node:fs';
import { Answer } from '../vm/answers.js';
import { shown } from '../core/errors.js';
import { locationRefs } from '../git/handoff.js';
import { objectsAmong } from '../git/plumbing.js';
import { runGit } from '../core/proc.js';
import type { Session } from '../vm/session.js';
import { pushedFrom, readState, type State } from '../config/state.js';
import { runOnVm } from '../vm/vm.js';

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
  /** Every other ref (tags, notes, ...), by full name, but refs/stash. */
  refs: Record<string, string>;
  /** Every stash entry, newest first (stash@{0}, ...). */
  stash: string[];
  /** Commits no VM ref holds that its HEAD reflog reaches (a detached HEAD's work): the tips. */
  lost: string[];
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

/**
 * vm.sh `survey` output: NUL-terminated fields (see there), every one checked:
 * `save` writes files and refs named after these paths, branches and ids.
 */
export function parseSurvey(out: string, base: string): SurveyEntry[] {
  const a = new Answer('survey');
  const f = out.split('\0');
  if (f.pop() !== '') a.fail('the last field is not terminated');
  const entries: SurveyEntry[] = [];
  const seen = new Set<string>();
  let i = 0;
  const next = () => {
    if (i >= f.length) a.fail('an entry ends early');
    return f[i++] ?? '';
  };
  const place = (rel: string) => {
    if (rel !== '.' && !rel.startsWith('./')) a.fail(`path ${shown(rel.slice(0, 200))} is not relative to the asked place`);
    const subpath = joinSubpath(base, a.relPath(rel.replace(/^\.\//, '') || '.', 'path', { strict: false }));
    if (seen.has(subpath)) a.fail(`path ${shown(subpath)} is listed twice`);
    seen.add(subpath);
    return subpath;
  };
  while (i < f.length) {
    const kind = a.word(next(), ['repo', 'dir'] as const, 'entry kind');
    if (kind === 'repo') {
      const subpath = place(next());
      const branch = a.branchOrEmpty(next(), 'branch');
      const head = a.oidOrEmpty(next(), 'HEAD');
      const length = head.length || undefined;
      const state = a.word(next(), ['clean', 'dirty'] as const, 'state');
      const changes = a.count(next(), 'count of changes');
      const snapshot = a.oidOrEmpty(next(), 'snapshot', length);
      const bytes = a.count(next(), 'size');
      const announced = (what: string, per: number) => {
        const n = a.count(next(), `count of ${what}`);
        if (n * per > f.length - i) a.fail(`${String(n)} ${what} announced, fewer sent`);
        return n;
      };
      const named = (what: string, whats: string, check: (v: string) => string) => {
        const out: Record<string, string> = {};
        for (let t = announced(whats, 2); t > 0; t--) {
          const name = check(next());
          if (name === '' || Object.hasOwn(out, name)) a.fail(`${what} ${shown(name)} empty or listed twice`);
          out[name] = a.oid(next(), `the tip of ${shown(name)}`, length);
        }
        return out;
      };
      const ids = (what: string) => Array.from({ length: announced(what, 1) }, () => a.oid(next(), what, length));
      const tips = named('branch', 'branches', (v) => a.branchOrEmpty(v, 'branch'));
      const refs = named('ref', 'refs', (v) => {
        a.ref(v, 'ref');
        if (v.startsWith('refs/heads/') || v === 'refs/stash') a.fail(`ref ${shown(v)} is not one of the other refs`);
        return v;
      });
      const stash = ids('stash entries');
      const lost = ids('lost commits');
      entries.push({ kind, subpath, branch, head, dirty: state === 'dirty', changes, snapshot, bytes, tips, refs, stash, lost });
    } else {
      const subpath = place(next());
      const changed = a.word(next(), ['0', '1', '-'] as const, 'changed');
      entries.push({ kind, subpath, changed: changed === '-' ? undefined : changed === '1' });
    }
  }
  return entries;
}

export async function survey(s: Session, subpath: string, snapshots: boolean): Promise<SurveyEntry[]> {
  const { stdout } = await runOnVm(s.target, s.place(subpath), { mode: 'survey', snapshots });
  return parseSurvey(stdout, subpath);
}

/** What the host lacks of one workspace entry: nothing means it is safe to lose. */
export interface Unsaved {
  /** Branches whose VM tip no local repository (or save) has. */
  branches: string[];
  /** Other refs (tags, notes, ...) whose object the host lacks, by full name. */
  refs: string[];
  /** Stash entries and lost commits (see SurveyRepo) the host lacks. */
  stash: number;
  lost: number;
  /** Uncommitted work not saved as it is now. */
  uncommitted: boolean;
  /** A plain directory changed since its last sync (or never synced). */
  files: boolean;
  /** Local repositories this VM location was pushed from. */
  pushedFrom: string[];
}

/** The snapshot ref of this location in a local repository, if any. */
function savedWip(gitDir: string, vm: string, subpath: string): string {
  const r = runGit(['--git-dir', gitDir, 'rev-parse', '-q', '--verify', `${locationRefs(subpath, vm).wip}^{commit}`]);
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
      result.set(e, { ...NO_LOSS, files });
      continue;
    }
    const repos = pushedFrom(state, where);
    const tips = Object.entries(e.tips);
    const others = Object.entries(e.refs);
    const asked = [...tips, ...others].map(([, sha]) => sha).concat(e.stash, e.lost);
    const known = new Set<string>();
    for (const r of repos) for (const sha of objectsAmong(asked, { gitDir: r })) known.add(sha);
    if (saved && existsSync(saved.path)) for (const sha of [...Object.values(saved.heads ?? {}), ...(saved.objects ?? [])]) known.add(sha);
    const branches = tips.filter(([, sha]) => !known.has(sha)).map(([name]) => name);
    const refs = others.filter(([, sha]) => !known.has(sha)).map(([name]) => name);
    const stash = e.stash.filter((sha) => !known.has(sha)).length;
    const lost = e.lost.filter((sha) => !known.has(sha)).length;
    let uncommitted = e.dirty;
    if (e.dirty && e.snapshot) {
      uncommitted =
        !(saved?.wip === e.snapshot && existsSync(saved.path)) && !repos.some((r) => savedWip(r, s.cfg.vm.value, e.subpath) === e.snapshot);
    }
    result.set(e, { branches, refs, stash, lost, uncommitted, files: false, pushedFrom: repos });
  }
  return result;
}

export const NO_LOSS: Unsaved = { branches: [], refs: [], stash: 0, lost: 0, uncommitted: false, files: false, pushedFrom: [] };

export function isUnsaved(u: Unsaved): boolean {
  return u.branches.length > 0 || u.refs.length > 0 || u.stash > 0 || u.lost > 0 || u.uncommitted || u.files;
}
