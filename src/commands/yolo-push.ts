// git yolo-push <branch> [subpath]: push a local branch to the same name on the
// VM, then say what moved and where the VM work tree is. It runs the helper's
// own push path (push.ts) in-process, so the VM repository is created and
// checked out exactly as with `git push yolovm::...`, without starting git push
// and a second node process for the helper.
//
// It runs on every hand-off, so it keeps to plain git (plumbing.ts) and asks
// as little as it can: one git query beside the config
// read before the first ssh, and no send-pack when the VM is already there.
import { loadConfig, readGitConfigAsync } from '../config/config.js';
import { EXIT, YolovmError } from '../core/errors.js';
import { debug, info, isQuiet, isVerbose, notice } from '../core/log.js';
import { defaultOptions, parseHead, parseStatus, type VmHead } from '../remote/protocol.js';
import { listVm, rememberLocation, sendPack, type VmRefs } from '../remote/push.js';
import { locationOf, type Session } from '../vm/session.js';
import { openSession } from './session.js';
import { rememberPush } from '../config/state.js';
import { sendable, submodulesOf, vmModulePlace } from '../git/submodules.js';
import { joinSubpath } from '../workspace/survey.js';
import { runOnVm } from '../vm/vm.js';
import {
  branchRef,
  commitsAmong,
  countCommits,
  isAncestor,
  looseKiB,
  packLooseObjects,
  repositoryAndRef,
  runPrePushHook,
  type Here,
} from '../git/plumbing.js';
import { vmUrl } from '../remote/fetch.js';
import { noPushStatus, pushKind, pushRejected, pushSummary } from '../remote/push-report.js';
import { parseSubpath } from '../config/subpath.js';

export interface YoloPushOptions {
  force?: boolean;
  dryRun?: boolean;
  /** false with --no-checkout: push without moving the VM's checkout. */
  checkout?: boolean;
  /** false with --no-verify: skip the pre-push hook, as `git push --no-verify`. */
  verify?: boolean;
  /** --recurse-submodules / --no-recurse-submodules (default: git config yolovm.recurseSubmodules). */
  recurseSubmodules?: boolean;
}

/**
 * The pre-push hook, run exactly as `git push <url> <ref>` runs it (with no line
 * when the VM is already up to date); a hook that fails stops the push.
 */
async function prePush(hook: string, top: string, url: string, line: string | undefined, branch: string): Promise<void> {
  const code = await runPrePushHook(hook, top, url, line === undefined ? [] : [line]);
  if (code !== undefined && code !== 0) {
    throw new YolovmError(
      `Push of '${branch}' to ${url} stopped by the pre-push hook (${hook} exited ${String(code)}): nothing was sent`,
      'Fix what the hook reports above, or push anyway with --no-verify.',
      EXIT.git,
    );
  }
}

/** Before pushing to several VMs: loose objects (more than a MiB of them) packed once, not compressed once per VM. */
export function packOnceForFleet(): void {
  const kib = looseKiB();
  if (kib <= 1024) return;
  info(`Packing ${(kib / 1024).toFixed(1)} MiB of loose objects once for all the pushes (git repack, as git gc does)`);
  if (!packLooseObjects()) debug('git repack failed: each push packs for itself');
}

export async function yoloPush(branch: string, subpathArg: string | undefined, opts: YoloPushOptions): Promise<number> {
  const ref = branchRef(branch);
  if (subpathArg !== undefined) parseSubpath(subpathArg); // a bad subpath is refused before anything else
  const [repo, gitConfig] = await Promise.all([repositoryAndRef(ref), readGitConfigAsync(true)]);
  const local = repo.sha;
  if (!local)
    throw new YolovmError(
      `Branch '${branch}' not found`,
      `List local branches with \`git branch\`; create it with \`git switch -c ${branch}\`.`,
    );
  const s = await openSession(true, loadConfig(true, undefined, gitConfig));
  const { subpath } = locationOf(s, subpathArg);
  // The session stays open for the push (push-session.ts), and is ended however this ends.
  const vm = await listVm(s, { subpath, withHead: true, session: true });
  try {
    return await pushListed(s, vm, { branch, ref, subpath, subpathArg, repo, local, opts });
  } finally {
    await vm.push?.close();
  }
}

/** yolo-push once the VM's refs are known. */
async function pushListed(
  s: Session,
  vm: VmRefs,
  p: {
    branch: string;
    ref: ReturnType<typeof branchRef>;
    subpath: string;
    subpathArg: string | undefined;
    repo: Here;
    local: string;
    opts: YoloPushOptions;
  },
): Promise<number> {
  const { branch, ref, subpath, subpathArg, repo, local, opts } = p;
  const dest = s.where(subpath);
  const old = vm.refs.find((l) => l.endsWith(` ${ref}`))?.split(' ')[0];
  const short = local.slice(0, 7);
  const checkout = opts.checkout === false ? 'none' : ref;
  const zero = '0'.repeat(local.length);
  if (opts.verify !== false)
    await prePush(repo.prePush, repo.top, vmUrl(s, subpath), old === local ? undefined : `${ref} ${local} ${ref} ${old ?? zero}`, branch);
  const recurse = opts.recurseSubmodules ?? s.cfg.recurseSubmodules;
  // Already there, and the work tree where it should be: nothing for send-pack to do.
  if (old === local && !opts.force && (checkout === 'none' || vm.head?.state === 'bare' || vm.head?.branch === branch)) {
    info(`${branch} is already up to date on ${dest} (${short})`);
    if (vm.head) reportWorkTree(vm.head, branch);
    if (!opts.dryRun) rememberLocation(s, repo.gitDir, subpath);
    if (recurse) await pushSubmodules(s, repo.top, subpath, local, opts);
    return EXIT.ok;
  }
  const quiet = isQuiet();
  const options = {
    ...defaultOptions(),
    dryRun: opts.dryRun ?? false,
    verbosity: quiet ? 0 : isVerbose() ? 2 : 1,
    progress: !quiet && process.stderr.isTTY,
  };
  // The VM's own messages are folded into the summary below, so it is told to be quiet.
  const result = await sendPack(s, {
    session: vm.push,
    subpath,
    specs: [`${opts.force ? '+' : ''}${ref}:${ref}`],
    repoState: vm.state,
    options,
    quietVm: true,
    checkout,
    reportHead: true,
    resolved: new Map([[ref, local]]),
    gitDir: repo.gitDir,
    vmRefs: vm.refs,
    warnSubmodules: !recurse,
  });
  const status = parseStatus(result.statuses, ref);
  if (!status) throw noPushStatus(branch, dest);
  if (!status.ok)
    throw pushRejected(status.message, {
      branch,
      dest,
      created: vm.state === 'none',
      fetchArgs: `${branch}${subpathArg ? ` ${subpathArg}` : ''}`,
    });
  if (vm.state === 'none') info(`${opts.dryRun ? 'Would create' : 'Created'} a git repository at ${dest}`);
  info(movedSummary(repo.top, { branch, dest, dryRun: opts.dryRun ?? false, old, local, message: status.message, vmRefs: vm.refs }));
  if (!opts.dryRun) {
    // The VM reported its work tree after the push (or at listing); ask only if it did not.
    const head = result.head ?? vm.head ?? parseHead((await runOnVm(s.target, s.place(subpath), { mode: 'status' })).stdout);
    if (head) reportWorkTree(head, branch);
  }
  if (!opts.dryRun) rememberLocation(s, repo.gitDir, subpath);
  if (recurse) await pushSubmodules(s, repo.top, subpath, local, opts);
  return EXIT.ok;
}

/** What the push did, in one line: the git questions its kind needs, then the words (push-report.ts). */
function movedSummary(
  top: string,
  p: {
    branch: string;
    dest: string;
    dryRun: boolean;
    old: string | undefined;
    local: string;
    message: string | undefined;
    vmRefs: readonly string[];
  },
): string {
  const { old, local } = p;
  const oldHere = old !== undefined && old !== local && commitsAmong([old], { cwd: top }).length > 0;
  const kind = pushKind({
    old,
    local,
    message: p.message,
    oldHere,
    fastForward: old !== undefined && oldHere && isAncestor(top, old, local),
  });
  const count = (range: string[]) => countCommits(top, range);
  const words = { ...p, old: old ?? '', added: 0, replaced: 0 };
  if (kind === 'new-branch') {
    // Count what moved: commits the VM had under other branches did not travel.
    const vmTips = commitsAmong(
      p.vmRefs.map((l) => l.split(' ')[0] ?? ''),
      { cwd: top },
    );
    words.added = count([local, '--not', ...vmTips]);
  } else if (kind === 'fast-forward' || kind === 'forced') {
    words.added = count([`${old ?? ''}..${local}`]);
    if (kind === 'forced') words.replaced = count([`${local}..${old ?? ''}`]);
  }
  return pushSummary(kind, words);
}

/**
 * Each initialised submodule's recorded commit, to the VM superproject's
 * .git/modules/<name> (see submodules.ts); one that cannot go is named.
 */
async function pushSubmodules(s: Session, top: string, subpath: string, commit: string, opts: YoloPushOptions): Promise<void> {
  const { ready, not } = sendable(submodulesOf(top, commit));
  for (const { sub, why } of not) notice(`warning: submodule ${sub.path} not sent: ${why}`);
  for (const sub of ready) {
    const place = vmModulePlace(subpath, sub.name);
    const vm = await listVm(s, { subpath: place });
    const specs = [`+${sub.commit}:refs/yolovm/pushed`];
    if (vm.refs.some((l) => l === `${sub.commit} refs/yolovm/pushed`)) {
      info(`Submodule ${sub.path} is already on the VM (${sub.commit.slice(0, 7)})`);
      continue;
    }
    const options = { ...defaultOptions(), dryRun: opts.dryRun ?? false, verbosity: 0, progress: false };
    const result = await sendPack(s, {
      subpath: place,
      specs,
      repoState: vm.state,
      options,
      quietVm: true,
      checkout: 'none',
      reportHead: false,
      resolved: new Map([[sub.commit, sub.commit]]),
      gitDir: sub.gitDir,
      vmRefs: vm.refs,
      gitDirOnly: true,
    });
    const st = parseStatus(result.statuses, 'refs/yolovm/pushed');
    if (!st?.ok)
      throw new YolovmError(
        `Push of submodule ${sub.path} to ${s.where(place)} failed: ${st?.message ?? 'no status from git send-pack'}`,
        'The superproject was pushed; run again to send the submodules (-v shows the commands).',
        EXIT.git,
      );
    if (sub.gitDir && !opts.dryRun) rememberPush(s.where(joinSubpath(subpath, sub.path)), sub.gitDir);
    info(`${opts.dryRun ? 'Would send' : 'Sent'} submodule ${sub.path} (${sub.commit.slice(0, 7)}) to ${s.where(place)}`);
  }
  if (ready.length > 0 && !opts.dryRun)
    info(
      `On the VM, \`git submodule update --init\` in ${s.place(subpath).display} checks ${ready.length === 1 ? 'it' : 'them'} out (offline)`,
    );
}

function reportWorkTree(head: VmHead, branch: string): void {
  const tree =
    head.state === 'bare'
      ? 'a bare repository'
      : `on branch ${head.branch || '(detached HEAD)'}${head.state === 'dirty' ? ', with uncommitted changes' : ''}`;
  const why =
    head.state === 'dirty' && head.branch !== branch
      ? ` (left there, not switched to ${branch}, so the uncommitted work is untouched)`
      : '';
  info(`VM work tree: ${tree}${why}`);
}

/** The first push naming a subpath makes it this repository's VM location (per VM). */
