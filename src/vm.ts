// The host side of vm.sh, the one script that runs on the VM: building its
// command line (every argument quoted), running it over ssh, and turning its
// exit statuses into messages.
import { readFileSync } from 'node:fs';
import { EXIT, YolovmError } from './errors.js';
import { debug, showAs } from './log.js';
import { finished, start } from './proc.js';
import { shq, shqAll } from './shell.js';
import { SSH_ERROR_LINE, type SshTarget, sshArgs, sshFailure, sshNotFound } from './ssh.js';
import { CommandNotFound } from './proc.js';
import { parseHead, type VmHead } from './protocol.js';

export const VM_EXIT = {
  noGit: 40, // git is not installed on the VM
  missing: 41, // the workspace path does not exist
  notRepo: 42, // the path exists but holds no git repository
  notDir: 43, // the path is a file
  noRsync: 44, // rsync is not installed on the VM
  cannotCreate: 45, // mkdir or git init failed (permissions, full disk)
  crowded: 46, // a first push into a directory that holds other projects
} as const;

// Read once, next to this module (the build copies vm.sh beside the bundle).
const SCRIPT = readFileSync(new URL('./vm.sh', import.meta.url), 'utf8');
showAs(shq(SCRIPT), '"$(cat vm.sh)"');

export type VmMode =
  | 'list'
  | 'upload-pack'
  | 'upload-archive'
  | 'receive-pack'
  | 'status'
  | 'snapshot'
  | 'survey'
  | 'clean'
  | 'doctor'
  | 'dir-push'
  | 'dir-pull'
  | 'ls';

export interface VmPlace {
  base: string; // workspace base (YOLOVM_WORKSPACE), may start with ~/
  subpath: string; // validated, normalised
  display: string; // ~/workspace/myapp, for messages
}

/** The remote command string for one mode: the script plus quoted arguments. */
export function vmCommand(mode: VmMode, place: VmPlace, quiet: boolean, args: readonly string[] = []): string {
  return shqAll(['sh', '-c', SCRIPT, 'yolovm', mode, place.base, place.subpath, quiet ? '1' : '0', ...args]);
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
    default:
      return undefined;
  }
}

/**
 * Relays a child's stderr to ours as it comes, except ssh's own error lines,
 * which are held back: they are replaced by one clear message when ssh fails,
 * and shown as they were when it did not.
 */
export class StderrRelay {
  private partial = '';
  private held: string[] = [];
  readonly all: string[] = [];
  /** The VM script's exit status, when it said one (see die() in vm.sh). */
  vmExit: number | undefined;
  /** The VM work tree after a push, when the script reported it. */
  vmHead: VmHead | undefined;

  push(chunk: string): void {
    this.partial += chunk;
    for (;;) {
      const nl = this.partial.indexOf('\n');
      if (nl < 0) break;
      const line = this.partial.slice(0, nl);
      this.partial = this.partial.slice(nl + 1);
      this.all.push(line);
      const marker = /^yolovm:(exit|head):(.*)$/.exec(line);
      if (marker?.[1] === 'exit') this.vmExit = Number(marker[2]);
      else if (marker?.[1] === 'head') this.vmHead = parseHead(marker[2] ?? '');
      // ssh may end lines with \r\n; a progress meter redraws with bare \r.
      else if (SSH_ERROR_LINE.test(line.replace(/\r$/, '').replace(/^.*\r/, ''))) this.held.push(line.replace(/\r$/, ''));
      else process.stderr.write(`${line}\n`);
    }
    // Progress meters redraw with \r and no newline: show them at once.
    const cr = this.partial.lastIndexOf('\r');
    if (cr >= 0) {
      process.stderr.write(this.partial.slice(0, cr + 1));
      this.partial = this.partial.slice(cr + 1);
    }
  }

  /** At the end: ssh failed (the held lines explain it) or not (show them). */
  finish(sshFailed: boolean): string {
    if (this.partial !== '') this.push('\n');
    const held = this.held.join('\n');
    if (!sshFailed && held !== '') process.stderr.write(`${held}\n`);
    else if (sshFailed) debug(`ssh said: ${held}`);
    return held;
  }
}

export interface VmResult {
  code: number;
  stdout: string;
}

/**
 * Run one mode of the script on the VM and capture its stdout. ssh failures
 * and the script's own exit statuses become YolovmErrors.
 */
export async function runOnVm(t: SshTarget, mode: VmMode, place: VmPlace, quiet: boolean, args: readonly string[] = []): Promise<VmResult> {
  const program = t.command[0] ?? 'ssh';
  const child = start(program, sshArgs(t, vmCommand(mode, place, quiet, args)), { stdio: ['ignore', 'pipe', 'pipe'] });
  const relay = new StderrRelay();
  let stdout = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => {
    relay.push(d);
  });
  let code: number;
  try {
    code = await finished(child, program);
  } catch (err) {
    if (err instanceof CommandNotFound) throw sshNotFound(program);
    throw err;
  }
  const held = relay.finish(code === 255);
  if (code === 255) throw sshFailure(held, t);
  const known = vmFailure(relay.vmExit ?? code, place);
  if (known) throw known;
  return { code, stdout };
}
