// A push in one ssh session (vm.sh push), as git's smart HTTP makes one: the
// VM's refs and receive-pack's advertisement come first; when git has something
// to send, git send-pack --stateless-rpc (as git's own https helper runs it)
// sends its request through the same session. A list and then send-pack's own
// ssh were two sessions, each with its round trips.
//
//   VM → host:  LIST-LINES "\n" ADVERTISEMENT (pkt-lines to a flush)  RESPONSE
//   host → VM:  "\n" (nothing to send)  |  OPTIONS "\n" REQUEST
//
// send-pack --stateless-rpc reads the advertisement on stdin, then writes its
// request wrapped in pkt-lines and a flush (taken off here: receive-pack gets
// the bytes), reads the response (passed on as it comes), and with
// --helper-status ends with a flush and its status lines.
import type { ChildProcess } from 'node:child_process';
import type { Writable } from 'node:stream';
import { CommandNotFound, endUnread, finished, start, startGit, gitNotInstalled } from '../core/proc.js';
import { debug } from '../core/log.js';
import { refusal, retryRefused, withSession } from '../ssh/connection.js';
import { MAX_ANSWER, StderrRelay } from '../ssh/relay.js';
import { type SshTarget, sshArgs, sshFailure, sshNotFound } from '../ssh/ssh.js';
import { answerTooLarge, badAnswer } from '../vm/answers.js';
import { vmCommand, vmFailure, type VmPlace } from '../vm/vm.js';
import { advertisedFormat, advertisedRefs, flushEnd, payloads, PktReader } from './pkt.js';
import * as proto from './protocol.js';

/** send-pack's status lines are git's, local; still read within a bound. */
const MAX_STATUS = 4 * 1024 * 1024;

/** What a stateless send-pack and the VM's receive said (push.ts reads it as it reads a stateful send-pack's). */
export interface SessionPushRun {
  code: number;
  /** send-pack's --helper-status lines. */
  stdout: string;
  /** send-pack's stderr, relayed. */
  git: StderrRelay;
  /** The VM's side: its stderr (markers, ssh's lines), and ssh's exit status. */
  vm: StderrRelay;
  vmCode: number;
  held: string;
}

/** Bytes as they come, in one buffer that doubles as it fills (a flood costs no copy per chunk). */
class Growing {
  private buf = Buffer.alloc(0);
  length = 0;
  push(d: Buffer): void {
    if (this.length + d.length > this.buf.length) {
      const bigger = Buffer.alloc(Math.max(64 * 1024, 2 * (this.length + d.length)));
      this.buf.copy(bigger, 0, 0, this.length);
      this.buf = bigger;
    }
    d.copy(this.buf, this.length);
    this.length += d.length;
  }
  bytes(): Buffer {
    return this.buf.subarray(0, this.length);
  }
}

type Opened = { open: PushSession } | { ended: { code: number; stdout: string; relay: StderrRelay; held: string; spoke: boolean } };

export class PushSession {
  private sink: Writable | undefined;
  /** Response bytes before send-pack is there to take them (an honest VM sends none). */
  private early: Buffer[] = [];
  private earlyBytes = 0;
  private closed = false;
  /** send-pack has ended: what more the VM sends is dropped. */
  private drop = false;

  private constructor(
    private readonly ssh: ChildProcess,
    private readonly relay: StderrRelay,
    private readonly exited: Promise<number>,
    /** The list part of the answer (vm.sh list's first lines). */
    readonly listText: string,
    /** receive-pack's advertisement, as send-pack reads it. */
    readonly advertisement: Buffer,
  ) {
    ssh.stdin?.on('error', () => {
      /* the VM ended first: ssh's exit says how */
    });
  }

  /** The refs receive-pack advertised, as list lines, and the hash algorithm it named. */
  refs(): { refs: string[]; objectFormat: 'sha1' | 'sha256' } {
    const pkts = payloads(this.advertisement);
    const objectFormat = advertisedFormat(pkts);
    return { refs: advertisedRefs(pkts, proto.hashLength(objectFormat)), objectFormat };
  }

  /**
   * Open `vm.sh push` at `place` and read its answer up to the advertisement.
   * Where there is no repository, the VM sends list's answer and ends: `ended`.
   */
  static async open(t: SshTarget, place: VmPlace, withHead: boolean): Promise<{ session?: PushSession; listText: string }> {
    const command = vmCommand({ mode: 'push', withHead }, place, false);
    const r = await retryRefused(
      () => PushSession.openOnce(t, command),
      (x) => ('ended' in x && x.ended.code === 255 && !x.ended.spoke ? refusal(x.ended.held) : undefined),
      t.host,
    );
    if ('open' in r) return { session: r.open, listText: r.open.listText };
    const { code, stdout, relay } = r.ended;
    if (code === 255) throw sshFailure(r.ended.held, t);
    const known = vmFailure(relay.vmExit ?? code, place);
    if (known) throw known;
    return { listText: stdout };
  }

  private static openOnce(t: SshTarget, command: string): Promise<Opened> {
    return new Promise<Opened>((resolve, reject) => {
      // The session slot is held for the session's life, not only its opening.
      withSession(t.socket, async () => {
        const ssh = start(t.command[0] ?? 'ssh', sshArgs(t, command), { stdio: ['pipe', 'pipe', 'pipe'] });
        const relay = new StderrRelay();
        ssh.stderr?.setEncoding('utf8').on('data', (d: string) => {
          relay.push(d);
        });
        const exited = finished(ssh, 'ssh');
        const got = new Growing();
        let session: PushSession | undefined;
        let listEnd = -1;
        let scan = 0;
        const refuse = (err: Error) => {
          endUnread(ssh);
          reject(err);
        };
        ssh.stdout?.on('data', (d: Buffer) => {
          if (session) {
            session.response(d);
            return;
          }
          if (got.length + d.length > MAX_ANSWER) {
            refuse(answerTooLarge('push', MAX_ANSWER));
            return;
          }
          got.push(d);
          const buf = got.bytes();
          if (listEnd < 0) {
            const at = buf.indexOf('\n\n', scan);
            if (at < 0) {
              scan = Math.max(0, buf.length - 1);
              return;
            }
            listEnd = at + 2;
            scan = listEnd;
          }
          const end = flushEnd(buf, scan);
          if (end === 'bad') refuse(badAnswer('push', "receive-pack's advertisement is not pkt-lines"));
          else if (typeof end !== 'number') scan = end.from;
          else {
            session = new PushSession(
              ssh,
              relay,
              exited,
              buf.subarray(0, listEnd).toString('utf8'),
              Buffer.from(buf.subarray(listEnd, end)),
            );
            if (end < buf.length) session.response(Buffer.from(buf.subarray(end)));
            resolve({ open: session });
          }
        });
        let code: number;
        try {
          code = await exited;
        } catch (err) {
          throw err instanceof CommandNotFound ? sshNotFound(err.command) : err;
        }
        if (!session) {
          const held = relay.finish(code === 255, code !== 0);
          resolve({ ended: { code, stdout: got.bytes().toString('utf8'), relay, held, spoke: got.length > 0 } });
        }
        return code;
      }).catch(reject);
    });
  }

  /** The VM's response, for send-pack. */
  private response(d: Buffer): void {
    if (this.drop) return;
    if (this.sink) {
      if (!this.sink.write(d)) {
        this.ssh.stdout?.pause();
        this.sink.once('drain', () => this.ssh.stdout?.resume());
      }
      return;
    }
    this.early.push(d);
    this.earlyBytes += d.length;
    if (this.earlyBytes > MAX_ANSWER) endUnread(this.ssh);
  }

  /** Nothing to send after all: the VM ends at the empty line. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.ssh.stdin?.end('\n');
    const code = await this.exited.catch(() => 255);
    this.relay.finish(code === 255, code !== 0);
  }

  /**
   * Run git with `args` (send-pack --stateless-rpc --helper-status, from
   * protocol.sendPackArgs) over this session; `options` are the receive-pack
   * options the VM gets first, or `dry-run`: the VM receives nothing.
   */
  async push(args: readonly string[], env: NodeJS.ProcessEnv, options: readonly string[] | 'dry-run'): Promise<SessionPushRun> {
    if (this.closed) throw new Error('push session already closed');
    this.closed = true;
    // One line, split at spaces by vm.sh: ref names have none (git refuses them).
    const bad = options === 'dry-run' ? undefined : options.length === 0 ? '(none)' : options.find((o) => /\s/.test(o));
    if (bad !== undefined) throw new Error(`a receive-pack option with white space: ${bad}`);
    const vmIn = this.ssh.stdin;
    const git = startGit(args, { stdio: ['pipe', 'pipe', 'pipe'], env });
    const gitRelay = new StderrRelay();
    git.stderr?.setEncoding('utf8').on('data', (d: string) => {
      gitRelay.push(d);
    });
    const gitDone = finished(git, 'git');
    let vmGone = false;
    void this.exited.finally(() => {
      vmGone = true;
      git.stdout?.resume();
    });
    git.stdin?.on('error', () => {
      /* send-pack ended first: its exit says how */
    });
    git.stdin?.write(this.advertisement);
    for (const d of this.early.splice(0)) git.stdin?.write(d);
    this.sink = git.stdin ?? undefined;
    this.ssh.stdout?.on('end', () => git.stdin?.end());
    if (this.ssh.stdout?.readableEnded) git.stdin?.end();

    let status = '';
    let sent = false;
    let stage: 'request' | 'final' = 'request';
    const send = (bytes: Buffer) => {
      if (vmGone) return;
      if (!sent) {
        vmIn?.write(`${options === 'dry-run' ? '' : options.join(' ')}\n`);
        sent = true;
      }
      if (vmIn && !vmIn.write(bytes)) {
        git.stdout?.pause();
        vmIn.once('drain', () => git.stdout?.resume());
      }
    };
    const reader = new PktReader({
      data: (bytes) => {
        if (stage === 'request') send(bytes);
      },
      flush: () => {
        if (stage === 'final') return 'raw';
        if (sent) vmIn?.end();
        // No request: the VM ends at the empty line (a dry run), or receive-pack
        // gets no commands (a flush) and the VM still checks out what was asked.
        else if (options === 'dry-run') vmIn?.end('\n');
        else vmIn?.end(`${options.join(' ')}\n0000`);
        if (!sent) return 'raw';
        stage = 'final';
        return 'pkt';
      },
      raw: (bytes) => {
        if (status.length < MAX_STATUS) status += bytes.toString('utf8');
      },
      bad: () => {
        debug('send-pack wrote something that is not pkt-lines');
        if (!vmIn?.writableEnded) vmIn?.end();
      },
    });
    git.stdout?.on('data', (d: Buffer) => {
      reader.push(d);
    });
    git.stdout?.on('end', () => {
      // send-pack gave up mid-request (it says why): nothing more goes to the VM.
      if (!vmIn?.writableEnded) vmIn?.end();
    });
    let code: number;
    try {
      code = await gitDone;
    } catch (err) {
      throw err instanceof CommandNotFound ? gitNotInstalled() : err;
    } finally {
      this.drop = true;
      this.ssh.stdout?.resume();
      if (!vmIn?.writableEnded) vmIn?.end();
    }
    const vmCode = await this.exited.catch(() => 255);
    const held = this.relay.finish(vmCode === 255 && proto.parseStatuses(status).length === 0, vmCode !== 0);
    gitRelay.finish(false, code !== 0);
    return { code, stdout: status, git: gitRelay, vm: this.relay, vmCode, held };
  }
}
