// yolo-dir push|pull|ls: directory sync with the VM workspace over rsync, for
// projects that are not git repositories. Pull mirrors the VM exactly but never
// loses a local file: excluded directories (.git/, node_modules/ ...) are never
// touched, and every file it overwrites or deletes is moved to a backup
// directory outside the synced tree, with a list of all changes.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync, type Dirent } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { Answer } from '../vm/answers.js';
import { EXIT, printError, shown, YolovmError } from '../core/errors.js';
import { info, isQuiet, isVerbose, notice, output, plural, thousands } from '../core/log.js';
import * as rsync from '../sync/rsync.js';
import { vmPath } from '../sync/mirror.js';
import { type Session } from '../vm/session.js';
import { openSession } from './session.js';
import { backupsDir, listBackups, prune, recordPull, undo } from '../sync/backups.js';
import { deleteOnlyRules, lastPush, recordPush } from '../sync/pushed.js';
import { runOnVm, vmCommand, VM_EXIT } from '../vm/vm.js';
import { isSecretLike, onlySecretsFilters, runsOnHost, secretFilters } from '../core/boundary.js';
import { runGit } from '../core/proc.js';
import { columns, safeLine, stamp } from '../core/text.js';
import { parseSubpath } from '../config/subpath.js';

export interface DirOptions {
  exclude?: string[];
  defaultExcludes?: boolean; // false with --no-default-excludes
  delete?: boolean;
  dryRun?: boolean;
  compressLevel?: string;
  watch?: boolean;
  includeSecrets?: boolean;
  gitignore?: boolean; // false with --no-gitignore
  force?: boolean;
  keepDays?: string;
}

function keepDays(opts: DirOptions): number {
  const n = Number(opts.keepDays ?? '30');
  if (!Number.isInteger(n) || n < 0)
    throw new YolovmError(`Invalid --keep-days ${JSON.stringify(opts.keepDays)}`, 'Give a whole number of days, such as 30.');
  return n;
}

/** yolo-dir backups: the pulls that can be undone, newest first. */
export function dirBackups(opts: DirOptions): number {
  const pruned = opts.keepDays === undefined ? 0 : prune(keepDays(opts));
  const all = listBackups();
  const rows = all.map((b) => {
    const r = b.record;
    const counts = `${String(r.created.length)} created, ${String(r.replaced.length)} replaced, ${String(r.deleted.length)} deleted`;
    return `  ${b.name}  ${r.time.slice(0, 19).replace('T', ' ')}  ${r.dir}  (${counts})${r.undone ? '  [undone]' : ''}`;
  });
  output(`${rows.length === 0 ? 'No pull backups.' : `Pull backups in ${backupsDir()} (newest first):\n${rows.join('\n')}`}\n`);
  if (pruned > 0) info(`Pruned ${plural(pruned, 'backup')} older than ${String(keepDays(opts))} days`);
  return EXIT.ok;
}

/** yolo-dir undo [backup]: the directory as it was before that pull (default: the newest not yet undone). */
export function dirUndo(name: string | undefined, opts: DirOptions): number {
  const all = listBackups();
  const b = name === undefined ? all.find((x) => !x.record.undone) : all.find((x) => x.name === name);
  if (!b) {
    throw new YolovmError(
      name === undefined ? 'No pull to undo' : `Backup ${shown(name)} not found`,
      'List pull backups with `yolo-dir backups`.',
    );
  }
  const dryRun = opts.dryRun ?? false;
  const rec = undo(b, opts.force ?? false, dryRun);
  if (dryRun)
    output([...rec.created.map((p) => `  remove   ${p}\n`), ...[...rec.replaced, ...rec.deleted].map((p) => `  put back ${p}\n`)].join(''));
  info(
    `${dryRun ? 'Dry run: would undo' : 'Undid'} the pull of ${rec.where} into ${rec.dir}: ${dryRun ? 'remove' : 'removed'} ${plural(rec.created.length, 'created file')}, put back ${plural(rec.replaced.length + rec.deleted.length, 'file')}`,
  );
  return EXIT.ok;
}

/** Whether `dir` may be in a git work tree (a .git above it, or GIT_DIR set): else git need not be asked. */
function maybeInGit(dir: string): boolean {
  if (process.env.GIT_DIR) return true;
  for (let d = dir; ; d = dirname(d)) {
    if (existsSync(join(d, '.git'))) return true;
    if (dirname(d) === d) return false;
  }
}

/** What git ignores under `dir`, when it is inside a work tree: a file of anchored patterns for rsync (or undefined). */
function ignoredByGit(dir: string, opts: DirOptions, scratch: string): string | undefined {
  if (opts.gitignore === false || !maybeInGit(dir)) return undefined;
  // One git process: the list, exactly as git decides it (negations and nested .gitignore included).
  const r = runGit(['ls-files', '--others', '--ignored', '--exclude-standard', '--directory', '-z'], { cwd: dir });
  if (r.code !== 0) return undefined; // not a git work tree
  const patterns = r.stdout.split('\0').filter((p) => p !== '');
  if (patterns.length === 0) return undefined;
  const file = join(scratch, 'gitignored');
  // Anchored, and matched as names: `app/[slug]/` is that directory, not `app/s/`.
  writeFileSync(file, patterns.map((p) => `/${rsync.literalPattern(p)}\0`).join(''));
  return file;
}

/**
 * The local tree as a sync sees it, depth first: `visit` sees every entry (its
 * path relative to `dir`) and returns false to keep out of a directory; excluded
 * directories (and `also`) are not entered; unreadable ones are skipped (rsync names them).
 */
async function walkLocal(dir: string, opts: DirOptions, visit: (e: Dirent, path: string) => boolean, also: string[] = []): Promise<void> {
  const skip = new Set([...excludesOf(opts).map((e) => e.replace(/\/$/, '')), ...also]);
  // Asynchronous: a push walks while rsync runs, and rsync's listing must keep being read.
  const walk = async (abs: string, rel: string) => {
    let entries;
    try {
      entries = await readdir(abs, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const path = rel ? `${rel}/${e.name}` : e.name;
      if (visit(e, path) && e.isDirectory() && !skip.has(e.name)) await walk(join(abs, e.name), path);
    }
  };
  await walk(dir, '');
}

/** The secret-like files a push holds back (for the summary), skipping the excluded directories. */
async function secretsUnder(dir: string, opts: DirOptions, allowed: readonly string[]): Promise<string[]> {
  const found: string[] = [];
  await walkLocal(dir, opts, (e, path) => {
    if (!isSecretLike(path, allowed) || !(e.isFile() || e.isDirectory())) return true;
    found.push(e.isDirectory() ? `${path}/` : path);
    return false;
  });
  return found;
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

function describe(r: rsync.SyncResult, dryRun: boolean): string {
  const files = r.changes.filter((c) => /^[<>]f/.test(c)).length;
  const deleted = r.changes.filter((c) => c.startsWith('*deleting')).length;
  const parts = [plural(files, 'file') + (dryRun ? ' would be sent' : ' sent')];
  if (deleted) parts.push(`${plural(deleted, 'file')} ${dryRun ? 'would be ' : ''}deleted`);
  const bytes = rsync.statNumber(r.stats, 'Total transferred file size');
  if (!dryRun)
    parts.push(
      `${thousands(bytes)} bytes of data, ${thousands(rsync.statNumber(r.stats, 'Total bytes sent'))} sent and ${thousands(rsync.statNumber(r.stats, 'Total bytes received'))} received over the wire`,
    );
  return parts.join(', ');
}

function showChanges(r: rsync.SyncResult, dryRun: boolean): void {
  // A dry run's list is its output (pipeable); a real run's is shown with -v.
  if (dryRun) output(r.changes.map((c) => `  ${c}\n`).join(''));
  else if (isVerbose()) for (const c of r.changes) info(`  ${c}`);
}

const showProgress = (): boolean => !isQuiet() && (process.stderr.isTTY || isVerbose());

interface Pushed extends rsync.SyncResult {
  /** What the VM kept of its own work that this push replaced or deleted: how many, and where (under ~). */
  kept?: { count: number; path: string };
}

async function pushOnce(s: Session, dir: string, subpath: string, opts: DirOptions): Promise<Pushed> {
  const dryRun = opts.dryRun ?? false;
  const where = s.where(subpath);
  const instance = s.target.hostKeys?.instance;
  const last = lastPush(where, instance);
  const scratch = mkdtempSync(join(tmpdir(), 'yolovm-dir-'));
  try {
    // --delete removes only what the last push sent, unless --force.
    let deleteOnly: string | undefined;
    if (opts.delete && !opts.force) {
      deleteOnly = join(scratch, 'delete-only');
      writeFileSync(deleteOnly, deleteOnlyRules(last?.entries ?? []));
    }
    // The workspace itself, when it holds other projects, only with --force or when this directory went there before.
    const rootOk = opts.force === true || last?.local === dir;
    const args = rsync.rsyncArgs(s.target, {
      direction: 'push',
      local: dir,
      remote: vmPath(s, subpath),
      excludes: excludesOf(opts),
      excludeFrom: ignoredByGit(dir, opts, scratch),
      // Secrets stay home unless asked; allowed patterns go.
      filters: opts.includeSecrets ? [] : secretFilters(s.cfg.allowSecrets),
      delete: opts.delete ?? false,
      deleteOnly,
      dryRun,
      progress: showProgress(),
      compressLevel: compressLevel(opts),
      // The VM side checks first, then runs rsync in the same connection (see vm.sh dir-push).
      rsyncPath: vmCommand({ mode: 'dir-push', dryRun, rootOk, keepAll: opts.force, server: 'rsync' }, s.place(subpath), true),
    });
    const r: Pushed = await rsync.runRsync(args, showProgress(), s.target);
    if (r.code !== 0) {
      const err = rsync.rsyncFailure(r, s.target, s.place(subpath));
      if (err.vmStatus === VM_EXIT.crowded) {
        throw new YolovmError(
          `Refusing to push into ${s.place(subpath).display}: it holds other projects`,
          `Give the directory a subpath of its own, such as its name: \`yolo-dir push DIR ${shown(basename(dir) || 'proj')}\` (or push into the workspace anyway with --force).`,
        );
      }
      throw err;
    }
    const kept = /^(\d{1,9}) (\.cache\/yolovm\/pushed-over\/[\w.-]{1,64})$/.exec(r.relay.kept ?? '');
    if (kept?.[1] && kept[2]) r.kept = { count: Number(kept[1]), path: `~/${kept[2]}` };
    if (!dryRun) recordPush(where, instance, dir, last, r);
    return r;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

export async function dirPush(localDir: string, subpathArg: string | undefined, opts: DirOptions): Promise<number> {
  const dir = resolve(localDir);
  checkLocalDir(dir, localDir);
  const subpath = parseSubpath(subpathArg ?? '');
  compressLevel(opts);
  const s = await openSession(true);
  // While rsync works: what it holds back, for the summary (none shown with -q).
  const [r, held] = await Promise.all([
    pushOnce(s, dir, subpath, opts),
    opts.includeSecrets || isQuiet() ? [] : secretsUnder(dir, opts, s.cfg.allowSecrets),
  ]);
  showChanges(r, opts.dryRun ?? false);
  info(`${opts.dryRun ? 'Dry run: ' : 'Pushed '}${localDir} to ${s.where(subpath)}: ${describe(r, opts.dryRun ?? false)}`);
  tellKept(r, opts.dryRun ?? false);
  if (held.length > 0) {
    info(
      `Held back ${plural(held.length, 'secret-like file')}: ${held.slice(0, 8).join(', ')}${held.length > 8 ? ', ...' : ''} (send with --include-secrets, or allow patterns: git config yolovm.allowSecrets '<pattern> ...')`,
    );
  }
  if (opts.watch && !opts.dryRun) await watch(s, dir, subpath, opts);
  return EXIT.ok;
}

/** What a push left of the agent's work on the VM: spared by the --delete guard, or kept in a backup there. */
function tellKept(r: Pushed, dryRun: boolean): void {
  const list = (names: readonly string[]) => `${names.slice(0, 8).join(', ')}${names.length > 8 ? ', ...' : ''}`;
  if (r.spared.length > 0) {
    // Said even with -q: the user asked for these to go.
    notice(
      `${dryRun ? 'Would leave' : 'Left'} ${plural(r.spared.length, 'file')} on the VM that no earlier push sent: ${list(r.spared)} (--delete removes only what the last push sent; --force removes these too)`,
    );
  }
  if (r.kept) {
    notice(
      `The VM's copies of ${plural(r.kept.count, 'file')} changed there since the last sync were replaced or deleted: kept on the VM in ${r.kept.path} (see them: yolovm ssh -- ls -R ${r.kept.path.slice(2)})`,
    );
  }
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
      tellKept(r, false);
    } catch (err) {
      // Keep watching: the VM may come back. Say what went wrong.
      if (err instanceof YolovmError) printError(err);
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
  return join(backupsDir(), `${stamp()}-${basename(dir) || 'root'}`);
}

/** Files in a local tree, outside the excluded directories (for the mass-change guard). */
async function countFiles(dir: string, opts: DirOptions): Promise<number> {
  if (!existsSync(dir)) return 0;
  let n = 0;
  await walkLocal(
    dir,
    opts,
    (e) => {
      if (!e.isDirectory()) n++;
      return true;
    },
    ['.git'],
  );
  return n;
}

/** Itemized lines that replace or delete a local file (not new files, not attributes alone). */
function destructive(changes: readonly string[]): string[] {
  return changes.filter((c) => c.startsWith('*deleting') || (/^[>c]f/.test(c) && !/^[>c]f\+{9}/.test(c)));
}

/** Changed files that run code on this machine (see boundary.ts), from rsync's itemized lines. */
function hostRunning(changes: readonly string[], dir: string): string[] {
  const out: string[] = [];
  for (const c of changes) {
    const m = /^[>c]f(\S{9}) (.*)$/.exec(c);
    if (!m?.[2]) continue;
    const path = m[2];
    let exec = false;
    try {
      // New, or with changed permissions, and executable now.
      exec = /p|^\+/.test(m[1] ?? '') && (statSync(join(dir, path)).mode & 0o111) !== 0;
    } catch {
      /* a dry run: the file is not here yet */
    }
    const why = runsOnHost(path, exec);
    if (why) out.push(`${path} (${why})`);
  }
  return out;
}

/**
 * The mass-change guard of a pull into a sizeable tree (more than MASS_MIN_FILES
 * files): probe it with a dry run first (unless --force), then refuse when it
 * would replace or delete more than half of the files there.
 */
export function massGuard(localFiles: number, force: boolean, destructiveChanges?: number): 'none' | 'probe' | 'refuse' | 'ok' {
  if (destructiveChanges !== undefined) return destructiveChanges * 2 > localFiles ? 'refuse' : 'ok';
  return localFiles > MASS_MIN_FILES && !force ? 'probe' : 'none';
}

function massPullRefused(where: string, localDir: string, hit: number, local: number): YolovmError {
  return new YolovmError(
    `Refusing to pull ${where} into ${shown(localDir)}: it would replace or delete ${String(hit)} of its ${String(local)} files`,
    'Is this the wrong directory or subpath? Check with `yolo-dir pull -n`; pull anyway with --force (what it replaces is kept in a backup).',
  );
}

/** After a pull that changed local files: its record and itemized list beside the backup, and where to undo it from. */
function keepPullRecord(backup: string, dir: string, where: string, changes: readonly string[]): void {
  mkdirSync(backup, { recursive: true });
  writeFileSync(join(backup, 'changes.txt'), `# yolo-dir pull of ${where} into ${dir}, itemized by rsync\n${changes.join('\n')}\n`);
  recordPull(backup, dir, where, [...changes]);
  // Said even with -q: the one place to undo this pull from.
  notice(
    `${destructive(changes).length > 0 ? `Local files it replaced or deleted are kept in ${join(backup, 'files')}` : 'It replaced or deleted no local file'} (every change: ${join(backup, 'changes.txt')}); undo this pull with \`yolo-dir undo ${basename(backup)}\``,
  );
}

export async function dirPull(localDir: string, subpathArg: string | undefined, opts: DirOptions): Promise<number> {
  const dir = resolve(localDir);
  if (existsSync(dir) && !statSync(dir).isDirectory())
    throw new YolovmError(`${shown(localDir)} is not a directory`, 'Give a directory to pull into (it is created if missing).');
  const subpath = parseSubpath(subpathArg ?? '');
  compressLevel(opts);
  const dryRun = opts.dryRun ?? false;
  const s = await openSession(true);
  // Must exist; creates nothing. Names the files whose set-id or sticky bits the pull drops.
  const check = await runOnVm(s.target, s.place(subpath), { mode: 'dir-pull', dryRun });
  const setId = parseSetId(check.stdout);
  const existed = existsSync(dir) && readdirSync(dir).length > 0;
  const scratch = mkdtempSync(join(tmpdir(), 'yolovm-dir-'));
  try {
    const backup = backupRoot(dir);
    // What git ignores here: asked once, for the guard's dry run and the pull alike.
    const ignored = existsSync(dir) ? ignoredByGit(dir, opts, scratch) : undefined;
    const sync = (dry: boolean) =>
      rsync.rsyncArgs(s.target, {
        direction: 'pull',
        local: dir,
        remote: vmPath(s, subpath),
        excludes: excludesOf(opts),
        // What git ignores here and local secret-like files are never the VM's to replace or delete.
        excludeFrom: ignored,
        // (yolovm save pulls into a fresh folder: there everything comes, secrets included.)
        filters: opts.includeSecrets ? [] : secretFilters(),
        // The local .git/ is never the VM's to delete, even with --no-default-excludes.
        protect: ['.git/'],
        delete: true,
        dryRun: dry,
        // Content, not mtime: an unchanged file is neither itemized, backed up nor rewritten.
        checksum: true,
        progress: showProgress() && !dry,
        compressLevel: compressLevel(opts),
        backupDir: dry ? undefined : join(backup, 'files'),
      });
    // A pull that would replace or delete most of a sizeable tree is almost always the wrong directory.
    const local = await countFiles(dir, opts);
    let probe: rsync.SyncResult | undefined;
    if (massGuard(local, opts.force ?? false) === 'probe') {
      probe = await rsync.runRsync(sync(true), false, s.target);
      if (probe.code !== 0) throw rsync.rsyncFailure(probe, s.target, s.place(subpath));
      const hit = destructive(probe.changes).length;
      if (massGuard(local, false, hit) === 'refuse') throw massPullRefused(s.where(subpath), localDir, hit, local);
    }
    if (!dryRun) mkdirSync(dir, { recursive: true });
    // When the probe found nothing to change, a second pass would only set mtimes: skip it.
    const r = probe && (dryRun || probe.changes.length === 0) ? probe : await rsync.runRsync(sync(dryRun), showProgress(), s.target);
    if (r.code !== 0) throw rsync.rsyncFailure(r, s.target, s.place(subpath));
    showChanges(r, dryRun);
    info(
      `${dryRun ? 'Dry run: ' : 'Pulled '}${s.where(subpath)} into ${localDir}: ${describe(r, dryRun).replace(/ sent(?=[, ]|$)/, ' received')}`,
    );
    if (!opts.includeSecrets && existed) await tellSecrets(s, dir, subpath, opts);
    tellLeftOut(r, setId, dryRun);
    const review = hostRunning(r.changes, dir);
    if (review.length > 0) {
      info(`Review before running anything: ${plural(review.length, 'changed file')} would run code on this machine:`);
      for (const f of review) info(`  ${f}`);
    }
    if (!dryRun && existed && r.changes.length > 0) {
      keepPullRecord(backup, dir, s.where(subpath), r.changes);
    } else if (!dryRun && existsSync(backup)) {
      rmSync(backup, { recursive: true, force: true });
    }
    if (!dryRun) prune(keepDays(opts));
    return EXIT.ok;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/**
 * A pull never brings secret-like files (so it never overwrites the local ones):
 * say which the VM has that differ from, or are missing, here. One dry run of
 * those files alone.
 */
async function tellSecrets(s: Session, dir: string, subpath: string, opts: DirOptions): Promise<void> {
  const args = rsync.rsyncArgs(s.target, {
    direction: 'pull',
    local: dir,
    remote: vmPath(s, subpath),
    excludes: excludesOf(opts),
    filters: onlySecretsFilters(),
    delete: false,
    dryRun: true,
    checksum: true,
    progress: false,
  });
  const r = await rsync.runRsync(args, false, s.target);
  if (r.code !== 0) return; // the pull itself went through; this is advice
  const files = r.changes.filter((c) => /^[>c]f/.test(c));
  const different = files.filter((c) => !/^[>c]f\+{9}/.test(c)).map((c) => c.slice(12));
  const only = files.filter((c) => /^[>c]f\+{9}/.test(c)).map((c) => c.slice(12));
  if (different.length > 0)
    info(`Kept your ${different.join(', ')}: the VM has a different one (secret-like files never come back by a pull)`);
  if (only.length > 0) info(`Not brought: ${only.join(', ')} (secret-like, on the VM only)`);
}

/** vm.sh `dir-pull`: the set-id and sticky files (`./PATH`, NUL-terminated; the last one may be cut off). */
export function parseSetId(out: string): string[] {
  const a = new Answer('dir-pull');
  const cut = out.lastIndexOf('\0');
  return out
    .slice(0, cut + 1)
    .split('\0')
    .slice(0, -1)
    .map((p) => a.relPath(p.replace(/^\.\//, ''), 'path', { strict: false }));
}

/** What a pull left out (rsync.PULL_BRINGS_DATA_ONLY) and the links it brought that point out of the tree. */
function tellLeftOut(r: rsync.SyncResult, setId: readonly string[], dryRun: boolean): void {
  const list = (names: readonly string[]) => `${names.slice(0, 8).join(', ')}${names.length > 8 ? ', ...' : ''}`;
  const would = dryRun ? 'would leave' : 'left';
  if (r.skipped.length > 0)
    info(`Left out ${plural(r.skipped.length, 'special file')} (devices, FIFOs, sockets: a pull brings data only): ${list(r.skipped)}`);
  const changed = new Set(r.changes.map((c) => c.slice(12)));
  const dropped = setId.filter((p) => changed.has(p) || changed.has(`${p}/`));
  if (dropped.length > 0)
    info(`The pull ${would} out the set-user-id, set-group-id and sticky bits of ${plural(dropped.length, 'file')}: ${list(dropped)}`);
  const links = rsync.linksOutside(r.changes);
  if (links.length > 0) {
    info(`Review: ${plural(links.length, 'link')} pointing outside the directory:`);
    for (const l of links) info(`  ${l}`);
  }
}

/** Below this many local files a pull is not guarded (see dirPull). */
const MASS_MIN_FILES = 20;

export interface LsEntry {
  kind: 'repo' | 'dir' | 'file';
  branch: string;
  state: '' | 'clean' | 'dirty';
  name: string;
}

/** vm.sh `ls`: NUL-terminated records of kind, branch, state and name; names are only shown (escaped). */
export function parseLs(out: string): LsEntry[] {
  const a = new Answer('ls');
  const rows = out.split('\0');
  if (rows.pop() !== '') a.fail('the last record is not terminated');
  return rows.map((row) => {
    const [kind = '', branch = '', state = '', ...rest] = row.split('\t');
    const e: LsEntry = {
      kind: a.word(kind, ['repo', 'dir', 'file'] as const, 'kind'),
      branch: branch === '(detached HEAD)' ? branch : a.branchOrEmpty(branch, 'branch'),
      state: a.word(state, ['', 'clean', 'dirty'] as const, 'state'),
      name: rest.join('\t'),
    };
    if (e.name !== '.') a.entryName(e.name, 'name');
    if ((e.kind === 'repo') !== (e.state !== '')) a.fail(`state ${shown(e.state)} for a ${e.kind}`);
    return e;
  });
}

export async function dirLs(subpathArg: string | undefined): Promise<number> {
  const subpath = parseSubpath(subpathArg ?? '');
  const s = await openSession(true);
  const { stdout } = await runOnVm(s.target, s.place(subpath), { mode: 'ls' });
  const entries = parseLs(stdout);
  const out: string[] = [`${s.where(subpath)}:`];
  if (entries.length === 0) out.push('  (empty)');
  const names = entries.map((e) => safeLine(e.kind === 'file' || e.name === '.' ? e.name : `${e.name}/`));
  const col = await columns(names);
  const width = col.widest + 1;
  entries.forEach((e, i) => {
    const name = names[i] ?? '';
    out.push(
      e.kind === 'repo'
        ? `  ${col.pad(name, width + 1)}git: ${e.branch} (${e.state === 'dirty' ? 'uncommitted changes' : 'clean'})`
        : `  ${name}`,
    );
  });
  output(`${out.join('\n')}\n`);
  return EXIT.ok;
}
