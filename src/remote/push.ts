// Pushing to the VM, shared by git-remote-yolovm (for `git push yolovm::...`)
// and git yolo-push: list the VM's refs, then one `git send-pack
// --helper-status` whose receive-pack is the VM script (create the repository,
// receive, check the branch out). Both steps ride the shared ssh connection.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { isSecretLike } from '../core/boundary.js';
import { recordHandoffs } from '../git/handoff.js';
import { EXIT, YolovmError } from '../core/errors.js';
import { subpathKey } from '../config/config.js';
import { debug, info, notice, plural } from '../core/log.js';
import { modulesAt } from '../git/submodules.js';
import { rememberPush } from '../config/state.js';
import { pushFacts, type PushFacts } from '../git/plumbing.js';
import { gitNotInstalled, runGit, runGitAsync } from '../core/proc.js';
import * as proto from './protocol.js';
import { PushSession } from './push-session.js';
import { badAnswer } from '../vm/answers.js';
import type { Session } from '../vm/session.js';
import { hostInUrl, sshCommandString, sshFailure } from '../ssh/ssh.js';
import { runRelayed } from '../ssh/relay.js';
import { refusal, retryRefused, withSession } from '../ssh/connection.js';
import { runOnVm, vmArgs, vmCommand, VM_EXIT, vmFailure, type Checkout, type VmPlace } from '../vm/vm.js';

export interface VmRefs {
  state: proto.RepoState;
  head: proto.VmHead | undefined;
  /** The VM repository's hash algorithm (sha1, sha256), when there is one. */
  objectFormat: string | undefined;
  /** As git wants them: "<sha> <ref>", "@<target> HEAD" (no HEAD from a push session). */
  refs: string[];
  /** The session a push can go on in (listVm's `session`). */
  push?: PushSession;
}

/**
 * The refs of the VM repository at `subpath` (none yet is not an error; a file
 * there is). `withHead` also asks for the work tree's state (a `git status` on the VM).
 * `session`: keep the session open for the push that follows (push-session.ts;
 * only where there is a repository: `push` is then set, and must be used or closed).
 */
export async function listVm(
  s: Session,
  { subpath, withHead = false, session = false }: { subpath: string; withHead?: boolean; session?: boolean },
): Promise<VmRefs> {
  const place = s.place(subpath);
  let listed: VmRefs;
  if (session) {
    const opened = await PushSession.open(s.target, place, withHead);
    try {
      listed = proto.parseList(opened.listText);
      if (opened.session) {
        const ad = opened.session.refs();
        if (listed.objectFormat !== undefined && listed.objectFormat !== ad.objectFormat)
          throw badAnswer('push', `the list says ${listed.objectFormat} and the advertisement ${ad.objectFormat}`);
        listed = { ...listed, refs: ad.refs, objectFormat: ad.objectFormat, push: opened.session };
      }
      checkListed(s, place, listed);
    } catch (err) {
      await opened.session?.close();
      throw err;
    }
  } else {
    listed = proto.parseList((await runOnVm(s.target, place, { mode: 'list', withHead })).stdout);
    checkListed(s, place, listed);
  }
  debug(
    listed.state === 'repo' ? `repository at ${place.display} has ${listed.refs.length} refs` : `no repository at ${place.display} yet`,
  );
  return listed;
}

function checkListed(s: Session, place: VmPlace, listed: VmRefs): void {
  if (listed.state === 'notdir') throw vmFailure(VM_EXIT.notDir, place) ?? new Error('notdir');
  const ours = s.cfg.objectFormat;
  if (listed.state === 'repo' && listed.objectFormat !== undefined && listed.objectFormat !== ours) {
    // Refused before anything is sent: git could not push between the two.
    const name = (f: string) => f.toUpperCase().replace('SHA', 'SHA-');
    throw new YolovmError(
      `The VM repository at ${place.display} uses ${name(listed.objectFormat)} and this repository uses ${name(ours)}: they cannot exchange commits`,
      `Push to a new subpath (yolovm creates it with ${name(ours)}), or re-create the VM repository with \`git init --object-format=${ours}\`.`,
      EXIT.git,
    );
  }
}

export interface PushResult {
  /** One `ok <ref>` / `error <ref> <why>` line per ref, as a push helper answers git. */
  statuses: string[];
  /** The VM work tree after the push, when the VM reported it. */
  head: proto.VmHead | undefined;
}

/** Which branch the VM work tree is put on after a push. */
export type { Checkout };

export interface SendPackRequest {
  subpath: string;
  /** Refspecs as git's `push` lines give them: `+src:dst`, `:dst`. */
  specs: readonly string[];
  /** What `listVm` found there. */
  repoState: proto.RepoState;
  /** git's options for the push (dry run, atomic, leases, push options, verbosity). */
  options: proto.PushOptions;
  /** Silence the VM script's own messages (git yolo-push folds them into its summary). */
  quietVm: boolean;
  /** `auto`: the one branch the push created or moved; `none`; or that branch, even if it did not move. */
  checkout: Checkout;
  /** Ask the VM for its work tree's state afterwards. */
  reportHead: boolean;
  /** Sources already resolved to commits (git yolo-push knows its own); others are asked of git. */
  resolved?: ReadonlyMap<string, string>;
  /** The pushing repository's git directory (default: GIT_DIR, as git gives it to a helper). */
  gitDir?: string;
  /** The VM's refs as listed (`<sha> <ref>`): commits below them are not going anywhere. */
  vmRefs?: readonly string[];
  /** A new VM repository is a git directory of its own (a submodule's), not a work tree. */
  gitDirOnly?: boolean;
  /** The session listVm left open: the push goes on in it. */
  session?: PushSession;
  /** Say when the pushed commits have submodules, which the VM gets empty (not when they are pushed too). */
  warnSubmodules?: boolean;
}

/**
 * Warn, naming them, when the commits going to the VM add or change secret-like
 * files (one local git process, beside the transfer: it never stops the push, that
 * is git's to decide, so it need not hold it up).
 */
async function warnSecrets(s: Session, req: SendPackRequest, specs: readonly proto.PushSpec[], facts: PushFacts): Promise<void> {
  const sources = specs.map((p) => p.src).filter((src) => src !== '');
  if (sources.length === 0) return;
  const at = req.gitDir ? ['--git-dir', req.gitDir] : [];
  const r = await runGitAsync([
    ...at,
    'log',
    '--format=',
    '--name-only',
    '--diff-filter=AMR',
    '--no-renames',
    ...sources,
    '--not',
    ...facts.have,
    '--',
  ]);
  if (r.code !== 0) return;
  const secrets = [...new Set(r.stdout.split('\n').filter((f) => f !== '' && isSecretLike(f, s.cfg.allowSecrets)))];
  if (secrets.length === 0) return;
  notice(
    `warning: the commits going to the VM add or change secret-like files: ${secrets.slice(0, 8).join(', ')}${secrets.length > 8 ? ', ...' : ''}\n` +
      'hint: the agent will be able to read them; take them out of the history, or allow them: git config yolovm.allowSecrets <pattern>',
  );
}

/**
 * The first push of a branch to a subpath, by `git push yolovm::` or `git
 * yolo-push`, makes it the repository's VM location (git config yolovm.subpath),
 * so yolo-fetch and yolo-diff find it with no subpath given. Never changes one.
 */
export function rememberLocation(s: Session, gitDir: string, subpath: string): void {
  if (subpath === '' || s.cfg.subpath) return;
  const key = subpathKey(s.cfg.vm.value);
  const r = runGit(['--git-dir', gitDir, 'config', key, subpath]);
  if (r.code !== 0) {
    notice(`warning: could not remember '${subpath}' as this repository's VM location: ${r.stderr.trim()}`);
    return;
  }
  s.cfg.subpath = { value: subpath, source: `git config ${key}` };
  info(
    `Remembered '${subpath}' as this repository's VM location: git yolo-push, yolo-fetch and yolo-diff use it when no subpath is given (git config ${key})`,
  );
}

/** Remember on the host which commits were handed to the VM (refs/yolovm/, see handoff.ts). */
function recordPushed(
  s: Session,
  req: SendPackRequest,
  specs: readonly proto.PushSpec[],
  statuses: readonly string[],
  facts: PushFacts,
): void {
  const ok = new Set(statuses.filter((l) => l.startsWith('ok ')).map((l) => l.split(' ')[1]));
  const pushed = specs.filter((p) => ok.has(p.dst) && p.dst.startsWith('refs/heads/'));
  const shas = new Map([...facts.commits, ...(req.resolved ?? [])]);
  const unknown = [...new Set(pushed.map((p) => p.src).filter((src) => src !== '' && !shas.has(src)))];
  if (unknown.length > 0) {
    const r = runGit(['rev-parse', ...unknown.map((src) => `${src}^{commit}`)]);
    if (r.code !== 0) {
      debug(`not recording the hand-off: ${r.stderr.trim()}`);
      return;
    }
    r.stdout
      .trim()
      .split('\n')
      .forEach((sha, i) => shas.set(unknown[i] ?? '', sha));
  }
  try {
    const gitDir = req.gitDir ?? (process.env.GIT_DIR ? resolve(process.env.GIT_DIR) : undefined);
    if (gitDir && pushed.length > 0) {
      rememberPush(s.where(req.subpath), gitDir);
      rememberLocation(s, gitDir, req.subpath);
    }
    recordHandoffs(
      s.cfg.vm.value,
      req.subpath,
      pushed.map((p) => ({ branch: p.dst.slice('refs/heads/'.length), sha: p.src === '' ? '' : (shas.get(p.src) ?? '') })),
    );
  } catch (err) {
    notice(`warning: could not record the hand-off under refs/yolovm/: ${(err as Error).message}`);
  }
}

/** The first pushed branch's submodules, which the VM now has as empty directories: said, with how to send them. */
function warnSubmodules(req: SendPackRequest, specs: readonly proto.PushSpec[], statuses: readonly string[], facts: PushFacts): void {
  const ok = new Set(statuses.filter((l) => l.startsWith('ok refs/heads/')).map((l) => l.split(' ')[1]));
  const spec = specs.find((p) => p.src !== '' && ok.has(p.dst));
  // (pushFacts found no .gitmodules at its commit: nothing to read)
  if (!spec || (facts.commits.has(spec.src) && !facts.withModules.has(spec.src))) return;
  const at = req.gitDir ? ['--git-dir', req.gitDir] : [];
  const commit =
    req.resolved?.get(spec.src) ??
    facts.commits.get(spec.src) ??
    runGit([...at, 'rev-parse', '-q', '--verify', `${spec.src}^{commit}`]).stdout.trim();
  const subs = commit ? modulesAt(at, commit) : [];
  if (subs.length === 0) return;
  const paths = subs.slice(0, 5).map((m) => m.path);
  notice(
    `warning: ${spec.dst.slice('refs/heads/'.length)} has ${plural(subs.length, 'submodule')} (${paths.join(', ')}${subs.length > 5 ? ', ...' : ''}): on the VM ${subs.length === 1 ? 'it is an empty directory' : 'they are empty directories'}\n` +
      'hint: send them too: git yolo-push --recurse-submodules (git config yolovm.recurseSubmodules true makes it the default)',
  );
}

interface Receiver {
  /** The receive-pack command send-pack starts (over ssh, or locally for a scratch repository). */
  receivePack: string;
  destination: string;
  /** A scratch repository a dry run asks instead of a VM that has none yet. */
  scratch: string | undefined;
  env: NodeJS.ProcessEnv;
}

/** Where send-pack pushes: vm.sh receive-pack over the shared connection, or, for a dry run into nothing, a scratch repository. */
function receiver(s: Session, req: SendPackRequest, specs: proto.PushSpec[]): Receiver {
  const opts = req.options;
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (opts.dryRun && req.repoState !== 'repo') {
    // Nothing on the VM yet, and a dry run must not create it: ask an empty
    // repository of our own what would happen instead.
    const scratch = mkdtempSync(join(tmpdir(), 'yolovm-dry-'));
    const clean = { ...process.env };
    delete clean.GIT_DIR; // else git init would re-initialise the user's repository
    runGit(['init', '--bare', '-q', scratch], { env: clean });
    return { receivePack: 'git-receive-pack', destination: scratch, scratch, env };
  }
  const receivePack = vmCommand(
    {
      mode: 'receive-pack',
      dryRun: opts.dryRun,
      head: req.repoState === 'repo' ? '' : proto.headForNewRepository(specs),
      report: req.reportHead,
      checkout: opts.noCheckout ? 'none' : req.checkout,
      format: s.cfg.objectFormat,
      gitDir: req.gitDirOnly,
    },
    s.place(req.subpath),
    req.quietVm,
  );
  if (req.gitDir) env.GIT_DIR = req.gitDir;
  env.GIT_SSH_COMMAND = sshCommandString(s.target);
  env.GIT_SSH_VARIANT = 'ssh';
  return { receivePack, destination: `ssh://${s.target.user}@${hostInUrl(s.target)}/yolovm`, scratch: undefined, env };
}

/** What the VM said beside the statuses: a dirty work tree left alone, files a first push found there. */
function tellAfterPush(place: VmPlace, statuses: readonly string[], untracked: number | undefined, quietVm: boolean): void {
  if (!quietVm && statuses.some(proto.isDirtyWorktreeRejection)) {
    notice(
      `yolovm: the VM work tree at ${place.display} has uncommitted changes, so it was not updated; nothing on the VM was touched\n` +
        'hint: commit or stash that work on the VM (or push to another branch), then push again',
    );
  }
  if (untracked !== undefined)
    notice(
      `warning: ${place.display} already held files when the push made it a repository: ${plural(untracked, 'file')} there ${untracked === 1 ? 'is' : 'are'} now untracked (left as ${untracked === 1 ? 'it was' : 'they were'}; \`git status\` on the VM lists them)`,
    );
}

/** What a push's send-pack and the VM said, however it ran. */
interface Ran {
  code: number;
  stdout: string;
  /** send-pack's and the VM script's stderr lines (markers read). */
  lines: readonly string[];
  vmExit: number | undefined;
  untracked: number | undefined;
  vmHeadLine: string | undefined;
  /** ssh's own lines, held back. */
  held: string;
  /** ssh itself failed under the push. */
  sshFailed: boolean;
}

/** send-pack with its own ssh (GIT_SSH_COMMAND) over the shared connection, or into a scratch repository. */
async function runStateful(s: Session, req: SendPackRequest, specs: proto.PushSpec[]): Promise<Ran> {
  const { receivePack, destination, scratch, env } = receiver(s, req, specs);
  try {
    // ssh runs under send-pack: it failed when send-pack reported no ref at all.
    const failedEarly = (code: number, out: string) => code !== 0 && proto.parseStatuses(out).length === 0;
    // A session sshd refused (MaxSessions) sent nothing: tried again (connection.ts).
    const r = await retryRefused(
      () =>
        withSession(scratch ? undefined : s.target.socket, () =>
          runRelayed('git', proto.sendPackArgs(req.options, { receivePack }, destination, req.specs), {
            env,
            sshFailed: failedEarly,
            notFound: gitNotInstalled,
          }),
        ),
      (x) => (failedEarly(x.code, x.stdout) ? refusal(x.held) : undefined),
      s.target.host,
    );
    return {
      code: r.code,
      stdout: r.stdout,
      lines: r.relay.all,
      vmExit: r.relay.vmExit,
      untracked: r.relay.untracked,
      vmHeadLine: r.relay.vmHeadLine,
      held: r.held,
      sshFailed: r.held !== '' || r.relay.all.some(proto.isConnectionLost),
    };
  } finally {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  }
}

/** send-pack --stateless-rpc in the session listVm left open (push-session.ts). */
async function runInSession(s: Session, req: SendPackRequest, session: PushSession): Promise<Ran> {
  const opts = req.options;
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (req.gitDir) env.GIT_DIR = req.gitDir;
  // (The repository is there: the options that make one, --head, --format and --gitdir, have nothing to do.)
  const receive = vmArgs({ mode: 'receive-pack', report: req.reportHead, checkout: opts.noCheckout ? 'none' : req.checkout }, req.quietVm);
  const destination = `ssh://${s.target.user}@${hostInUrl(s.target)}/yolovm`;
  const r = await session.push(proto.sendPackArgs(opts, 'stateless', destination, req.specs), env, opts.dryRun ? 'dry-run' : receive);
  const lines = [...r.git.all, ...r.vm.all];
  return {
    code: r.code,
    stdout: r.stdout,
    lines,
    vmExit: r.vm.vmExit,
    untracked: r.vm.untracked,
    vmHeadLine: r.vm.vmHeadLine,
    held: r.held,
    sshFailed: r.vmCode === 255 || r.held !== '' || r.git.all.some(proto.isConnectionLost),
  };
}

const NO_FACTS: PushFacts = { have: [], commits: new Map(), withModules: new Set() };

/** The ids of the VM's refs as listed (`<sha> <ref>`). */
function vmTips(vmRefs: readonly string[] | undefined): string[] {
  return (vmRefs ?? []).map((l) => l.split(' ')[0] ?? '');
}

/** Push to the VM repository at `req.subpath` with one `git send-pack --helper-status`. */
export async function sendPack(s: Session, req: SendPackRequest): Promise<PushResult> {
  const { options: opts, specs: specLines } = req;
  const place = s.place(req.subpath);
  const specs = specLines.map(proto.parsePushSpec);
  const facts = opts.dryRun
    ? NO_FACTS
    : pushFacts(
        vmTips(req.vmRefs),
        specs.map((p) => p.src),
        { gitDir: req.gitDir },
      );
  const secrets = opts.dryRun ? Promise.resolve() : warnSecrets(s, req, specs, facts);
  let r: Ran;
  try {
    r = req.session ? await runInSession(s, req, req.session) : await runStateful(s, req, specs);
  } finally {
    await secrets;
  }
  const statuses = proto.parseStatuses(r.stdout);
  const head = r.vmHeadLine === undefined ? undefined : proto.parseHead(r.vmHeadLine);
  if (statuses.length === 0 && r.code !== 0) {
    const vm = r.vmExit === undefined ? undefined : vmFailure(r.vmExit, place);
    if (vm) throw vm;
    // send-pack's own complaint (a ref it cannot push, push options refused):
    // reported per ref, as git does; it is not a lost connection.
    const complaint = proto.sendPackComplaint(r.lines);
    if (complaint === undefined && r.sshFailed) throw sshFailure(r.held, s.target);
    const fatal = complaint ?? `git send-pack failed (exit ${String(r.code)})`;
    return { statuses: proto.missingStatuses([], specs, fatal), head };
  }
  tellAfterPush(place, statuses, r.untracked, req.quietVm);
  if (!opts.dryRun) recordPushed(s, req, specs, statuses, facts);
  if (req.warnSubmodules && !opts.dryRun) warnSubmodules(req, specs, statuses, facts);
  return { statuses: [...statuses, ...proto.missingStatuses(statuses, specs, 'no status from send-pack')], head };
}
