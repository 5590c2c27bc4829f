// yolovm's block in ~/.ssh/config, so `ssh yolovm`, scp, rsync -e ssh and an
// editor's remote-SSH reach the current VM and share yolovm's connection. The
// block is text between two marker lines at the top of the file: OpenSSH takes
// the first value it finds, so a block after the user's `Host *` defaults would
// lose to them (`User`, `ForwardAgent yes`). It ends with a `Host *` line, so
// the user's own top-level lines that follow still apply to every host as
// before. Everything outside the markers stays byte for byte. `yolovm
// ssh-config` writes it; every command rewrites an existing block when the VM's
// address or instance changed.
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_VM, type Config } from '../config/config.js';
import { debug, info } from '../core/log.js';
import { plainSsh, sshResolved, type SshTarget } from './ssh.js';
import { readText, writeText } from '../config/state.js';

/** What the block is made from: the settings and the ssh invocation of a VM (a session has both). */
export interface Reached {
  cfg: Config;
  target: SshTarget;
}

/** The ssh host name the block defines: yolovm, or yolovm-<name> for a named VM. */
export function sshAlias(vm: string): string {
  return vm === DEFAULT_VM ? 'yolovm' : `yolovm-${vm}`;
}

export function userSshConfig(): string {
  return join(homedir(), '.ssh', 'config');
}

const begin = (alias: string) =>
  `# >>> yolovm: Host ${alias} (written by \`yolovm ssh-config\`; \`yolovm ssh-config --remove\` removes it)`;
const end = (alias: string) => `# <<< yolovm: Host ${alias}`;

/** An ssh_config argument: double-quoted when it has a space. */
function arg(value: string): string {
  return /[\s"]/.test(value) ? `"${value}"` : value;
}

/**
 * What the user's own config gives a plain `ssh user@address` that the alias
 * needs to log in the same way without yolovm's shared connection (a `Host
 * <address>` block never matches the name `yolovm`): port, identity, jump host,
 * and known-hosts file when yolovm does not keep the VM's keys. From `ssh -G`
 * lines; default identity files that do not exist are left out.
 */
export function carriedOptions(sshG: string, managedKeys: boolean, exists: (path: string) => boolean): string[] {
  const out: string[] = [];
  const home = homedir();
  for (const line of sshG.split('\n')) {
    const sp = line.indexOf(' ');
    const [key, value] = [line.slice(0, sp), line.slice(sp + 1).trim()];
    const path = value.startsWith('~/') ? join(home, value.slice(2)) : value;
    if (key === 'port' && value !== '22') out.push(`    Port ${value}`);
    else if (key === 'identityfile' && exists(path)) out.push(`    IdentityFile ${arg(value)}`);
    else if (key === 'certificatefile' && exists(path)) out.push(`    CertificateFile ${arg(value)}`);
    else if (key === 'identitiesonly' && value === 'yes') out.push('    IdentitiesOnly yes');
    else if (key === 'proxyjump' && value !== 'none') out.push(`    ProxyJump ${arg(value)}`);
    else if (key === 'userknownhostsfile' && !managedKeys) out.push(`    UserKnownHostsFile ${value}`);
  }
  return out;
}

/** carriedOptions for this session's VM, asked of `ssh -G` with the user's own ssh command (nothing when it cannot say). */
export function carriedFor(s: Reached): string[] {
  const resolved = sshResolved(plainSsh(s.cfg), s.target.destination);
  return resolved === undefined ? [] : carriedOptions(resolved, s.target.hostKeys !== undefined, existsSync);
}

/** The block for this session's VM; `carried` from carriedFor (pure apart from the control directory). */
export function renderBlock(s: Reached, carried: readonly string[] = []): string {
  const alias = sshAlias(s.cfg.vm.value);
  const keys = s.target.hostKeys;
  const persist = s.cfg.controlPersist.value;
  const lines = [
    `Host ${alias}`,
    `    HostName ${s.target.host}`,
    `    User ${s.target.user}`,
    ...carried,
    ...(keys
      ? [
          `    HostKeyAlias ${keys.alias}`,
          `    UserKnownHostsFile ${arg(keys.file)}`,
          '    StrictHostKeyChecking yes',
          '    HashKnownHosts no',
          '    CheckHostIP no',
        ]
      : []),
    ...(persist === 'no'
      ? []
      : ['    ControlMaster auto', `    ControlPath ${arg(s.target.socket ?? 'none')}`, `    ControlPersist ${persist}`]),
    // What every yolovm connection passes (ssh.ts LEND_NOTHING): the VM gets no agent, X11 or forwarded port.
    '    ForwardAgent no',
    '    ForwardX11 no',
    '    ForwardX11Trusted no',
    '    GSSAPIDelegateCredentials no',
    '    ClearAllForwardings yes',
    '    Tunnel no',
    // Back to every host: the user's lines after the block mean what they meant at the top of the file.
    'Host *',
  ];
  return [begin(alias), ...lines, end(alias)].join('\n');
}

/** Where our block for `alias` is in the text: [start, end) including the end marker's newline. */
export function findBlock(text: string, alias: string): [number, number] | undefined {
  const start = text.startsWith(`${begin(alias)}\n`) ? 0 : text.indexOf(`\n${begin(alias)}\n`) + 1;
  if (start <= 0 && !text.startsWith(`${begin(alias)}\n`)) return undefined;
  const close = text.indexOf(`\n${end(alias)}`, start);
  if (close < 0) return undefined;
  let stop = close + 1 + end(alias).length;
  if (text[stop] === '\n') stop += 1;
  return [start, stop];
}

/** Where the run of our blocks at the top of the text ends (0: none there). */
function oursAtTop(text: string): number {
  let pos = 0;
  for (;;) {
    const m = /^# >>> yolovm: Host (\S+) /.exec(text.slice(pos, pos + 300));
    const at = m?.[1] === undefined ? undefined : findBlock(text.slice(pos), m[1]);
    if (at?.[0] !== 0) return pos;
    pos += at[1];
  }
}

/** The text with our block put in: at the top, ahead of the user's defaults (in place when it is there; an old one elsewhere moves). */
export function withBlock(text: string, alias: string, block: string): string {
  const at = findBlock(text, alias);
  if (at && at[1] <= oursAtTop(text)) return `${text.slice(0, at[0])}${block}\n${text.slice(at[1])}`;
  return `${block}\n${withoutBlock(text, alias)}`;
}

/** The text without our block. */
export function withoutBlock(text: string, alias: string): string {
  const at = findBlock(text, alias);
  return at ? `${text.slice(0, at[0])}${text.slice(at[1])}` : text;
}

/**
 * Keep an existing block of ours current when the VM was re-created (its
 * instance, found in the terraform state, changed). Never adds one, and never
 * follows a one-off address (`YOLOVM_HOST=... git yolo-push`): only `yolovm
 * ssh-config` writes the block for an address that has no instance.
 */
export function refreshSshConfig(s: Reached): void {
  if (!s.target.hostKeys?.instance) return;
  const file = userSshConfig();
  const text = readText(file);
  const alias = sshAlias(s.cfg.vm.value);
  if (text === undefined || !text.includes(begin(alias))) return;
  // The same instance at the same address: nothing to follow (and no ssh -G on every command).
  if (text.includes(`HostKeyAlias ${s.target.hostKeys.alias}\n`) && text.includes(`HostName ${s.target.host}\n`)) return;
  const next = withBlock(text, alias, renderBlock(s, carriedFor(s)));
  if (next === text) return;
  try {
    writeText(file, next);
    info(`Updated Host ${alias} in ${file} (VM at ${s.target.host})`);
  } catch (err) {
    debug(`could not update ${file}: ${(err as Error).message}`);
  }
}
