// What every command needs before it talks to the VM: which VM, its settings,
// its address, how its host key is checked, and the ssh invocation. Resolved
// once per command.
import { loadConfig, type Config, type Setting } from '../config/config.js';
import { EXIT, YolovmError } from '../core/errors.js';
import { safeLine } from '../core/text.js';
import { hostKeyPolicy, recordedFingerprint } from '../ssh/hostkeys.js';
import { debug, info, notice } from '../core/log.js';
import { sshTarget, type SshTarget } from '../ssh/ssh.js';
import { openSharedLogged, runSsh, sshDebugs } from '../ssh/relay.js';
import { existsSync } from 'node:fs';
import { findVm, type VmFound } from '../config/terraform.js';
import { displayPath, parseSubpath, parseWorkspaceBase } from '../config/subpath.js';
import type { VmPlace } from './vm.js';

export interface Session {
  cfg: Config;
  host: Setting;
  /** The address and what the terraform state said, as found (handed on to the helper git starts). */
  found: VmFound;
  target: SshTarget;
  place(subpath: string): VmPlace;
  /** How a VM location is shown in summaries: debian@1.2.3.4:~/workspace/myapp. */
  where(subpath: string): string;
}

/**
 * The VM location a git command works on: the subpath given, else the one this
 * repository remembers from its first `git yolo-push <branch> <subpath>` (and the
 * user is told), else the workspace root.
 */
export function locationOf(s: Session, subpathArg: string | undefined): { subpath: string; remembered: boolean } {
  if (subpathArg !== undefined) return { subpath: parseSubpath(subpathArg), remembered: false };
  const remembered = s.cfg.subpath;
  if (!remembered) return { subpath: '', remembered: false };
  const subpath = parseSubpath(remembered.value);
  info(`Using this repository's VM location '${subpath}' (${remembered.source})`);
  return { subpath, remembered: true };
}

/** Set by a command that runs git with our helper: the VM it already found (no second terraform read). */
export const FOUND_ENV = 'YOLOVM_FOUND_VM';

function foundEarlier(cfg: Config): VmFound | undefined {
  const text = process.env[FOUND_ENV];
  if (!text) return undefined;
  try {
    const earlier = JSON.parse(text) as VmFound & { vm: string };
    return earlier.vm === cfg.vm.value ? earlier : undefined;
  } catch {
    return undefined;
  }
}

/** Resolve everything but touch nothing: no ssh, no file written. */
export function resolveSession(inRepository: boolean, cfg: Config = loadConfig(inRepository)): Session {
  const base = parseWorkspaceBase(cfg.workspace.value, cfg.workspace.source);
  const found = foundEarlier(cfg) ?? findVm(cfg);
  const host = found.host;
  debug(`VM address ${host.value} (from ${host.source})`);
  const target = sshTarget(cfg, host.value, process.env, hostKeyPolicy(cfg, found));
  return {
    cfg,
    host,
    found,
    target,
    place: (subpath) => ({ base, subpath, display: displayPath(base, subpath) }),
    where: (subpath) => safeLine(`${target.user}@${target.host}:${displayPath(base, subpath)}`),
  };
}

/**
 * A session ready to talk to the VM: the shared connection open, and a VM
 * instance met for the first time with its host key recorded (yolovm's own
 * state). Nothing of the user's is written: see commands/session.ts.
 */
export async function openSession(inRepository: boolean, cfg: Config = loadConfig(inRepository)): Promise<Session> {
  return meetVm(resolveSession(inRepository, cfg));
}

/**
 * The step openSession adds to resolveSession: first contact with a new VM
 * instance. The shared connection opens with the command's first session
 * (connection.ts); `now`: here, with `ssh true` (a check that the VM answers).
 * With ssh's -v it opens here, on its own (relay.ts, openSharedLogged).
 */
export async function meetVm(s: Session, now = false): Promise<Session> {
  const socket = s.target.socket;
  const closed = socket === undefined || !existsSync(socket);
  if (closed && socket !== undefined && sshDebugs(s.target)) await openSharedLogged(s.target);
  else if (now && closed) await runSsh(s.target, 'true');
  await trustFirstKey(s);
  return s;
}

/** A VM instance met for the first time: connect once (accept-new), record its key, say which key was trusted. */
export async function trustFirstKey(s: Session): Promise<void> {
  const keys = s.target.hostKeys;
  if (keys && !keys.known) {
    await runSsh(s.target, 'true');
    const fp = recordedFingerprint(keys);
    if (!fp) {
      throw new YolovmError(
        `The host key of VM at ${s.host.value} was not recorded in ${keys.file}`,
        'Check that the directory is writable, then run again (-v shows the ssh command).',
        EXIT.ssh,
      );
    }
    // Shown even with -q: the user should see every key yolovm decides to trust.
    notice(`New VM instance ${keys.instance ?? ''}: trusting host key ${fp} (VM at ${s.host.value})`);
    s.target = sshTarget(s.cfg, s.host.value, process.env, { ...keys, known: true });
  }
}
