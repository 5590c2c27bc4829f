// The SSH layer used by every command: how ssh is invoked (batch mode, short
// timeouts, keep-alives, one shared connection per VM), and what its failures
// mean to a user. Host key checking is never weakened.
import { sha256 } from '../core/builtins.js';
import { lstatSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Config } from '../config/config.js';
import { EXIT, YolovmError } from '../core/errors.js';
import { controlTag, hostKeyOptions, type HostKeyPolicy } from './hostkeys.js';
import { runSync } from '../core/proc.js';
import { shqAll, splitWords } from '../core/shell.js';

export interface SshTarget {
  host: string;
  user: string;
  /** ssh program and all options, without destination or command. */
  command: string[];
  /** `user@host`, the same everywhere so connection sharing finds its socket. */
  destination: string;
  /** yolovm's own host key checking for this VM instance (undefined: OpenSSH's). */
  hostKeys?: HostKeyPolicy;
  /** The shared connection's control socket (undefined: no sharing). */
  socket?: string;
}

/**
 * What makes a connection lend the VM nothing of the host's: no agent (the VM
 * could use the user's keys while the connection lives), no X11, no Kerberos
 * credentials, and no port forwardings or tunnels from any config file (a
 * RemoteForward opens a port on the VM into the host). OpenSSH takes the first
 * value it finds, command line first: these come right after YOLOVM_SSH's words
 * (which may be a wrapper around ssh, and are the user's explicit choice), so
 * they win over every ssh_config. A shared
 * connection keeps what its master was given, and every command may become the
 * master: all of them pass these.
 */
export const LEND_NOTHING = [
  '-o',
  'ForwardAgent=no',
  '-o',
  'ForwardX11=no',
  '-o',
  'ForwardX11Trusted=no',
  '-o',
  'GSSAPIDelegateCredentials=no',
  '-o',
  'ClearAllForwardings=yes',
  '-o',
  'Tunnel=no',
];

/**
 * What a connection resolved by `ssh -G` would lend the other end: the agent,
 * X11, Kerberos credentials, forwarded ports, a tunnel. Empty: nothing.
 */
export function lentBy(sshG: string): string[] {
  const lent: string[] = [];
  for (const line of sshG.split('\n')) {
    const [key = '', ...rest] = line.trim().split(' ');
    const value = rest.join(' ');
    if (key === 'forwardagent' && value !== 'no') lent.push('your ssh agent (ForwardAgent)');
    else if (key === 'forwardx11' && value === 'yes') lent.push('your X display (ForwardX11)');
    else if (key === 'gssapidelegatecredentials' && value === 'yes') lent.push('your Kerberos credentials (GSSAPIDelegateCredentials)');
    else if (key === 'remoteforward') lent.push(`a port on the VM into this machine (RemoteForward ${value})`);
    else if (key === 'localforward') lent.push(`a port here into the VM (LocalForward ${value})`);
    else if (key === 'dynamicforward') lent.push(`a SOCKS proxy here into the VM's network (DynamicForward ${value})`);
    else if (key === 'tunnel' && value !== 'false') lent.push(`a network tunnel (Tunnel ${value})`);
  }
  return lent;
}

/** The user's own ssh command, without yolovm's options: what a plain `ssh` by their config does. */
export function plainSsh(cfg: Config): string[] {
  return splitWords(cfg.sshCommand.value) ?? ['ssh'];
}

/** `ssh -G` of `argv` for a destination (it connects nowhere): what ssh would use, or undefined when it cannot say. */
export function sshResolved(argv: readonly string[], destination: string): string | undefined {
  try {
    const r = runSync(argv[0] ?? 'ssh', [...argv.slice(1), '-G', destination]);
    return r.code === 0 ? r.stdout : undefined;
  } catch {
    return undefined;
  }
}

// A VM that froze under a shared connection is noticed within ~9 s (ServerAlive);
// ssh's fall-back to a fresh connection then gives up within 5 s (ConnectTimeout).
const BASE_OPTIONS = ['-o', 'BatchMode=yes', '-o', 'ConnectTimeout=5', '-o', 'ServerAliveInterval=3', '-o', 'ServerAliveCountMax=2'];

/** The private directory for control sockets: $XDG_RUNTIME_DIR/yolovm, else $TMPDIR/yolovm-<uid>. */
export function controlDir(env: NodeJS.ProcessEnv = process.env): string {
  const runtime = env.XDG_RUNTIME_DIR;
  const uid = process.getuid?.() ?? 0;
  const dir = runtime ? join(runtime, 'yolovm') : join(tmpdir(), `yolovm-${uid}`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = lstatSync(dir);
  // Like OpenSSH with its own files: refuse a directory someone else could use.
  if (!st.isDirectory() || st.uid !== uid || (st.mode & 0o077) !== 0) {
    throw new YolovmError(
      `Control socket directory ${dir} is not private (it must be a directory of yours with mode 0700)`,
      `Remove it (\`rm -r ${dir}\`) and run again, or set YOLOVM_CONTROL_PERSIST=no.`,
    );
  }
  return dir;
}

export function parseControlPersist(value: string, source: string): string {
  if (!/^(no|yes|([0-9]+[smhdwSMHDW]?)+)$/.test(value)) {
    throw new YolovmError(
      `Invalid connection persist time ${JSON.stringify(value)} (from ${source})`,
      'Use a time such as 300, 5m or 1h, or `no` to turn connection sharing off.',
    );
  }
  return value;
}

export function validateUser(value: string, source: string): string {
  if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(value)) {
    throw new YolovmError(
      `Invalid SSH user ${JSON.stringify(value)} (from ${source})`,
      'Set YOLOVM_USER or yolovm.user to a user name such as debian.',
    );
  }
  return value;
}

/** Build the ssh invocation from the configuration and the VM address. */
export function sshTarget(cfg: Config, host: string, env: NodeJS.ProcessEnv = process.env, hostKeys?: HostKeyPolicy): SshTarget {
  const user = validateUser(cfg.user.value, cfg.user.source);
  const words = splitWords(cfg.sshCommand.value);
  if (!words || words.length === 0) {
    throw new YolovmError(
      `Invalid ssh command ${JSON.stringify(cfg.sshCommand.value)} (from ${cfg.sshCommand.source})`,
      'Set it to a program and options, such as `ssh -F ~/.ssh/vm_config`.',
    );
  }
  const persist = parseControlPersist(cfg.controlPersist.value, cfg.controlPersist.source);
  const socket = controlPath(env, hostKeys, words, `${user}@${host}`);
  // The user's own options come first: for ssh the first value given wins.
  const sharing =
    persist === 'no'
      ? ['-o', 'ControlMaster=no', '-o', 'ControlPath=none']
      : ['-o', 'ControlMaster=auto', '-o', `ControlPath=${socket}`, '-o', `ControlPersist=${persist}`];
  const keys = hostKeys ? hostKeyOptions(hostKeys) : [];
  return {
    host,
    user,
    command: [...words, ...LEND_NOTHING, ...BASE_OPTIONS, ...keys, ...sharing],
    destination: `${user}@${host}`,
    hostKeys,
    socket: persist === 'no' ? undefined : socket,
  };
}

/**
 * The shared connection's socket: one per ssh command (YOLOVM_SSH's words,
 * which choose the config, port and keys), destination and VM instance. Named
 * by us, not by ssh's %C, so that a process can see whether it is there (connection.ts).
 */
export function controlPath(
  env: NodeJS.ProcessEnv,
  hostKeys: HostKeyPolicy | undefined,
  words: readonly string[],
  destination: string,
): string {
  const key = sha256(JSON.stringify([words, destination]), 'hex').slice(0, 24);
  return join(controlDir(env), `${key}${controlTag(hostKeys)}`);
}

/** The host as it goes into `user@host:path` and `ssh://user@host/`: an IPv6 address in brackets. */
export function hostInUrl(t: Pick<SshTarget, 'host'>): string {
  return t.host.includes(':') ? `[${t.host}]` : t.host;
}

/** argv (after the program) to run a remote command string on the VM. */
export function sshArgs(t: SshTarget, remoteCommand: string): string[] {
  return [...t.command.slice(1), '--', t.destination, remoteCommand];
}

/** The ssh invocation as one string for git's GIT_SSH_COMMAND and rsync's -e: every word quoted. */
export function sshCommandString(t: SshTarget): string {
  return shqAll(t.command);
}

// What ssh itself prints when it fails, by kind. These lines are held back from
// the user and replaced by one message of ours (they are shown when ssh did not fail).
const SSH_SAYS = {
  itself: ['ssh: ', 'kex_exchange_identification', 'banner exchange', 'Load key ', 'Bad owner or permissions'],
  connection: [
    'Connection (closed|reset|timed out|to .* closed)',
    'Timeout, server',
    'Received disconnect',
    'Disconnected from',
    'client_loop: send disconnect',
    'Shared connection to .* closed',
  ],
  auth: ['(\\S+@\\S+: )?Permission denied \\(', 'Password authentication is disabled', 'Keyboard-interactive authentication is disabled'],
  // The REMOTE HOST IDENTIFICATION HAS CHANGED box, line by line.
  hostKey: [
    'Host key verification failed',
    '@@@',
    '@ +WARNING',
    'IT IS POSSIBLE',
    'Someone could',
    'It is also possible',
    'The fingerprint for',
    'SHA256:',
    'Please contact your',
    'Add correct host key',
    'Offending .* key',
    ' {2}remove with:',
    ' {2}ssh-keygen ',
    'Host key for .* has changed',
    '.* host key for .* has changed',
    'No .* host key is known',
    'Warning: Permanently added',
    'Failed to add the host to the list of known hosts',
  ],
  sharing: ['mux_client_', 'Control socket connect', 'ControlSocket .* already exists', 'muxserver_listen'],
  config: [
    'Bad configuration option',
    '.*: line \\d+: ',
    'command-line line \\d+: ',
    "Can't open user config file",
    'no argument after keyword',
    'Unsupported option',
  ],
};

/** Lines ssh itself prints on failure; held back from the user and replaced by our message. */
export const SSH_ERROR_LINE = new RegExp(`^(${Object.values(SSH_SAYS).flat().join('|')})`);

/**
 * What an ssh failure (exit 255) means, from ssh's own messages. The VM side
 * never exits 255 in our scripts, so 255 is always ssh.
 */
export function sshFailure(stderr: string, t: Pick<SshTarget, 'host' | 'user' | 'hostKeys'>): YolovmError {
  const at = t.host;
  const s = stderr;
  const keys = t.hostKeys;
  if (keys && /REMOTE HOST IDENTIFICATION HAS CHANGED|host key for .* has changed|Host key verification failed/i.test(s)) {
    const remove = `ssh-keygen -f ${keys.file} -R ${keys.alias}`;
    if (keys.pinned) {
      return new YolovmError(
        `Host key of VM at ${at} does not match the key terraform publishes (${keys.pinned.source}): possible attack`,
        `Compare \`ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub\` on the VM's console with the output; if the output is stale, run \`terraform apply\` again.`,
        EXIT.ssh,
      );
    }
    return new YolovmError(
      `Host key of VM at ${at} changed but the VM was not re-created (instance ${keys.instance ?? '?'}): possible attack`,
      `Check the key on the VM's console (\`ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub\`); if you changed it on purpose, accept it with \`${remove}\` and run again.`,
      EXIT.ssh,
    );
  }
  if (/REMOTE HOST IDENTIFICATION HAS CHANGED|host key for .* has changed/i.test(s)) {
    const fix = /^\s*(ssh-keygen -f .* -R .*)$/m.exec(s)?.[1]?.trim() ?? `ssh-keygen -R ${at}`;
    return new YolovmError(
      `Host key of VM at ${at} has changed (was the VM re-created?)`,
      `If you re-created the VM, remove the old key with \`${fix}\` and run again; otherwise treat this as a possible attack.`,
      EXIT.ssh,
    );
  }
  if (/Host key verification failed/.test(s)) {
    return new YolovmError(
      `Host key of VM at ${at} is not known`,
      `Connect once with \`ssh ${t.user}@${at}\`, check the key and accept it, then run again.`,
      EXIT.ssh,
    );
  }
  if (/Permission denied \(/.test(s)) {
    return new YolovmError(
      `SSH authentication failed for ${t.user}@${at}`,
      `Check that your key is set up for the VM (\`ssh ${t.user}@${at}\`), or set YOLOVM_USER / YOLOVM_SSH.`,
      EXIT.ssh,
    );
  }
  const cannot = (why: string) =>
    new YolovmError(
      `Cannot connect to VM at ${at}: ${why}`,
      'Check that the VM is running (`virsh list`) and its address is current.',
      EXIT.ssh,
    );
  if (/Connection refused/.test(s)) return cannot('connection refused');
  if (/timed out|Operation timed out/i.test(s)) return cannot('connection timed out');
  if (/No route to host/.test(s)) return cannot('no route to host');
  if (/Network is unreachable/.test(s)) return cannot('network is unreachable');
  if (/Could not resolve hostname/.test(s)) return cannot('host name not found');
  if (
    /Timeout, server .* not responding|Connection reset|Broken pipe|closed by remote host|Connection closed|mux_client_|client_loop/.test(s)
  ) {
    return new YolovmError(
      `Lost the connection to VM at ${at}`,
      'Check that the VM is still running (`virsh list`), then run again.',
      EXIT.ssh,
    );
  }
  const last = s
    .trim()
    .split('\n')
    .filter((l) => l.trim() !== '')
    .pop();
  // Silent 255: the other end went away (its sshd was killed, the VM reset).
  if (last === undefined)
    return new YolovmError(
      `Lost the connection to VM at ${at}`,
      'Check that the VM is still running (`virsh list`), then run again.',
      EXIT.ssh,
    );
  return new YolovmError(
    `SSH to VM at ${at} failed: ${last.replace(/^ssh: /, '')}`,
    'Run with -v to see the ssh command, and try it by hand.',
    EXIT.ssh,
  );
}

export function sshNotFound(program: string): YolovmError {
  return new YolovmError(
    `${program} is not installed`,
    'Install the OpenSSH client (`sudo apt-get install openssh-client`), or set YOLOVM_SSH.',
  );
}
