// Running a child whose stderr carries ssh's messages (and the VM script's):
// ssh itself, or git send-pack with ssh underneath. One place relays that
// stderr, holding back ssh's own error lines, and one place says what a
// failure was: an SSH failure, a VM exit status, or the program's own.
import { closeSync, openSync, readSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { refusal, retryRefused, withSession } from './connection.js';
import { debug } from '../core/log.js';
import { CommandNotFound, endUnread, finished, start } from '../core/proc.js';
import { SSH_ERROR_LINE, type SshTarget, sshArgs, sshFailure, sshNotFound } from './ssh.js';
import { safeRelayed } from '../core/text.js';
import { Lines, MAX_LINE } from '../core/lines.js';

// What the relay keeps of a child's stderr, whatever the VM floods it with: the
// first lines (where ssh's, git's and rsync's complaints are), cut to a length.
const MAX_KEPT = 1000;
const SNAPSHOT_MARKER = 'yolovm:snapshot:';

function keep(lines: string[], line: string): void {
  if (lines.length < MAX_KEPT) lines.push(line.length > MAX_LINE ? line.slice(0, MAX_LINE) : line);
}

/**
 * Relays a child's stderr to ours as it comes, control characters escaped
 * (text.ts), except ssh's own error lines, which are held back: they are
 * replaced by one clear message when ssh fails, and shown when it did not.
 */
export class StderrRelay {
  private held: string[] = [];
  /** The program's own error lines (rsync's), held like ssh's when `hold` says so. */
  readonly own: string[] = [];
  readonly all: string[] = [];

  /** `hold`: the program's own lines to hold back too (shown only if it succeeds); `hide`: never shown (we say it better). */
  constructor(
    private readonly hold?: RegExp,
    private readonly hide?: RegExp,
  ) {}
  /** The VM script's exit status, when it said one (see die() in vm.sh). */
  vmExit: number | undefined;
  /** A first push into a directory that held files: how many are now untracked there (vm.sh receive-pack). */
  untracked: number | undefined;
  /** What a yolo-dir push kept on the VM (vm.sh dir-push), unchecked: its reader validates it. */
  kept: string | undefined;
  /** The VM work tree after a push, when the script reported it (its reader parses it: protocol.parseHead). */
  vmHeadLine: string | undefined;
  /** A snapshot answer beside a fetch (vm.sh upload-pack --with-snapshot): its base64 lines joined, unchecked, within a bound. */
  readonly snapshot = { text: '', lines: 0, overflow: false };

  private readonly lines = new Lines({
    line: (line) => {
      this.line(line);
    },
    // Progress meters redraw with \r and no newline: show them at once.
    progress: (text) => process.stderr.write(safeRelayed(text)),
  });

  push(chunk: string): void {
    this.lines.push(chunk);
  }

  private line(line: string): void {
    if (line.startsWith(SNAPSHOT_MARKER)) {
      this.snapshotLine(line.slice(SNAPSHOT_MARKER.length));
      return;
    }
    keep(this.all, line);
    const marker = /^yolovm:(exit|head|kept|untracked):(.*)$/.exec(line);
    if (marker?.[1] === 'exit') this.vmExit = Number(marker[2]);
    else if (marker?.[1] === 'kept') this.kept = marker[2];
    else if (marker?.[1] === 'untracked') this.untracked = /^\d{1,9}$/.test(marker[2] ?? '') ? Number(marker[2]) : undefined;
    else if (marker?.[1] === 'head') this.vmHeadLine = marker[2] ?? '';
    // ssh may end lines with \r\n; a progress meter redraws with bare \r.
    else if (SSH_ERROR_LINE.test(line.replace(/\r$/, '').replace(/^.*\r/, ''))) keep(this.held, line.replace(/\r$/, ''));
    else if (this.hold?.test(line)) keep(this.own, line.replace(/\r$/, ''));
    else if (this.hide?.test(line)) return;
    else process.stderr.write(`${safeRelayed(line)}\n`);
  }

  private snapshotLine(text: string): void {
    const s = this.snapshot;
    s.lines++;
    // What came, marker and newline counted: twice an answer's bound holds an
    // honest answer's base64 (4 characters for every 3 bytes, in lines of 76).
    this.snapshotBytes += SNAPSHOT_MARKER.length + text.length + 1;
    if (this.snapshotBytes > 2 * MAX_ANSWER) s.overflow = true;
    s.text = s.overflow ? '' : s.text + text;
  }
  private snapshotBytes = 0;

  /** ssh's own lines were held back. */
  get sshSpoke(): boolean {
    return this.held.length > 0;
  }

  /** At the end: ssh failed (the held lines explain it) or not (show them); the program's own, unless it failed. */
  finish(sshFailed: boolean, failed = sshFailed): string {
    this.lines.end();
    const held = this.held.join('\n');
    if (!sshFailed && held !== '') process.stderr.write(`${safeRelayed(held)}\n`);
    else if (sshFailed) debug(`ssh said: ${held}`);
    if (!failed && this.own.length > 0) process.stderr.write(`${safeRelayed(this.own.join('\n'))}\n`);
    return held;
  }
}

export interface Relayed {
  code: number;
  /** Everything on stdout, unless it was handed to `onStdout`. */
  stdout: string;
  relay: StderrRelay;
  /** ssh's own error lines, held back (shown when ssh did not fail). */
  held: string;
}

export interface RelayOptions {
  /** The child's stdin: nothing, or one of our fds (git's, for connect). */
  stdin?: 'ignore' | number;
  env?: NodeJS.ProcessEnv;
  /** Take stdout chunk by chunk (a byte stream for git) instead of collecting it. */
  onStdout?: (chunk: Buffer) => void;
  /** Whether the run failed because of ssh (its held lines then explain it, and are not shown). */
  sshFailed: (code: number, stdout: string, relay: StderrRelay) => boolean;
  /** The program's own lines to hold back with ssh's, and those never shown (see StderrRelay). */
  hold?: RegExp;
  hide?: RegExp;
  /** The error for a program that is not installed. */
  notFound: (program: string) => Error;
  /** A structured answer: collected up to this many bytes, else the child is ended and `tooLarge` thrown. */
  maxStdout?: number;
  tooLarge?: () => Error;
}

/**
 * The most any structured answer from the VM may be (list, survey, snapshot,
 * status, ls). The largest honest ones are ref lists and lists of changed files,
 * at about 60 bytes a line: 32 MiB is over half a million of them, and keeps a
 * command well under 150 MB resident however much a hostile VM sends.
 */
export const MAX_ANSWER = 32 * 1024 * 1024;

/** Start a program, relay its stderr as it comes, and wait for it. */
export async function runRelayed(program: string, args: readonly string[], o: RelayOptions): Promise<Relayed> {
  const child = start(program, args, { stdio: [o.stdin ?? 'ignore', 'pipe', 'pipe'], env: o.env });
  const relay = new StderrRelay(o.hold, o.hide);
  const chunks: Buffer[] = [];
  let size = 0;
  const over = { limit: false }; // set from the data callback
  if (o.onStdout) child.stdout?.on('data', o.onStdout);
  else
    child.stdout?.on('data', (d: Buffer) => {
      if (over.limit) return;
      size += d.length;
      if (o.maxStdout !== undefined && size > o.maxStdout) {
        // Read no more of it: end the child (ssh), drop what came.
        over.limit = true;
        chunks.length = 0;
        endUnread(child);
        return;
      }
      chunks.push(d);
    });
  child.stderr?.setEncoding('utf8').on('data', (d: string) => {
    relay.push(d);
  });
  let code: number;
  try {
    code = await finished(child, program);
  } catch (err) {
    throw err instanceof CommandNotFound ? o.notFound(program) : err;
  }
  if (over.limit) {
    relay.finish(true);
    throw o.tooLarge?.() ?? new Error(`${program}: output over ${String(o.maxStdout)} bytes`);
  }
  const stdout = Buffer.concat(chunks).toString('utf8');
  chunks.length = 0;
  const held = relay.finish(o.sshFailed(code, stdout, relay), code !== 0);
  return { code, stdout, relay, held };
}

/** The ssh command asks for debug output (-v): OpenSSH then keeps a ControlPersist master's stderr as it started. */
export function sshDebugs(t: Pick<SshTarget, 'command'>): boolean {
  return t.command.some((w) => /^-v+$/.test(w));
}

/**
 * Open the shared connection on its own, for an ssh command with -v: OpenSSH
 * sends a ControlPersist master's stderr to /dev/null only without -v, so a
 * master started by a session would keep that session's pipe (or whatever
 * took our stderr) open for as long as it lasts, and nothing would end. Here
 * its messages go to a log file of ours (-E), shown once it is open, escaped
 * and within a bound; the master's later ones go on into that file, unlinked.
 */
export async function openSharedLogged(t: SshTarget): Promise<void> {
  await withSession(t.socket, async () => {
    const log = join(tmpdir(), `yolovm-ssh-${String(process.pid)}-${String(Date.now())}.log`);
    debug(`opening the shared connection on its own (-v), its messages through ${log}`);
    const child = start(t.command[0] ?? 'ssh', [...t.command.slice(1), '-E', log, '-f', '-N', '--', t.destination], { stdio: 'ignore' });
    let code: number;
    let said = '';
    try {
      code = await finished(child, 'ssh');
    } catch (err) {
      throw err instanceof CommandNotFound ? sshNotFound(err.command) : err;
    } finally {
      said = showLog(log);
    }
    // (ssh's lines are above; ours says what they mean)
    if (code !== 0) throw sshFailure(said, t);
  });
}

/** ssh's log of opening the connection, on our stderr (the first MAX_LOG bytes, escaped), then gone; what it said. */
function showLog(log: string): string {
  try {
    const fd = openSync(log, 'r');
    try {
      const buf = Buffer.alloc(MAX_LOG);
      const n = readSync(fd, buf, 0, MAX_LOG, 0);
      const text = buf.subarray(0, n).toString('utf8');
      for (const line of text.split('\n')) if (line !== '') process.stderr.write(`${safeRelayed(line.replace(/\r$/, ''))}\n`);
      return text;
    } finally {
      closeSync(fd);
      unlinkSync(log);
    }
  } catch {
    return ''; // ssh wrote none (it failed before logging, or -E was the user's own)
  }
}

const MAX_LOG = 1024 * 1024;

/**
 * Run a remote command over ssh. ssh's own failures (exit 255: our VM script
 * never exits 255) become one clear YolovmError; anything else is the caller's.
 */
export async function runSsh(
  t: SshTarget,
  remoteCommand: string,
  o: Pick<RelayOptions, 'stdin' | 'onStdout' | 'maxStdout' | 'tooLarge'> = {},
): Promise<Relayed> {
  const streamed = { any: false }; // set from the data callback
  const onStdout = o.onStdout;
  const attempt = () =>
    withSession(t.socket, () =>
      runRelayed(t.command[0] ?? 'ssh', sshArgs(t, remoteCommand), {
        ...o,
        onStdout: onStdout
          ? (chunk) => {
              streamed.any = true;
              onStdout(chunk);
            }
          : undefined,
        sshFailed: (code) => code === 255,
        notFound: sshNotFound,
      }),
    );
  // A refused handshake or session ran nothing on the VM (and read nothing of stdin): tried again.
  const r = await retryRefused(attempt, (x) => (x.code === 255 && !streamed.any ? refusal(x.held) : undefined), t.host);
  if (r.code === 255) throw sshFailure(r.held, t);
  return r;
}
