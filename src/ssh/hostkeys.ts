// Host keys per VM instance. A VM re-created by terraform comes back at the same
// address with a new host key; OpenSSH would call that an attack. When the local
// terraform state says which instance the VM is (the libvirt_domain's id), yolovm
// checks keys itself, strictly, in its own known-hosts file, under an alias per
// instance (ssh's HostKeyAlias):
//   - a key terraform publishes (output vm_host_key) is pinned before connecting;
//   - else a new instance's first key is trusted (accept-new) and its fingerprint shown;
//   - the same instance with another key is refused (REMOTE HOST IDENTIFICATION HAS CHANGED).
// ~/.ssh/known_hosts is never read or written in this mode.
import { sha256 } from '../core/builtins.js';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Config, Setting } from '../config/config.js';
import { YolovmError } from '../core/errors.js';
import { debug } from '../core/log.js';
import { readText, stateDir, writeText } from '../config/state.js';
import type { VmFound } from '../config/terraform.js';

export interface HostKeyPolicy {
  /** The name ssh files the key under: yolovm-<instance id>. */
  alias: string;
  /** The libvirt_domain id, or undefined when only a pinned key is known. */
  instance: string | undefined;
  /** yolovm's known-hosts file. */
  file: string;
  /** The key terraform publishes, and the output it came from. */
  pinned: Setting | undefined;
  /** The alias has a key in the file: ssh checks strictly; else the first key is accepted. */
  known: boolean;
}

const INSTANCE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const PUBLIC_KEY = /^([a-z0-9][a-z0-9@.-]*) ([A-Za-z0-9+/]+={0,3})(?:\s.*)?$/;

export function knownHostsFile(): string {
  return join(stateDir(), 'known_hosts');
}

/** The known-hosts lines filed under `alias` (unhashed: yolovm writes with HashKnownHosts=no). */
export function entriesFor(text: string, alias: string): string[] {
  return text.split('\n').filter((line) => line.split(' ')[0] === alias);
}

/** OpenSSH's SHA256 fingerprint of a known-hosts or public-key line. */
export function fingerprint(line: string): string | undefined {
  const blob = line.split(' ').find((w, i, all) => i > 0 && PUBLIC_KEY.test(`${all[i - 1] ?? ''} ${w}`));
  if (!blob) return undefined;
  return `SHA256:${sha256(Buffer.from(blob, 'base64'), 'base64').replace(/=+$/, '')}`;
}

const readFile = (file: string): string => readText(file) ?? '';

/** Replace the lines filed under `alias` with `lines` (atomically; other VMs' lines kept). */
function rewrite(file: string, alias: string, lines: string[]): void {
  const kept = readFile(file)
    .split('\n')
    .filter((l) => l !== '' && l.split(' ')[0] !== alias);
  writeText(file, [...kept, ...lines, ''].join('\n'));
}

/**
 * How host keys are checked for this VM: undefined means OpenSSH's own way
 * (the address is not from a local terraform state, or yolovm.hostKeys = ssh).
 */
export function hostKeyPolicy(cfg: Config, found: VmFound): HostKeyPolicy | undefined {
  if (cfg.hostKeys.value === 'ssh') {
    debug(`host keys: OpenSSH's checking (${cfg.hostKeys.source} is ssh)`);
    return undefined;
  }
  const facts = found.facts;
  if (!facts) {
    debug(`host keys: OpenSSH's checking (the address comes from ${found.host.source}, which names no VM instance)`);
    return undefined;
  }
  let instance = facts.instance;
  if (instance !== undefined && !INSTANCE_ID.test(instance)) {
    debug(`host keys: ignoring the libvirt_domain id ${JSON.stringify(instance)} (not a plain id)`);
    instance = undefined;
  }
  const output = `terraform output ${cfg.hostKeyOutput.value} in ${facts.statePath}`;
  let pinned: Setting | undefined;
  if (facts.hostKey !== undefined) {
    const m = PUBLIC_KEY.exec(facts.hostKey);
    if (!m) {
      throw new YolovmError(
        `The host key in ${output} is not a public key line`,
        'Publish the VM host key as "<type> <base64>", e.g. the contents of /etc/ssh/ssh_host_ed25519_key.pub.',
      );
    }
    pinned = { value: `${m[1] ?? ''} ${m[2] ?? ''}`, source: output };
  }
  if (instance === undefined && !pinned) {
    debug(`host keys: OpenSSH's checking (${facts.noInstance ?? 'no VM instance id'})`);
    return undefined;
  }
  const file = knownHostsFile();
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 }); // ssh records a first key, but makes no directory
  const alias = `yolovm-${instance ?? `${cfg.vm.value}-pinned`}`;
  if (pinned) {
    const want = `${alias} ${pinned.value}`;
    const have = entriesFor(readFile(file), alias);
    if (have.length !== 1 || have[0] !== want) rewrite(file, alias, [want]);
    debug(`host keys: pinned to ${fingerprint(want) ?? '?'} from ${pinned.source}, as ${alias} in ${file}`);
    return { alias, instance, file, pinned, known: true };
  }
  const known = entriesFor(readFile(file), alias).length > 0;
  debug(`host keys: VM instance ${instance ?? ''} (${known ? 'key known' : 'first contact'}), as ${alias} in ${file}`);
  return { alias, instance, file, pinned, known };
}

/** ssh options for the policy; ours come after the user's words (and beat ~/.ssh/config). */
export function hostKeyOptions(p: HostKeyPolicy): string[] {
  return [
    ...['-o', `HostKeyAlias=${p.alias}`, '-o', `UserKnownHostsFile=${p.file}`],
    // First contact: ssh's "Permanently added" warning is replaced by our message with the fingerprint.
    ...(p.known ? ['-o', 'StrictHostKeyChecking=yes'] : ['-o', 'StrictHostKeyChecking=accept-new', '-o', 'LogLevel=ERROR']),
    // Readable entries (Debian's ssh_config hashes them), only the key ssh checked, no address entries.
    ...['-o', 'HashKnownHosts=no', '-o', 'UpdateHostKeys=no', '-o', 'CheckHostIP=no'],
  ];
}

/** A short tag of the instance for the control socket's name: a re-created VM never reuses the old master. */
export function controlTag(p: HostKeyPolicy | undefined): string {
  return p ? `-${sha256(p.alias, 'hex').slice(0, 8)}` : '';
}

/** After a first contact: the key ssh recorded, as a fingerprint (undefined when nothing was recorded). */
export function recordedFingerprint(p: HostKeyPolicy): string | undefined {
  const line = entriesFor(readFile(p.file), p.alias)[0];
  return line === undefined ? undefined : fingerprint(line);
}
