// What a yolo-dir pull replaced or deleted, and how to undo it. Each pull that
// changes a local tree leaves a directory under ~/.local/state/yolovm/backups/:
// files/ (rsync's backup of every local file replaced or deleted), changes.txt
// (rsync's itemized list) and pull.json (the record undo works from: what was
// created, replaced and deleted, and what the pull wrote, to notice later edits).
import { cpSync, existsSync, readdirSync, readFileSync, rmdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { YolovmError } from '../core/errors.js';
import { stateDir } from '../config/state.js';

export interface PullRecord {
  dir: string;
  where: string;
  time: string;
  created: string[];
  createdDirs: string[];
  replaced: string[];
  deleted: string[];
  /** Size and mtime of every file the pull wrote, as it left them. */
  written: Record<string, [number, number]>;
  undone?: string;
}

export const backupsDir = (): string => join(stateDir(), 'backups');

/** rsync writes unprintable bytes in names as \#ooo (octal). */
export function unescapeName(name: string): string {
  if (!name.includes('\\#')) return name; // (nearly every name)
  const bytes: number[] = [];
  const raw = Buffer.from(name, 'utf8');
  for (let i = 0; i < raw.length; i++) {
    if (raw[i] === 0x5c && raw[i + 1] === 0x23 && /^[0-7]{3}$/.test(raw.subarray(i + 2, i + 5).toString())) {
      bytes.push(parseInt(raw.subarray(i + 2, i + 5).toString(), 8));
      i += 4;
    } else bytes.push(raw[i] ?? 0);
  }
  return Buffer.from(bytes).toString('utf8');
}

/** rsync's itemized lines, sorted into what a pull created, replaced and deleted (pure). */
export function classify(changes: readonly string[]): Pick<PullRecord, 'created' | 'createdDirs' | 'replaced' | 'deleted'> {
  const out = { created: [] as string[], createdDirs: [] as string[], replaced: [] as string[], deleted: [] as string[] };
  for (const line of changes) {
    const m = /^(\*deleting|\S{11}) +(.*)$/.exec(line);
    if (!m?.[1] || m[2] === undefined) continue;
    const path = unescapeName(m[2]);
    if (m[1] === '*deleting') out.deleted.push(path);
    else if (/^cd\+{9}$/.test(m[1])) out.createdDirs.push(path.replace(/\/$/, ''));
    else if (/^[>c]f\+{9}$/.test(m[1])) out.created.push(path);
    else if (/^[>c]f/.test(m[1])) out.replaced.push(path);
  }
  return out;
}

/** After a pull: write pull.json beside rsync's backup. */
export function recordPull(backup: string, dir: string, where: string, changes: readonly string[]): PullRecord {
  const c = classify(changes);
  const written: PullRecord['written'] = {};
  for (const p of [...c.created, ...c.replaced]) {
    try {
      const st = statSync(join(dir, p));
      written[p] = [st.size, st.mtimeMs];
    } catch {
      /* gone already */
    }
  }
  const rec: PullRecord = { dir, where, time: new Date().toISOString(), ...c, written };
  writeFileSync(join(backup, 'pull.json'), `${JSON.stringify(rec, null, 2)}\n`);
  return rec;
}

export interface Backup {
  name: string;
  path: string;
  record: PullRecord;
}

/** Backups with a record, newest first. */
export function listBackups(): Backup[] {
  if (!existsSync(backupsDir())) return [];
  const out: Backup[] = [];
  for (const name of readdirSync(backupsDir())) {
    const path = join(backupsDir(), name);
    try {
      out.push({ name, path, record: JSON.parse(readFileSync(join(path, 'pull.json'), 'utf8')) as PullRecord });
    } catch {
      /* not a backup of ours, or from before records */
    }
  }
  return out.sort((a, b) => (a.record.time < b.record.time ? 1 : -1));
}

/** Remove backups older than `days`; returns how many went. */
export function prune(days: number): number {
  const cutoff = Date.now() - days * 24 * 3600 * 1000;
  let n = 0;
  for (const b of listBackups()) {
    if (Date.parse(b.record.time) < cutoff) {
      rmSync(b.path, { recursive: true, force: true });
      n++;
    }
  }
  return n;
}

/** Put the directory back as it was before the pull: remove what it created, restore what it replaced or deleted. */
export function undo(b: Backup, force: boolean, dryRun = false): PullRecord {
  const rec = b.record;
  if (rec.undone) throw new YolovmError(`Backup ${b.name} was already undone (${rec.undone})`, 'List the others with `yolo-dir backups`.');
  const edited = Object.entries(rec.written).filter(([p, [size, mtime]]) => {
    try {
      const st = statSync(join(rec.dir, p));
      return st.size !== size || st.mtimeMs !== mtime;
    } catch {
      return true;
    }
  });
  if (edited.length > 0 && !force) {
    throw new YolovmError(
      `${rec.dir} changed since that pull: ${edited
        .slice(0, 5)
        .map(([p]) => p)
        .join(', ')}${edited.length > 5 ? ', ...' : ''}`,
      'Undoing would lose those changes; undo anyway with --force.',
    );
  }
  if (dryRun) return rec;
  for (const p of rec.created) rmSync(join(rec.dir, p), { force: true });
  for (const d of [...rec.createdDirs].sort((x, y) => y.length - x.length)) {
    try {
      rmdirSync(join(rec.dir, d));
    } catch {
      /* not empty: something else lives there now */
    }
  }
  const files = join(b.path, 'files');
  if (existsSync(files)) cpSync(files, rec.dir, { recursive: true, preserveTimestamps: true, force: true });
  rec.undone = new Date().toISOString();
  writeFileSync(join(b.path, 'pull.json'), `${JSON.stringify(rec, null, 2)}\n`);
  return rec;
}
