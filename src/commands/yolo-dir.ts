// yolo-dir push|pull|ls: directory sync with the VM workspace over rsync, for
// projects that are not git repositories. Pull mirrors the VM exactly but never
// loses a local file: excluded directories (.git/, node_modules/ ...) are never
// touched, and every file it overwrites or deletes is moved to a backup
// directory outside the synced tree, with a list of all changes.
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { EXIT, shown, YolovmError } from '../errors.js';
import { info, isQuiet, isVerbose, plural } from '../log.js';
import * as rsync from '../rsync.js';
import { openSession, type Session } from '../session.js';
import { stateDir } from '../state.js';
import { SSH_ERROR_LINE, sshFailure } from '../ssh.js';
import { runOnVm } from '../vm.js';
import { parseSubpath, rsyncBase } from '../workspace.js';

export interface DirOptions {
  exclude?: string[];
  defaultExcludes?: boolean; // false with --no-default-excludes
  delete?: boolean;
  dryRun?: boolean;
  compressLevel?: string;
  watch?: boolean;
}

function excludesOf(opts: DirOptions): string[] {
  return [...(opts.defaultExcludes === false ? [] : rsync.DEFAULT_EXCLUDES), ...(opts.exclude ?? [])];
}

function compressLevel(opts: DirOptions): number | undefined {
  if (opts.compressLevel === undefined) return undefined;
  const n = Number(opts.compressLevel);
  if (!Number.isInteger(n) || n < 0 || n > 9)
    throw new YolovmError(
      `Invalid compression level ${JSON.stringify(opts.compressLevel)}`,
      'Give a whole number from 0 (none) to 9 (most).',
    );
  return n;
}

function checkLocalDir(dir: string, typed: string): void {
  if (!existsSync(dir))
    throw new YolovmError(`Directory ${shown(typed)} not found`, 'Check the path; `yolo-dir push` sends an existing directory.');
  if (!statSync(dir).isDirectory())
    throw new YolovmError(`${shown(typed)} is not a directory`, 'Give the directory whose contents to send.');
}

function vmPath(s: Session, subpath: string): string {
  const base = rsyncBase(s.place('').base);
  return subpath === '' ? base : `${base}/${subpath}`;
}

/** rsync failed: an SSH failure (exit 2) or a transfer error (exit 1), said in one line. */
function rsyncFailure(r: rsync.SyncResult, s: Session): YolovmError {
  if (r.code === 255 || r.stderr.split('\n').some((l) => SSH_ERROR_LINE.test(l.replace(/\r$/, '')))) return sshFailure(r.stderr, s.target);
  const line = r.stderr.split('\n').find((l) => /rsync: |rsync error|No space left/.test(l)) ?? r.stderr.trim().split('\n')[0] ?? '';
  const full = /No space left on device/.test(r.stderr);
  return new YolovmError(
    `rsync failed (exit ${r.code}): ${line.replace(/^rsync: /, '').trim()}`,
    full
      ? 'A disk is full: free space there and run again (nothing already synced is lost).'
      : 'Run again with -v to see the rsync command; running again resumes safely.',
  );
}

function describe(r: rsync.SyncResult, dryRun: boolean): string {
  const files = r.changes.filter((c) => /^[<>]f/.test(c)).length;
  const deleted = r.changes.filter((c) => c.startsWith('*deleting')).length;
  const parts = [plural(files, 'file') + (dryRun ? ' would be sent' : ' sent')];
  if (deleted) parts.push(`${plural(deleted, 'file')} ${dryRun ? 'would be ' : ''}deleted`);
  const bytes = rsync.statNumber(r.stats, 'Total transferred file size');
  if (!dryRun)
    parts.push(
      `${bytes.toLocaleString('en')} bytes of data, ${rsync.statNumber(r.stats, 'Total bytes sent').toLocaleString('en')} sent and ${rsync.statNumber(r.stats, 'Total bytes received').toLocaleString('en')} received over the wire`,
    );
  return parts.join(', ');
}

function showChanges(r: rsync.SyncResult, dryRun: boolean): void {
  if (dryRun || isVerbose()) for (const c of r.changes) info(`  ${c}`);
}

const showProgress = (): boolean => !isQuiet() && (process.stderr.isTTY || isVerbose());

async function pushOnce(s: Session, dir: string, subpath: string, opts: DirOptions): Promise<rsync.SyncResult> {
  const dryRun = opts.dryRun ?? false;
  // The VM side first: rsync there, and the target is (made) a directory. A dry run creates nothing.
  await runOnVm(s.target, dryRun ? 'dir-pull' : 'dir-push', s.place(subpath), true).catch((err: unknown) => {
    if (dryRun && err instanceof YolovmError && /not on VM/.test(err.message)) return undefined; // would be created
    throw err;
  });
  const args = rsync.rsyncArgs(s.target, {
    direction: 'push',
    local: dir,
    remote: vmPath(s, subpath),
    excludes: excludesOf(opts),
    delete: opts.delete ?? false,
    dryRun,
    progress: showProgress(),
    compressLevel: compressLevel(opts),
  });
  const r = await rsync.runRsync(args, showProgress());
  if (r.code !== 0) throw rsyncFailure(r, s);
  return r;
}

export async function dirPush(localDir: string, subpathArg: string | undefined, opts: DirOptions): Promise<number> {
  const dir = resolve(localDir);
  checkLocalDir(dir, localDir);
  const subpath = parseSubpath(subpathArg ?? '');
  compressLevel(opts);
  const s = openSession(true);
  const r = await pushOnce(s, dir, subpath, opts);
  showChanges(r, opts.dryRun ?? false);
  info(`${opts.dryRun ? 'Dry run: ' : 'Pushed '}${localDir} to ${s.where(subpath)}: ${describe(r, opts.dryRun ?? false)}`);
  if (opts.watch && !opts.dryRun) await watch(s, dir, subpath, opts);
  return EXIT.ok;
}

/** Keep pushing as files change (debounced), until interrupted. */
async function watch(s: Session, dir: string, subpath: string, opts: DirOptions): Promise<never> {
  const { watch: chokidarWatch } = await import('chokidar');
  const skip = new Set(
    excludesOf(opts)
      .filter((e) => /^[^*?[\]/]+\/?$/.test(e))
      .map((e) => e.replace(/\/$/, '')),
  );
  const watcher = chokidarWatch(dir, {
    ignoreInitial: true,
    ignored: (path: string) =>
      path
        .slice(dir.length)
        .split('/')
        .some((seg) => skip.has(seg)),
  });
  await new Promise<void>((res) =>
    watcher.once('ready', () => {
      res();
    }),
  );
  let timer: NodeJS.Timeout | undefined;
  let running = false;
  let again = false;
  const push = async (): Promise<void> => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      const r = await pushOnce(s, dir, subpath, opts);
      const stamp = new Date().toTimeString().slice(0, 8);
      if (r.changes.length) info(`[${stamp}] ${describe(r, false)}`);
    } catch (err) {
      // Keep watching: the VM may come back. Say what went wrong.
      if (err instanceof YolovmError) process.stderr.write(`error: ${err.message}\nhint: ${err.hint}\n`);
      else throw err;
    } finally {
      running = false;
      if (again) {
        again = false;
        schedule();
      }
    }
  };
  const schedule = () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      void push();
    }, 300);
  };
  watcher.on('all', schedule);
  info(`Watching ${dir} for changes (Ctrl-C to stop)`);
  // Catch up with anything changed between the first push and the watcher being ready.
  schedule();
  return new Promise<never>(() => undefined); // until a signal ends us
}

/** Where a pull keeps what it replaced: outside the synced tree, one directory per pull. */
function backupRoot(dir: string): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return join(stateDir(), 'backups', `${stamp}-${basename(dir) || 'root'}`);
}

export async function dirPull(localDir: string, subpathArg: string | undefined, opts: DirOptions): Promise<number> {
  const dir = resolve(localDir);
  if (existsSync(dir) && !statSync(dir).isDirectory())
    throw new YolovmError(`${shown(localDir)} is not a directory`, 'Give a directory to pull into (it is created if missing).');
  const subpath = parseSubpath(subpathArg ?? '');
  compressLevel(opts);
  const dryRun = opts.dryRun ?? false;
  const s = openSession(true);
  await runOnVm(s.target, 'dir-pull', s.place(subpath), true); // must exist; creates nothing
  const existed = existsSync(dir) && readdirSync(dir).length > 0;
  if (!dryRun) mkdirSync(dir, { recursive: true });
  const backup = backupRoot(dir);
  const args = rsync.rsyncArgs(s.target, {
    direction: 'pull',
    local: dir,
    remote: vmPath(s, subpath),
    excludes: excludesOf(opts),
    // The local .git/ is never the VM's to delete, even with --no-default-excludes.
    protect: ['.git/'],
    delete: true,
    dryRun,
    progress: showProgress(),
    compressLevel: compressLevel(opts),
    backupDir: dryRun ? undefined : join(backup, 'files'),
  });
  const r = await rsync.runRsync(args, showProgress());
  if (r.code !== 0) throw rsyncFailure(r, s);
  showChanges(r, dryRun);
  info(
    `${dryRun ? 'Dry run: ' : 'Pulled '}${s.where(subpath)} into ${localDir}: ${describe(r, dryRun).replace(/ sent(?=[, ]|$)/, ' received')}`,
  );
  if (!dryRun && existed && r.changes.length > 0) {
    mkdirSync(backup, { recursive: true });
    writeFileSync(
      join(backup, 'changes.txt'),
      `# yolo-dir pull of ${s.where(subpath)} into ${dir}, itemized by rsync\n${r.changes.join('\n')}\n`,
    );
    if (existsSync(join(backup, 'files')))
      info(`Local files it replaced or deleted are kept in ${join(backup, 'files')} (every change: ${join(backup, 'changes.txt')})`);
    else info(`No local file was replaced or deleted (every change: ${join(backup, 'changes.txt')})`);
  } else if (!dryRun && existsSync(backup)) {
    rmSync(backup, { recursive: true, force: true });
  }
  return EXIT.ok;
}

export async function dirLs(subpathArg: string | undefined): Promise<number> {
  const subpath = parseSubpath(subpathArg ?? '');
  const s = openSession(true);
  const { stdout } = await runOnVm(s.target, 'ls', s.place(subpath), true);
  const rows = stdout.split('\0').filter((r) => r !== '');
  const out: string[] = [`${s.where(subpath)}:`];
  if (rows.length === 0) out.push('  (empty)');
  const entries = rows.map((row) => {
    const [kind = '', branch = '', state = '', ...rest] = row.split('\t');
    return { kind, branch, state, name: rest.join('\t') };
  });
  const width = Math.max(0, ...entries.map((e) => e.name.length + 1));
  for (const e of entries) {
    const name = e.kind === 'file' || e.name === '.' ? e.name : `${e.name}/`;
    out.push(
      e.kind === 'repo'
        ? `  ${name.padEnd(width + 2)}git: ${e.branch} (${e.state === 'dirty' ? 'uncommitted changes' : 'clean'})`
        : `  ${name}`,
    );
  }
  process.stdout.write(`${out.join('\n')}\n`);
  return EXIT.ok;
}
