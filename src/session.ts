// What every command needs before it talks to the VM: the settings, the VM
// address, and the ssh invocation. Resolved once per command.
import { loadConfig, type Config, type Setting } from './config.js';
import { debug, info } from './log.js';
import { sshTarget, type SshTarget } from './ssh.js';
import { vmAddress } from './terraform.js';
import { displayPath, parseSubpath, parseWorkspaceBase } from './workspace.js';
import type { VmPlace } from './vm.js';

export interface Session {
  cfg: Config;
  host: Setting;
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

export function openSession(inRepository: boolean, cfg: Config = loadConfig(inRepository)): Session {
  const base = parseWorkspaceBase(cfg.workspace.value, cfg.workspace.source);
  const host = vmAddress(cfg);
  debug(`VM address ${host.value} (from ${host.source})`);
  const target = sshTarget(cfg, host.value);
  return {
    cfg,
    host,
    target,
    place: (subpath) => ({ base, subpath, display: displayPath(base, subpath) }),
    where: (subpath) => `${target.user}@${target.host}:${displayPath(base, subpath)}`,
  };
}
