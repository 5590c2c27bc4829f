// What every command needs before it talks to the VM: the settings, the VM
// address, and the ssh invocation. Resolved once per command.
import { loadConfig, type Config, type Setting } from './config.js';
import { debug } from './log.js';
import { sshTarget, type SshTarget } from './ssh.js';
import { vmAddress } from './terraform.js';
import { displayPath, parseWorkspaceBase } from './workspace.js';
import type { VmPlace } from './vm.js';

export interface Session {
  cfg: Config;
  host: Setting;
  target: SshTarget;
  place(subpath: string): VmPlace;
  /** How a VM location is shown in summaries: debian@1.2.3.4:~/workspace/myapp. */
  where(subpath: string): string;
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
