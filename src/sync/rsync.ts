// rsync behind one module: the argument list (pure, tested alone) and a runner
// that shows one progress line on a terminal and collects what changed.
import { isAbsolute, posix } from 'node:path';
import { refusal, retryRefused, withSession } from '../ssh/connection.js';
import { YolovmError } from '../core/errors.js';
import { runRelayed, type StderrRelay } from '../ssh/relay.js';
import { hostInUrl, sshFailure, type SshTarget } from '../ssh/ssh.js';
import { safeLine } from '../core/text.js';
import { vmFailure, type VmPlace } from '../vm/vm.js';

/** Excluded on both sides by default: never sent, and never deleted locally by a pull. */
export const DEFAULT_EXCLUDES = ['.git/', 'node_modules/', '__pycache__/', '.venv/'];

/**
 * What a pull never brings, whoever runs it (root included): device nodes,
 * FIFOs and sockets (rsync names each one it skips), set-user-id, set-group-id
 * and sticky bits, and any `.git`, file or directory: a repository's config
 * from the VM (core.fsmonitor, core.pager, hooks) would run code the moment a
 * shell prompt calls `git status` there. Repositories come home through git.
 */
export const PULL_BRINGS_DATA_ONLY = ['--no-devices', '--no-specials', '--chmod=ugo-s,-t', '--exclude=.git'];

/**
 * Quote one word for rsync's own splitting of `-e` (not a shell: it knows
 * single and double quotes, but no backslashes).
 */
export function rsyncQuote(word: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  if (!word.includes("'")) return `'${word}'`;
  if (!word.includes('"')) return `"${word}"`;
  throw new YolovmError(
    `Cannot pass ${JSON.stringify(word)} to rsync's ssh command`,
    'Avoid having both kinds of quote in YOLOVM_SSH options and paths.',
  );
}

/**
 * A path as an rsync filter pattern that matches that name and nothing else.
 * rsync globs `*`, `?` and `[`; a backslash escapes them, but only in a pattern
 * that holds one of them (elsewhere it is a plain character): so a name with
 * none of them goes as it is, and one with any has all four escaped.
 */
export function literalPattern(path: string): string {
  return /[*?[]/.test(path) ? path.replace(/[*?[\\]/g, (c) => `\\${c}`) : path;
}

/** A local path as rsync must see it: `./a:b`, not the remote host `a`. */
export function localArg(path: string): string {
  const p = isAbsolute(path) || path.startsWith('./') || path.startsWith('../') ? path : `./${path}`;
  return p.endsWith('/') ? p : `${p}/`;
}

/** `user@host:path/` on the VM (the path is sent by rsync's protocol, not a shell: -s). */
export function remoteArg(t: Pick<SshTarget, 'user' | 'host'>, path: string): string {
  const host = hostInUrl(t);
  return `${t.user}@${host}:${path.endsWith('/') ? path : `${path}/`}`;
}

export interface SyncOptions {
  direction: 'push' | 'pull';
  local: string;
  remote: string; // the VM path as rsync sees it (relative to the VM user's home, or absolute)
  excludes: readonly string[];
  /** Never deleted on the receiving side, whatever else happens. */
  protect?: readonly string[];
  /** rsync filter rules after the excludes (`- pattern`, `+ pattern`): secrets held back. */
  filters?: readonly string[];
  /** A file of NUL-separated patterns to exclude (what git ignores, anchored). */
  excludeFrom?: string;
  /** Compare content, not size and time: a file whose content is unchanged is not replaced. */
  checksum?: boolean;
  delete: boolean;
  dryRun: boolean;
  progress: boolean;
  compressLevel?: number;
  backupDir?: string;
  /**
   * A push's --delete guard: a merge file of `R` rules for what the last push
   * sent, then `P /**`: the VM deletes only those (see pushed.ts); the spared
   * ones are named by the VM's rsync (-M--debug=FILTER1) and collected.
   */
  deleteOnly?: string;
  /** The command that starts rsync on the VM (the VM script, which checks the place and then runs rsync). */
  rsyncPath?: string;
}

export function rsyncArgs(t: SshTarget, o: SyncOptions): string[] {
  const args = [
    '-a', // recursive, keep times, permissions and links
    '-s', // file names travel inside rsync's protocol: no remote shell sees them
    '-z',
    // Files get the receiving user's ownership, never the other side's (a pull run as root included).
    '--no-owner',
    '--no-group',
    ...(o.direction === 'pull' ? PULL_BRINGS_DATA_ONLY : []),
    ...(o.checksum ? ['--checksum'] : []),
    // Compare mtimes to the nanosecond: by default a same-size edit within the
    // same second as the last sync is skipped (and --watch syncs that often).
    '--modify-window=-1',
    ...(o.compressLevel === undefined ? [] : [`--compress-level=${o.compressLevel}`]),
    '-e',
    t.command.map(rsyncQuote).join(' '),
    ...(o.rsyncPath ? [`--rsync-path=${o.rsyncPath}`] : []),
    // A pull names link targets (linksOutside); a push lists bare names (the next push's guard).
    o.direction === 'pull' ? '--out-format=%i %n%L' : '--out-format=%i %n',
    '--stats',
    ...(o.progress ? ['--info=progress2'] : []),
    ...(o.delete ? ['--delete'] : []),
    ...(o.backupDir ? ['--backup', `--backup-dir=${o.backupDir}`] : []),
    ...(o.dryRun ? ['--dry-run'] : []),
    ...(o.protect ?? []).map((p) => `--filter=protect ${p}`),
    ...o.excludes.map((e) => `--exclude=${e}`),
    ...(o.excludeFrom ? ['--from0', `--exclude-from=${o.excludeFrom}`] : []),
    ...(o.filters ?? []).map((f) => `--filter=${f}`),
    // Last: excluded names keep their own rules (an excluded name is never deleted).
    ...(o.deleteOnly ? [`--filter=merge ${o.deleteOnly}`, '-M--debug=FILTER1'] : []),
    '--',
  ];
  const remote = remoteArg(t, o.remote);
  const local = localArg(o.local);
  return o.direction === 'push' ? [...args, local, remote] : [...args, remote, local];
}

export interface SyncResult {
  code: number;
  /** Itemized changes (`>f+++++++++ path`, `*deleting path`). */
  changes: string[];
  /** Files the receiver left out as not regular (devices, FIFOs, sockets), as rsync names them. */
  skipped: string[];
  /** Every name itemized: what this sync sent, made or changed (a push: what the VM now has of ours, with the earlier pushes' record). */
  listed: string[];
  /** What a push's --delete guard kept on the VM (see `deleteOnly`): `name`, or `name/` for a directory. */
  spared: string[];
  stats: Map<string, string>;
  /** Its stderr as relayed: ssh's lines and rsync's own held back, the VM script's exit status. */
  relay: StderrRelay;
  /** ssh's own lines, when ssh spoke. */
  held: string;
}

// Transfers, creations and deletions; a line starting with `.` (attributes alone,
// such as a different mtime on unchanged content) is no change to report.
const ITEM = /^(\*deleting|[<>ch][fdLDS][.+?cstpoguax ]{9}) /;
const LISTED = /^[.<>ch]([fdLDS])[.+?cstpoguax ]{9} (.*)$/;
// The VM's rsync, for the guard's match-all rule (the pattern is ours: see deleteOnly).
const SPARED = /^\[generator\] protecting (file|directory) (.*) because of pattern \/\*\*$/;

// rsync's own complaints: one of them becomes our message when rsync fails.
const RSYNC_SAYS = /^(rsync: |rsync error|.*No space left on device)/;

/**
 * Run rsync with ssh under it (ssh-child.ts): progress (\r-redrawn) goes to
 * stderr when asked, the itemized list and stats are collected.
 */
export async function runRsync(args: readonly string[], showProgress: boolean, t: Pick<SshTarget, 'host' | 'socket'>): Promise<SyncResult> {
  // One session over the shared connection (connection.ts); one sshd refused moved nothing, and is tried again.
  return retryRefused(
    () => withSession(t.socket, () => rsyncOnce(args, showProgress)),
    (r) => (r.code !== 0 && r.changes.length === 0 ? refusal(r.held) : undefined),
    t.host,
  );
}

async function rsyncOnce(args: readonly string[], showProgress: boolean): Promise<SyncResult> {
  const changes: string[] = [];
  const skipped: string[] = [];
  const listed: string[] = [];
  const spared: string[] = [];
  const stats = new Map<string, string>();
  let partial = '';
  const progress = { drawn: false }; // set from the data callback
  const onLine = (line: string) => {
    if (ITEM.test(line)) changes.push(line);
    const item = LISTED.exec(line);
    if (item?.[2] !== undefined && item[2] !== './') listed.push(item[2]);
    const kept = SPARED.exec(line);
    if (kept?.[2] !== undefined) spared.push(kept[1] === 'directory' ? `${kept[2]}/` : kept[2]);
    const special = /^skipping non-regular file "(.*)"$/.exec(line);
    if (special?.[1] !== undefined) skipped.push(special[1]);
    const stat = /^([A-Z][A-Za-z ]+): (.*)$/.exec(line);
    if (stat?.[1] && stat[2] !== undefined) stats.set(stat[1], stat[2]);
  };
  const decoder = new TextDecoder();
  const r = await runRelayed('rsync', args, {
    hold: RSYNC_SAYS,
    // rsync reports a dead ssh as its own protocol error: ssh's lines tell.
    sshFailed: (code, _out, relay) => code === 255 || (code !== 0 && relay.vmExit === undefined && relay.sshSpoke),
    notFound: () => new YolovmError('rsync is not installed', 'Install it: `sudo apt-get install rsync` (./install does this).'),
    onStdout: (chunk) => {
      partial += decoder.decode(chunk, { stream: true });
      for (;;) {
        const i = partial.search(/[\r\n]/);
        if (i < 0) break;
        const piece = partial.slice(0, i);
        const sep = partial.charAt(i);
        partial = partial.slice(i + 1);
        if (sep === '\r' || /^\s+[\d,]+\s+\d+%/.test(piece)) {
          if (showProgress && piece.trim() !== '') {
            process.stderr.write(`\r${safeLine(piece)}`);
            progress.drawn = true;
          }
        } else {
          onLine(piece);
        }
      }
    },
  });
  if (partial !== '') onLine(partial);
  if (progress.drawn) process.stderr.write('\n');
  return { code: r.code, changes, skipped, listed, spared, stats, relay: r.relay, held: r.held };
}

/** What a failed rsync means: the VM script's refusal, an SSH failure (exit 2), or rsync's own error. */
export function rsyncFailure(r: SyncResult, t: SshTarget, place: VmPlace): YolovmError {
  const vm = r.relay.vmExit === undefined ? undefined : vmFailure(r.relay.vmExit, place);
  if (vm) return vm;
  if (r.code === 255 || r.relay.sshSpoke) return sshFailure(r.held, t);
  const own = r.relay.own;
  const line = own.find((l) => /rsync: |No space left/.test(l)) ?? own[0] ?? '';
  const full = own.some((l) => /No space left on device/.test(l));
  return new YolovmError(
    `rsync failed (exit ${r.code})${line ? `: ${line.replace(/^rsync: /, '').trim()}` : ''}`,
    full
      ? 'A disk is full: free space there and run again (nothing already synced is lost).'
      : 'Run again with -v to see the rsync command; running again resumes safely.',
  );
}

/** rsync's "Total transferred file size: 1,234 bytes" as a number. */
export function statNumber(stats: Map<string, string>, key: string): number {
  const m = /^([\d,.]+)/.exec(stats.get(key) ?? '');
  return m?.[1] ? Number(m[1].replace(/,/g, '')) : 0;
}

/**
 * The links a pull created or changed whose target leaves the pulled tree
 * (absolute, or climbing above its root), as `name -> target`. A name or target
 * may itself hold " -> ": every way of splitting the line is tried, and one
 * that leaves the tree is enough.
 */
export function linksOutside(changes: readonly string[]): string[] {
  const out: string[] = [];
  for (const c of changes) {
    const m = /^[c>]L\S{9} (.*)$/.exec(c);
    if (!m?.[1]) continue;
    const text = m[1];
    for (let at = text.indexOf(' -> '); at >= 0; at = text.indexOf(' -> ', at + 1)) {
      const [name, target] = [text.slice(0, at), text.slice(at + 4)];
      const resolved = posix.normalize(posix.join(posix.dirname(name), target));
      if (target.startsWith('/') || resolved === '..' || resolved.startsWith('../')) {
        out.push(text);
        break;
      }
    }
  }
  return out;
}
