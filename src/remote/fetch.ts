// Fetching from the VM in this process, as sendPack pushes (push.ts): git's
// own `fetch` or `ls-remote`, whose upload-pack is the VM script, over the
// shared ssh connection. git yolo-fetch, yolo-diff and yolovm save use it; no
// second Node.js starts for the yolovm:: helper (a start is most of a warm fetch).
import { setTimeout as sleep } from 'node:timers/promises';
import { EXIT, YolovmError } from '../core/errors.js';
import { debug, isQuiet, isVerbose } from '../core/log.js';
import { gitNotInstalled } from '../core/proc.js';
import { DEFAULT_VM } from '../config/config.js';
import { refusal, retryRefused, withSession } from '../ssh/connection.js';
import { runRelayed } from '../ssh/relay.js';
import { hostInUrl, sshCommandString, sshFailure } from '../ssh/ssh.js';
import type { Session } from '../vm/session.js';
import { vmCommand, vmFailure } from '../vm/vm.js';

const GIT_LOST =
  /^(fatal: Could not read from remote repository\.|Please make sure you have the correct access rights|and the repository exists\.|)$/;

/** What git said and did; ssh's and the VM script's failures are thrown instead. */
export interface FetchRun {
  code: number;
  stdout: string;
  /** git's stderr lines (bounded, as the relay keeps them), for our messages. */
  stderr: string;
  /** With `withSnapshot`: the snapshot answer's marker lines (snapshot.ts reads them). */
  snapshot: { text: string; lines: number; overflow: boolean };
}

/** The URL a user gives git for the same place: yolovm::<subpath>, or yolovm::<name>:<subpath> for a named VM. */
export function vmUrl(s: Session, subpath: string): string {
  return s.cfg.vm.value === DEFAULT_VM ? `yolovm::${subpath}` : `yolovm::${s.cfg.vm.value}:${subpath}`;
}

/** git's own verbosity/progress flags matching ours. */
export function gitOutputFlags(): string[] {
  if (isQuiet()) return ['--quiet'];
  const flags = isVerbose() ? ['--verbose'] : [];
  // stderr reaches the terminal through a pipe, so git must be told.
  if (process.stderr.isTTY) flags.push('--progress');
  return flags;
}

/**
 * Run `git [gitArgs] <verb> --upload-pack=<vm.sh upload-pack> ssh://…/yolovm [args]`
 * against the VM repository at `subpath`. The URL names only the destination
 * (vm.sh finds the repository by its own arguments and ignores the path git
 * appends). git's stderr is relayed, escaped, except lines matching `hide`.
 */
export async function gitFromVm(s: Session, subpath: string, call: FetchCall & { verb: 'fetch' | 'ls-remote' }): Promise<FetchRun> {
  const place = s.place(subpath);
  const v2 = s.cfg.protocolVersion === '2';
  const uploadPack = vmCommand({ mode: 'upload-pack', v2, withSnapshot: call.withSnapshot }, place, true);
  const url = `ssh://${s.target.user}@${hostInUrl(s.target)}/yolovm`;
  const args = [
    ...(call.gitArgs ?? []),
    // What the VM script speaks, whatever the user's git asks by default.
    '-c',
    `protocol.version=${v2 ? '2' : '0'}`,
    call.verb,
    `--upload-pack=${uploadPack}`,
    url,
    ...call.args,
  ];
  const env = { ...process.env, GIT_SSH_COMMAND: sshCommandString(s.target), GIT_SSH_VARIANT: 'ssh' };
  debug(`git ${call.verb} from ${place.display} over the shared connection`);
  const r = await retryRefused(
    () =>
      withSession(s.target.socket, () =>
        runRelayed('git', args, {
          env,
          hide: call.hide,
          // git's lines after the VM script or ssh gave up: our message says which (shown when git succeeds).
          hold: GIT_LOST,
          sshFailed: (code, _out, relay) => code !== 0 && relay.vmExit === undefined && relay.sshSpoke,
          notFound: gitNotInstalled,
        }),
      ),
    // A session sshd refused (MaxSessions) ran nothing: tried again (connection.ts).
    (x) => (x.code !== 0 ? refusal(x.held) : undefined),
    s.target.host,
  );
  if (r.code !== 0) {
    const vm = r.relay.vmExit === undefined ? undefined : vmFailure(r.relay.vmExit, place);
    if (vm) throw vm;
    // ssh's own lines were held back: the connection, not git, failed.
    if (r.held !== '' && !r.relay.all.some((l) => /^fatal: couldn't find remote ref /.test(l))) throw sshFailure(r.held, s.target);
  }
  return { code: r.code, stdout: r.stdout, stderr: r.relay.all.join('\n'), snapshot: r.relay.snapshot };
}

export interface FetchCall {
  gitArgs?: readonly string[];
  args: readonly string[];
  hide?: RegExp;
  /** Have the VM make a snapshot of the work tree in the same session (vm.sh upload-pack --with-snapshot). */
  withSnapshot?: 'HEAD' | `refs/heads/${string}`;
}

/**
 * A fetch into refs/yolovm/, tried again when another yolovm command in the
 * same repository moved one of those refs while it ran (`cannot lock ref ... is
 * at X but expected Y`): both wrote what the VM has, so the next try finds it
 * there. A few tries at most.
 */
export async function fetchFromVm(s: Session, subpath: string, call: FetchCall): Promise<FetchRun> {
  // Those lines are ours to judge (and in r.stderr when the last try fails too).
  const race = "cannot lock ref 'refs/yolovm/|\\(unable to update local ref\\)";
  const hide = new RegExp(call.hide ? `${call.hide.source}|${race}` : race);
  for (let attempt = 1; ; attempt++) {
    const r = await gitFromVm(s, subpath, { ...call, verb: 'fetch', hide });
    if (r.code === 0 || attempt >= 5 || !/cannot lock ref 'refs\/yolovm\//.test(r.stderr)) return r;
    debug(`another command moved a ref under refs/yolovm/ meanwhile: fetching again (try ${String(attempt + 1)})`);
    await sleep(20 * attempt + Math.random() * 50);
  }
}

export function gitFailed(what: string, r: FetchRun, hint: string): YolovmError {
  const fatal = r.stderr.split('\n').find((l) => l.startsWith('fatal: ') || l.startsWith('error: '));
  return new YolovmError(`${what}${fatal ? `: ${fatal.replace(/^(fatal|error): /, '')}` : ''}`, hint, EXIT.git);
}
