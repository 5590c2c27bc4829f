// git-remote-yolovm: git starts it for yolovm::<subpath> and yolovm://<subpath>.
// Fetch, clone and ls-remote: `connect` streams git's own protocol over one ssh
// session running upload-pack on the VM. Push: `list for-push` and `push`,
// answered by push.ts. stdout is git's: only protocol lines are written to it.
import { readSync, writeFileSync, writeSync } from 'node:fs';
import { configuredVms, DEFAULT_VM, loadConfig, readGitConfig } from '../config/config.js';
import { fleetVmNames } from '../config/vms.js';
import { EXIT, YolovmError } from '../core/errors.js';
import { isVerbose, setVerbose } from '../core/log.js';
import { safeLine } from '../core/text.js';
import { VERSION } from '../core/version.js';
import { listVm, sendPack } from '../remote/push.js';
import * as proto from '../remote/protocol.js';
import type { PushSession } from '../remote/push-session.js';
import { type Session } from '../vm/session.js';
import { openSession } from './session.js';
import { runSsh } from '../ssh/relay.js';
import { vmCommand, vmFailure } from '../vm/vm.js';
import { parseSubpath } from '../config/subpath.js';

/** One protocol line from fd 0, read a byte at a time so nothing meant for a child is consumed. */
function readLine(): string | null {
  const bytes: number[] = [];
  const one = Buffer.alloc(1);
  for (;;) {
    let n: number;
    try {
      n = readSync(0, one, 0, 1, null);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EAGAIN') continue;
      if ((err as NodeJS.ErrnoException).code === 'EOF') return null;
      throw err;
    }
    if (n === 0) return bytes.length ? Buffer.from(bytes).toString('utf8') : null;
    if (one[0] === 10) return Buffer.from(bytes).toString('utf8');
    bytes.push(one[0] ?? 0);
  }
}

/** Write all of it to git, synchronously (an async stdout write could be lost at exit). */
function send(data: string | Buffer): void {
  if (typeof data === 'string') for (const line of data.replace(/\n$/, '').split('\n')) trace('->', line);
  let buf = typeof data === 'string' ? Buffer.from(data) : data;
  while (buf.length > 0) {
    try {
      buf = buf.subarray(writeSync(1, buf));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
    }
  }
}

/**
 * Every protocol line, as git's GIT_TRANSPORT_HELPER_DEBUG shows its side:
 * with YOLOVM_HELPER_DEBUG=1 (or -v), on stderr, escaped. The streams after
 * `connect` are git's own protocol and are not shown.
 */
function trace(direction: '<-' | '->', line: string): void {
  if (process.env.YOLOVM_HELPER_DEBUG === '1' || isVerbose()) process.stderr.write(`yolovm helper: ${direction} ${safeLine(line)}\n`);
}

/** `yolovm::x` arrives as `x`; `yolovm://x` arrives whole. */
export function addressFromUrl(url: string): string {
  return url.replace(/^yolovm(:\/\/|::)/, '');
}

/**
 * `<name>:<subpath>` names a VM when <name> is a configured one (or `default`);
 * any other text is a subpath, as it always was.
 */
export function splitAddress(address: string, configured: readonly string[]): { vm?: string; subpath: string } {
  const colon = address.indexOf(':');
  if (colon < 0) return { subpath: address };
  const name = address.slice(0, colon);
  if (name === DEFAULT_VM || configured.includes(name)) return { vm: name, subpath: address.slice(colon + 1) };
  return { subpath: address };
}

class Helper {
  private session: Session | undefined;
  private repoState: proto.RepoState | undefined;
  private vmRefs: string[] = [];
  private pushSession: PushSession | undefined;
  private readonly opts = proto.defaultOptions();
  private readonly inRepository = process.env.GIT_DIR !== undefined;
  /** The VM location, known once the session is (a name in the URL counts only when configured). */
  private subpath = '';

  constructor(private readonly address: string) {}

  private get quiet(): boolean {
    return this.opts.verbosity <= 0;
  }

  /**
   * Settings, VM and location, read when a transfer really happens: `capabilities`
   * and `git remote -v` need neither git config nor the VM.
   */
  private async sess(): Promise<Session> {
    if (!this.session) {
      const gitConfig = readGitConfig(this.inRepository);
      // A URL's name counts when configured, or when the terraform state's fleet has it (read only then).
      const configured = configuredVms(gitConfig);
      const name = this.address.split(':')[0] ?? '';
      const fleet =
        this.address.includes(':') && !configured.includes(name) ? fleetVmNames(loadConfig(this.inRepository, undefined, gitConfig)) : [];
      const { vm, subpath } = splitAddress(this.address, [...configured, ...fleet]);
      this.subpath = parseSubpath(subpath);
      const request = vm === undefined ? undefined : { name: vm, source: `the URL yolovm::${this.address}` };
      this.session = await openSession(this.inRepository, loadConfig(this.inRepository, request, gitConfig));
    }
    return this.session;
  }

  option(name: string, value: string): string {
    const answer = proto.applyOption(this.opts, name, value);
    if (name === 'verbosity') setVerbose(this.opts.verbosity > 1 || process.env.YOLOVM_VERBOSE === '1');
    return answer;
  }

  async list(forPush: boolean): Promise<string> {
    const s = await this.sess();
    // An earlier list's session ends first: one session slot at a time.
    await this.end();
    // For a push, the session stays open for send-pack (push-session.ts).
    const listed = await listVm(s, { subpath: this.subpath, session: forPush });
    this.pushSession = listed.push;
    this.repoState = listed.state;
    this.vmRefs = listed.refs;
    const refs = forPush ? proto.refsForPush(listed.refs) : listed.refs;
    // A repository yet to be made gets this one's hash algorithm.
    return proto.formatListFor(refs, this.opts.objectFormat ? (listed.objectFormat ?? s.cfg.objectFormat) : undefined);
  }

  /** Fetch, clone, ls-remote: hand git a byte stream to upload-pack on the VM. */
  async connect(service: string): Promise<number> {
    const s = await this.sess();
    const place = s.place(this.subpath);
    const mode = service === 'git-upload-archive' ? 'upload-archive' : 'upload-pack';
    const v2 = mode === 'upload-pack' && s.cfg.protocolVersion === '2';
    // stdin is git's fd 0 itself; stdout passes through us so that a failure
    // before the first byte is reported by us rather than as "hung up".
    const stream = { connected: false }; // set from the data callback
    const { code, relay } = await runSsh(s.target, vmCommand(mode === 'upload-pack' ? { mode, v2 } : { mode }, place, true), {
      stdin: 0,
      onStdout: (chunk) => {
        if (!stream.connected) {
          stream.connected = true;
          send('\n');
        }
        send(chunk);
      },
    });
    if (!stream.connected) {
      throw (
        vmFailure(relay.vmExit ?? code, place) ??
        new YolovmError(`git ${mode} on the VM failed (exit ${code})`, 'Run with GIT_TRACE=1 and -v to see more.', EXIT.git)
      );
    }
    return code === 0 ? 0 : EXIT.git;
  }

  /** One batch of `push` lines: run send-pack, answer one status line per ref. */
  async push(specLines: readonly string[]): Promise<string> {
    if (this.repoState === undefined) await this.list(true);
    const session = this.pushSession;
    this.pushSession = undefined;
    const r = await sendPack(await this.sess(), {
      session,
      subpath: this.subpath,
      specs: specLines,
      repoState: this.repoState ?? 'none',
      options: this.opts,
      quietVm: this.quiet,
      checkout: 'auto',
      reportHead: false,
      vmRefs: this.vmRefs,
      warnSubmodules: true,
    });
    return r.statuses.map((l) => `${l}\n`).join('') + '\n';
  }

  /** git is done: a push session it did not use ends. */
  async end(): Promise<void> {
    await this.pushSession?.close();
    this.pushSession = undefined;
  }
}

const USAGE = `git-remote-yolovm: the git remote helper for yolovm:: URLs (yolovm ${VERSION})

git runs it; you use it through git:
  git push yolovm::myapp feature-auth     # creates the VM repository on first push
  git fetch yolovm::myapp feature-auth
  git clone yolovm::myapp
  git ls-remote yolovm::myapp
  git remote add vm yolovm::myapp
  git push -o no-checkout yolovm::myapp b # push without moving the VM's checkout

See: git help remote-yolovm, README.md
`;

export async function remoteHelper(argv: readonly string[]): Promise<number> {
  if (argv.length === 1 && ['-h', '--help', '-V', '--version'].includes(argv[0] ?? '')) {
    process.stdout.write(argv[0]?.toLowerCase().includes('v') ? `git-remote-yolovm (yolovm) ${VERSION}\n` : USAGE);
    return 0;
  }
  const url = argv[1] ?? argv[0];
  if (url === undefined) {
    throw new YolovmError(
      'git-remote-yolovm is a git remote helper: git runs it for yolovm:: URLs',
      'Use it through git, e.g. `git push yolovm::myapp main` or `git clone yolovm::myapp`.',
    );
  }
  const helper = new Helper(addressFromUrl(url));
  const batch: string[] = [];
  for (;;) {
    const line = readLine();
    if (line === null) {
      await helper.end();
      return 0;
    }
    trace('<-', line);
    const cmd = proto.parseCommand(line);
    switch (cmd.kind) {
      case 'capabilities':
        send(proto.CAPABILITIES);
        break;
      case 'option':
        send(`${helper.option(cmd.name, cmd.value)}\n`);
        break;
      case 'list':
        send(await helper.list(cmd.forPush));
        break;
      case 'connect':
        if (cmd.service === 'git-receive-pack') {
          send('fallback\n'); // push goes through list + push, which see --dry-run
          break;
        }
        return helper.connect(cmd.service);
      case 'push':
        batch.push(cmd.spec);
        break;
      case 'end':
        if (batch.length === 0) {
          await helper.end();
          return 0;
        }
        send(await helper.push(batch.splice(0)));
        break;
      case 'unknown':
        throw new YolovmError(`git sent an unknown command: ${cmd.line}`, 'Is this git too old or too new for yolovm? Please report it.');
    }
  }
}

/** Our exit status for the command that ran git with us, when it asked (protocol.ts, REPORT_ENV). */
export function writeReport(code: number): void {
  const file = process.env[proto.REPORT_ENV];
  if (file) writeFileSync(file, proto.formatReport(code));
}
