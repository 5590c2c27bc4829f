// The VM's address: YOLOVM_HOST / yolovm.host, else the terraform output. The
// local state file is read directly when it can be (no terraform start-up, which
// costs a second); otherwise `terraform output -json <name>` is asked. A local
// state also says which VM instance this is (the libvirt_domain's id, new when
// the VM is re-created) and may publish its host key: hostkeys.ts uses both.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Config, Setting } from './config.js';
import { expandHome } from './config.js';
import { shown, YolovmError } from '../core/errors.js';
import { debug } from '../core/log.js';
import { CommandNotFound, runSync } from '../core/proc.js';

const NO_ADDRESS_HINT = 'Run `terraform apply` (or `./vm-up.sh`) in the terraform dir, or set YOLOVM_HOST.';

/** Host names and IP addresses only: nothing ssh could read as an option. */
export function validateHost(value: string, source: string): string {
  if (!/^[A-Za-z0-9_.:%[\]-]+$/.test(value) || value.startsWith('-')) {
    throw new YolovmError(
      `Invalid VM address ${JSON.stringify(value)} (from ${source})`,
      'Set it to a host name or IP address, such as 192.168.122.10.',
    );
  }
  return value.replace(/^\[(.*)\]$/, '$1');
}

export function checkAddress(raw: string, where: string): string {
  const value = raw.trim();
  if (value === '' || value === 'IP not yet assigned') {
    throw new YolovmError(`VM IP not available (${where} is ${value === '' ? 'empty' : `"${value}"`})`, NO_ADDRESS_HINT);
  }
  return validateHost(value, where);
}

interface StateFile {
  outputs?: Record<string, { value?: unknown }>;
  resources?: {
    type?: string;
    mode?: string;
    instances?: { index_key?: unknown; attributes?: { id?: unknown; network_interface?: { addresses?: unknown }[] } }[];
  }[];
}

/** An output name, optionally one element of a list or map output: `vm_ip`, `vm_ips[1]`, `vm_ips["agent2"]`. */
const OUTPUT_NAME = /^([A-Za-z_][A-Za-z0-9_-]*)(?:\[(?:([0-9]+)|"([A-Za-z0-9_.-]+)")\])?$/;

export function parseOutputName(text: string, source: string): { name: string; index?: number | string } {
  const m = OUTPUT_NAME.exec(text);
  if (!m?.[1]) {
    throw new YolovmError(
      `Invalid terraform output name ${JSON.stringify(text)} (from ${source})`,
      'Set it to the name of an output of your terraform config, such as vm_ip (or vm_ips[1] for one of a list).',
    );
  }
  if (m[2] !== undefined) return { name: m[1], index: Number(m[2]) };
  if (m[3] !== undefined) return { name: m[1], index: m[3] };
  return { name: m[1] };
}

/** One element of an output value, as parseOutputName named it. */
function pickElement(value: unknown, ref: { name: string; index?: number | string }): unknown {
  if (ref.index === undefined || value === undefined || value === null) return value;
  if (typeof ref.index === 'number') return Array.isArray(value) ? (value as unknown[])[ref.index] : undefined;
  return typeof value === 'object' ? (value as Record<string, unknown>)[ref.index] : undefined;
}

function scalar(value: unknown, name: string, hint: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new YolovmError(`Terraform output '${name}' is not a string`, hint);
}

const ADDRESS_OUTPUT_HINT = 'Point yolovm.terraformOutput at an output holding the VM address (vm_ips[0] picks one of a list).';

/** What a local state says about the VM beyond its address. */
export interface StateFacts {
  /** The VM instance: the libvirt_domain's id (its UUID), when the state says which one it is. */
  instance?: string;
  /** Why there is no instance, for -v. */
  noInstance?: string;
  /** A host key published by terraform (`<type> <base64>`), when the output exists. */
  hostKey?: string;
}

/**
 * Which libvirt_domain is the VM at `address`: the only one, else the one whose
 * network interface has that address (count/for_each with several VMs).
 */
export function stateFacts(text: string, address: string, hostKeyOutput: string): StateFacts {
  const state = JSON.parse(text) as StateFile;
  const hostKey = scalar(pickElement(state.outputs?.[hostKeyOutput]?.value, { name: hostKeyOutput }), hostKeyOutput, 'Make it a string.');
  const domains = (state.resources ?? [])
    .filter((r) => r.type === 'libvirt_domain' && (r.mode ?? 'managed') === 'managed')
    .flatMap((r) => r.instances ?? [])
    .map((i) => ({
      id: typeof i.attributes?.id === 'string' ? i.attributes.id : undefined,
      addresses: (i.attributes?.network_interface ?? []).flatMap((n) => (Array.isArray(n.addresses) ? (n.addresses as unknown[]) : [])),
    }))
    .filter((d): d is { id: string; addresses: unknown[] } => d.id !== undefined && d.id !== '');
  const facts: StateFacts = hostKey !== undefined && hostKey.trim() !== '' ? { hostKey: hostKey.trim() } : {};
  if (domains.length === 0) return { ...facts, noInstance: 'the state has no libvirt_domain' };
  const chosen = domains.length === 1 ? domains[0] : domains.find((d) => d.addresses.includes(address));
  if (!chosen) return { ...facts, noInstance: `none of the ${String(domains.length)} libvirt_domains has address ${address}` };
  return { ...facts, instance: chosen.id };
}

/** Where the local state lives, or undefined when the state is not local. */
export function localStatePath(dir: string): string | undefined {
  const backendFile = join(dir, '.terraform', 'terraform.tfstate');
  let statePath = join(dir, 'terraform.tfstate');
  if (existsSync(backendFile)) {
    try {
      const backend = JSON.parse(readFileSync(backendFile, 'utf8')) as { backend?: { type?: string; config?: { path?: string | null } } };
      const type = backend.backend?.type;
      if (type && type !== 'local') return undefined;
      const configured = backend.backend?.config?.path;
      if (configured) statePath = join(dir, configured);
    } catch {
      return undefined;
    }
  }
  const envFile = join(dir, '.terraform', 'environment');
  const workspace = existsSync(envFile) ? readFileSync(envFile, 'utf8').trim() : 'default';
  if (workspace !== '' && workspace !== 'default') return join(dir, 'terraform.tfstate.d', workspace, 'terraform.tfstate');
  return statePath;
}

/** The output's value from a state file's text, as `terraform output -raw` prints it. */
export function outputFromState(text: string, name: string): string | undefined {
  const ref = parseOutputName(name, 'the caller');
  const state = JSON.parse(text) as StateFile;
  return scalar(pickElement(state.outputs?.[ref.name]?.value, ref), name, ADDRESS_OUTPUT_HINT);
}

function fromTerraform(dir: string, output: string): string {
  const ref = parseOutputName(output, 'the caller');
  const name = ref.name;
  let r;
  try {
    // -json, not -raw: with no state, -raw prints a warning on stdout and exits 0.
    r = runSync('terraform', ['output', '-no-color', '-json', name], { cwd: dir, env: { ...process.env, TF_IN_AUTOMATION: '1' } });
  } catch (err) {
    if (err instanceof CommandNotFound) {
      throw new YolovmError(
        `terraform is not installed, and ${dir} has no local state file to read`,
        'Install terraform, or set YOLOVM_HOST to the VM address.',
      );
    }
    throw err;
  }
  if (r.code !== 0) {
    // Skip terraform's box drawing and its warnings about its own CLI configuration.
    const lines = r.stderr.split('\n').map((l) => l.replace(/^[│╷╵\s]+/, '').trim());
    const why =
      lines.find((l) => l.startsWith('Error:')) ??
      lines.find((l) => l !== '' && !/^Warning|There are some problems with the CLI/.test(l)) ??
      `exit ${r.code}`;
    throw new YolovmError(`VM IP not available: terraform output ${name} failed in ${dir}: ${why}`, NO_ADDRESS_HINT);
  }
  let value: unknown;
  try {
    value = JSON.parse(r.stdout);
  } catch {
    throw new YolovmError(`VM IP not available: terraform output ${name} in ${dir} printed no value`, NO_ADDRESS_HINT);
  }
  return scalar(pickElement(value, ref), output, ADDRESS_OUTPUT_HINT) ?? '';
}

/** Where the VM is, and, from a local terraform state, which instance it is. */
export interface VmFound {
  host: Setting;
  /** Read from a local terraform state (undefined: YOLOVM_HOST, or a remote state). */
  facts?: StateFacts & { statePath: string };
}

/** Find the VM (first found wins), as docs/contract.md "Finding the VM" says. */
export function findVm(cfg: Config): VmFound {
  if (cfg.host) return { host: { value: validateHost(cfg.host.value.trim(), cfg.host.source), source: cfg.host.source } };
  const dir = expandHome(cfg.terraformDir.value);
  const name = cfg.terraformOutput.value;
  parseOutputName(name, cfg.terraformOutput.source);
  const keyOutput = cfg.hostKeyOutput.value;
  if (parseOutputName(keyOutput, cfg.hostKeyOutput.source).index !== undefined) {
    throw new YolovmError(
      `Invalid terraform output name ${JSON.stringify(keyOutput)} (from ${cfg.hostKeyOutput.source})`,
      'Name an output holding one host key (a named VM has its own: yolovm.<name>.hostKeyOutput).',
    );
  }
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new YolovmError(
      `Terraform directory ${shown(dir)} not found (from ${cfg.terraformDir.source})`,
      'Set YOLOVM_TERRAFORM_DIR or `git config --global yolovm.terraformDir DIR` (or ./install --yolo-vm DIR), or set YOLOVM_HOST.',
    );
  }
  const statePath = localStatePath(dir);
  if (statePath && existsSync(statePath)) {
    debug(`reading terraform state ${statePath}`);
    let raw: string | undefined;
    let text = '';
    try {
      text = readFileSync(statePath, 'utf8');
      raw = outputFromState(text, name);
    } catch (err) {
      if (err instanceof YolovmError) throw err;
      throw new YolovmError(
        `Cannot read terraform state ${statePath}: ${(err as Error).message}`,
        'Check the file, or run `terraform output` in the terraform dir to see what is wrong.',
      );
    }
    const where = `terraform output ${name} in ${statePath}`;
    if (raw === undefined) throw new YolovmError(`VM IP not available (${where} is not set)`, NO_ADDRESS_HINT);
    const host = { value: checkAddress(raw, where), source: where };
    return { host, facts: { ...stateFacts(text, host.value, keyOutput), statePath } };
  }
  debug(`no local terraform state in ${dir}: asking terraform`);
  const where = `terraform output ${name} in ${dir}`;
  return { host: { value: checkAddress(fromTerraform(dir, name), where), source: where } };
}
