// The host side of vm.sh, the one script that runs on the VM: building its
// command line (every argument quoted), running it over ssh, and turning its
// exit statuses into messages.
import { readFileSync } from 'node:fs';
import { EXIT, YolovmError } from '../core/errors.js';
import { showAs } from '../core/log.js';
import { shq, shqAll } from '../core/shell.js';
import type { SshTarget } from '../ssh/ssh.js';
import { MAX_ANSWER, runSsh } from '../ssh/relay.js';
import { answerTooLarge } from './answers.js';

export const VM_EXIT = {
  noGit: 40, // git is not installed on the VM
  missing: 41, // the workspace path does not exist
  notRepo: 42, // the path exists but holds no git repository
  notDir: 43, // the path is a file
  noRsync: 44, // rsync is not installed on the VM
  cannotCreate: 45, // mkdir or git init failed (permissions, full disk)
  crowded: 46, // a first push into a directory that holds other projects
  cannotSnapshot: 47, // git status or git add -A of the uncommitted work failed (an unreadable file)
} as const;

// Read once, next to this module (the build copies vm.sh beside the bundle).
const SCRIPT = readFileSync(new URL('./vm.sh', import.meta.url), 'utf8');
showAs(shq(SCRIPT), '"$(cat vm.sh)"');

/** Which branch a push leaves checked out on the VM (see vm.sh mode_receive_pack). */
export type Checkout = 'auto' | 'none' | `refs/heads/${string}`;

/**
 * One call of vm.sh: its mode and that mode's options, typed (vm.sh's header
 * states the same grammar). vmArgs turns it into the script's arguments.
 */
export type VmRequest =
  | { mode: 'list'; withHead?: boolean }
  /** list, then receive-pack --stateless-rpc in the same session (remote/push-session.ts). */
  | { mode: 'push'; withHead?: boolean }
  | {
      mode: 'upload-pack';
      v2?: boolean;
      /** Make a snapshot first and serve a view that can name it (vm.sh view_repo): that branch, or the checked-out one. */
      withSnapshot?: 'HEAD' | `refs/heads/${string}`;
    }
  | { mode: 'upload-archive' }
  | {
      mode: 'receive-pack';
      dryRun?: boolean;
      /** The marker yolovm:head:STATE BRANCH afterwards. */
      report?: boolean;
      /** HEAD of a repository the push creates. */
      head?: string;
      checkout?: Checkout;
      format?: string;
      /** A git directory at the place itself (a submodule's), not a work tree. */
      gitDir?: boolean;
    }
  | { mode: 'snapshot'; dryRun?: boolean }
  | { mode: 'status' }
  | { mode: 'survey'; snapshots?: boolean }
  | {
      mode: 'dir-push';
      dryRun?: boolean;
      /** The workspace itself may be pushed into even when it holds other projects. */
      rootOk?: boolean;
      /** Keep a backup of every file replaced, not only those the VM changed. */
      keepAll?: boolean;
      /** The program rsync's server command starts with (rsync appends the rest). */
      server?: string;
    }
  | { mode: 'dir-pull'; dryRun?: boolean }
  | { mode: 'doctor' }
  | { mode: 'clean' }
  | { mode: 'ls' };

export type VmMode = VmRequest['mode'];

/** The script's arguments after MODE BASE SUBPATH for one request. */
export function vmArgs(req: VmRequest, quiet: boolean): string[] {
  const flags: string[] = quiet ? ['--quiet'] : [];
  const flag = (on: boolean | undefined, name: string) => {
    if (on) flags.push(`--${name}`);
  };
  const value = (v: string | undefined, name: string) => {
    if (v) flags.push(`--${name}=${v}`);
  };
  switch (req.mode) {
    case 'list':
    case 'push':
      flag(req.withHead, 'with-head');
      break;
    case 'upload-pack':
      flag(req.v2, 'v2');
      value(req.withSnapshot, 'with-snapshot');
      break;
    case 'receive-pack':
      flag(req.dryRun, 'dry-run');
      flag(req.report, 'report');
      value(req.head, 'head');
      value(req.checkout, 'checkout');
      value(req.format, 'format');
      flag(req.gitDir, 'gitdir');
      break;
    case 'snapshot':
    case 'dir-pull':
      flag(req.dryRun, 'dry-run');
      break;
    case 'survey':
      flag(req.snapshots, 'snapshots');
      break;
    case 'dir-push':
      flag(req.dryRun, 'dry-run');
      flag(req.rootOk, 'root-ok');
      flag(req.keepAll, 'keep-all');
      if (req.server) flags.push('--', req.server);
      break;
    default:
      break;
  }
  return flags;
}

export interface VmPlace {
  base: string; // workspace base (YOLOVM_WORKSPACE), may start with ~/
  subpath: string; // validated, normalised
  display: string; // ~/workspace/myapp, for messages
}

/** The remote command string for one request: the script plus quoted arguments. */
export function vmCommand(req: VmRequest, place: VmPlace, quiet: boolean): string {
  return shqAll(['sh', '-c', SCRIPT, 'yolovm', req.mode, place.base, place.subpath, ...vmArgs(req, quiet)]);
}

/** The subpath as the user typed it; the workspace itself when there is none. */
function named(place: VmPlace): string {
  return place.subpath === '' ? place.display : place.subpath;
}

/** The error for a VM-side exit status, or undefined when the status is not one of ours. */
export function vmFailure(code: number, place: VmPlace): YolovmError | undefined {
  const e = explain(code, place);
  return e && new YolovmError(e.message, e.hint, e.exitCode, code);
}

function explain(code: number, place: VmPlace): YolovmError | undefined {
  switch (code) {
    case VM_EXIT.noGit:
      return new YolovmError('git is not installed on the VM', 'Install it there: `sudo apt-get install git`.');
    case VM_EXIT.noRsync:
      return new YolovmError('rsync is not installed on the VM', 'Install it there: `sudo apt-get install rsync`.');
    case VM_EXIT.missing:
      return new YolovmError(
        `Workspace path '${named(place)}' not on VM (looked for ${place.display})`,
        'Check the subpath (`yolo-dir ls` lists the workspace), or push to it first.',
      );
    case VM_EXIT.notRepo:
      return new YolovmError(
        `Workspace path '${named(place)}' on the VM is not a git repository (${place.display})`,
        'Check the subpath, or push a branch to it first.',
      );
    case VM_EXIT.notDir:
      return new YolovmError(
        `Workspace path '${named(place)}' on the VM is a file, not a directory (${place.display})`,
        'Choose another subpath, or move that file away on the VM.',
      );
    case VM_EXIT.crowded:
      return new YolovmError(
        `Workspace path '${named(place)}' on the VM holds other projects (${place.display}), so it is not made into a repository`,
        place.subpath === ''
          ? 'Give a subpath for this project, e.g. `git yolo-push <branch> myapp`.'
          : 'Give a subpath of its own for this project.',
      );
    case VM_EXIT.cannotCreate:
      return new YolovmError(
        `Cannot create a repository at '${place.display}' on the VM`,
        'Check permissions and free space on the VM (`df -h ~`).',
        EXIT.git,
      );
    case VM_EXIT.cannotSnapshot:
      return new YolovmError(
        `Cannot snapshot the uncommitted work in '${place.display}' on the VM`,
        'git could not read the work tree there (its message is above): fix what it names on the VM (`yolovm ssh`), or commit the work there first.',
        EXIT.git,
      );
    default:
      return undefined;
  }
}

export interface VmResult {
  code: number;
  stdout: string;
}

/**
 * Run one mode of the script on the VM (quietly: its messages are ours to
 * give) and capture its stdout, up to MAX_ANSWER. ssh failures, the script's
 * own exit statuses and an answer over the limit become YolovmErrors.
 */
export async function runOnVm(t: SshTarget, place: VmPlace, req: VmRequest): Promise<VmResult> {
  const r = await runSsh(t, vmCommand(req, place, true), {
    maxStdout: MAX_ANSWER,
    tooLarge: () => answerTooLarge(req.mode, MAX_ANSWER),
  });
  const known = vmFailure(r.relay.vmExit ?? r.code, place);
  if (known) throw known;
  return { code: r.code, stdout: r.stdout };
}
