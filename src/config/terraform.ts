// The VM's address: YOLOVM_HOST / yolovm.host, else the terraform output. The
// local state file is read directly when it can be (no terraform start-up, which
// costs a second); otherwise `terraform output -json <name>` is asked. A local
// state also says which VM instance this is (the libvirt_domain's id, new when
// the VM is re-created) and may publish its host key: hostkeys.ts uses both.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Config, Setting } from './config.js';
import { expandHome, unknownVm } from './config.js';
import { shown, YolovmError } from '../core/errors.js';
import { debug } from '../core/log.js';
import { CommandNotFound, runSync, type RunResult } from '../core/proc.js';

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

interface DomainAttributes {
  id?: unknown;
  name?: unknown;
  network_interface?: { addresses?: unknown }[];
}

interface StateFile {
  outputs?: Record<string, { value?: unknown }>;
  resources?: {
    type?: string;
    mode?: string;
    name?: string;
    instances?: { index_key?: unknown; attributes?: DomainAttributes }[];
  }[];
}

/** `terraform show -json`: the same domains, in another shape (a remote state is read this way). */
interface ShowJson {
  values?: { outputs?: Record<string, { value?: unknown }>; root_module?: ShowModule };
}
interface ShowModule {
  resources?: { type?: string; mode?: string; name?: string; index?: unknown; values?: DomainAttributes }[];
  child_modules?: ShowModule[];
}

/** One VM of a fleet: a libvirt_domain instance of the terraform state that has an address. */
export interface FleetVm {
  /** Its domain's `name` when that is a valid VM name, else the resource address made one (agent-0). */
  name: string;
  address: string;
  /** The domain's id (host keys are per instance). */
  instance: string;
  /** Where it is in terraform: libvirt_domain.agent[0]. */
  resource: string;
}

const FLEET_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/;

/** The resource address in terraform's form, and the VM name made of it when the domain's own name will not do. */
function resourceAddress(name: string, key: unknown): { address: string; asName: string } {
  const k = typeof key === 'number' ? String(key) : typeof key === 'string' ? key : undefined;
  const address = `libvirt_domain.${name}${k === undefined ? '' : typeof key === 'number' ? `[${k}]` : `["${k}"]`}`;
  const asName = `${name}${k === undefined ? '' : `-${k}`}`
    .replace(/[^A-Za-z0-9_-]+/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '')
    .slice(0, 63);
  return { address, asName };
}

/** The first address of a domain that is a host name or IP ssh can take. */
function firstAddress(attrs: DomainAttributes | undefined): string | undefined {
  for (const n of attrs?.network_interface ?? []) {
    for (const a of Array.isArray(n.addresses) ? (n.addresses as unknown[]) : []) {
      if (typeof a !== 'string' || a.trim() === '') continue;
      try {
        return validateHost(a.trim(), 'the terraform state');
      } catch {
        continue;
      }
    }
  }
  return undefined;
}

function fleetOf(domains: { resName: string; key: unknown; attrs: DomainAttributes | undefined }[]): FleetVm[] {
  const out: FleetVm[] = [];
  const taken = new Set<string>();
  for (const d of domains) {
    const id = d.attrs?.id;
    const address = firstAddress(d.attrs);
    if (typeof id !== 'string' || id === '' || address === undefined) continue;
    const { address: resource, asName } = resourceAddress(d.resName, d.key);
    const own = typeof d.attrs?.name === 'string' ? d.attrs.name : '';
    let name = FLEET_NAME.test(own) && own !== 'default' ? own : asName;
    // Two domains of one name (or a name the resource address also makes): the later one is told apart.
    const free = (n: string) => n !== '' && n !== 'default' && !taken.has(n);
    if (!free(name)) name = asName;
    for (let n = 2; !free(name); n++) name = `${asName || 'vm'}-${String(n)}`;
    taken.add(name);
    out.push({ name, address, instance: id, resource });
  }
  return out;
}

/** The fleet in a state file's text: every managed libvirt_domain instance with an id and an address. */
export function fleetFromState(text: string): FleetVm[] {
  const state = JSON.parse(text) as StateFile;
  return fleetOf(
    (state.resources ?? [])
      .filter((r) => r.type === 'libvirt_domain' && (r.mode ?? 'managed') === 'managed')
      .flatMap((r) => (r.instances ?? []).map((i) => ({ resName: r.name ?? 'domain', key: i.index_key, attrs: i.attributes }))),
  );
}

/** The fleet in `terraform show -json` output (root module and child modules). */
export function fleetFromShow(text: string): FleetVm[] {
  const show = JSON.parse(text) as ShowJson;
  const all: { resName: string; key: unknown; attrs: DomainAttributes | undefined }[] = [];
  const walk = (m: ShowModule | undefined) => {
    for (const r of m?.resources ?? [])
      if (r.type === 'libvirt_domain' && (r.mode ?? 'managed') === 'managed')
        all.push({ resName: r.name ?? 'domain', key: r.index, attrs: r.values });
    for (const c of m?.child_modules ?? []) walk(c);
  };
  walk(show.values?.root_module);
  return fleetOf(all);
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

/** The terraform program: yolovm.terraformCommand, else `terraform`, else OpenTofu's `tofu`. */
function runTerraform(cfg: Config, dir: string, args: readonly string[]): RunResult {
  const opts = { cwd: dir, env: { ...process.env, TF_IN_AUTOMATION: '1' } };
  const named = cfg.terraformCommand.value.trim();
  try {
    if (named !== '') return runSync(named, args, opts);
    try {
      return runSync('terraform', args, opts);
    } catch (err) {
      if (!(err instanceof CommandNotFound)) throw err;
      debug('terraform is not installed: trying tofu');
      return runSync('tofu', args, opts);
    }
  } catch (err) {
    if (err instanceof CommandNotFound) {
      throw new YolovmError(
        `${named || 'terraform (or tofu)'} is not installed, and ${dir} has no local state file to read`,
        named
          ? `Install it, or point yolovm.terraformCommand (${cfg.terraformCommand.source}) at the program.`
          : 'Install terraform or OpenTofu, or set YOLOVM_HOST to the VM address.',
      );
    }
    throw err;
  }
}

/** terraform's error, without its box drawing and its warnings about its own CLI configuration. */
function terraformWhy(r: RunResult): string {
  const lines = r.stderr.split('\n').map((l) => l.replace(/^[│╷╵\s]+/, '').trim());
  return (
    lines.find((l) => l.startsWith('Error:')) ??
    lines.find((l) => l !== '' && !/^Warning|There are some problems with the CLI/.test(l)) ??
    `exit ${String(r.code)}`
  );
}

function fromTerraform(cfg: Config, dir: string, output: string): string {
  const ref = parseOutputName(output, 'the caller');
  const name = ref.name;
  // -json, not -raw: with no state, -raw prints a warning on stdout and exits 0.
  const r = runTerraform(cfg, dir, ['output', '-no-color', '-json', name]);
  if (r.code !== 0)
    throw new YolovmError(`VM IP not available: terraform output ${name} failed in ${dir}: ${terraformWhy(r)}`, NO_ADDRESS_HINT);
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
  if (cfg.vm.fleet && !cfg.host) return fromFleet(cfg);
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
  checkTerraformDir(cfg, dir);
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
  return { host: { value: checkAddress(fromTerraform(cfg, dir, name), where), source: where } };
}

function checkTerraformDir(cfg: Config, dir: string): void {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new YolovmError(
      `Terraform directory ${shown(dir)} not found (from ${cfg.terraformDir.source})`,
      'Set YOLOVM_TERRAFORM_DIR or `git config --global yolovm.terraformDir DIR` (or ./install --yolo-vm DIR), or set YOLOVM_HOST.',
    );
  }
}

export interface Fleet {
  vms: FleetVm[];
  /** Where it was read: the local state file, or `terraform show` in the directory. */
  where: string;
  /** The local state file, when there is one (host keys name it). */
  statePath: string | undefined;
}

const fleets = new Map<string, Fleet>();

/**
 * The fleet of the terraform directory: from the local state file, else with
 * one `terraform show -json` (a remote state); read once per command.
 */
export function readFleet(cfg: Config, { localOnly = false }: { localOnly?: boolean } = {}): Fleet {
  const dir = expandHome(cfg.terraformDir.value);
  const known = fleets.get(dir);
  if (known) return known;
  checkTerraformDir(cfg, dir);
  const statePath = localStatePath(dir);
  // (Tab completion reads local files only: no terraform start-up, no remote state.)
  if (localOnly && !(statePath && existsSync(statePath))) return { vms: [], where: dir, statePath: undefined };
  let fleet: Fleet;
  if (statePath && existsSync(statePath)) {
    debug(`reading the fleet in terraform state ${statePath}`);
    try {
      fleet = { vms: fleetFromState(readFileSync(statePath, 'utf8')), where: statePath, statePath };
    } catch (err) {
      throw new YolovmError(
        `Cannot read terraform state ${statePath}: ${(err as Error).message}`,
        'Check the file, or run `terraform show` in the terraform dir.',
      );
    }
  } else {
    debug(`no local terraform state in ${dir}: asking terraform show -json`);
    const r = runTerraform(cfg, dir, ['show', '-no-color', '-json']);
    if (r.code !== 0) throw new YolovmError(`Cannot read the terraform state in ${dir}: ${terraformWhy(r)}`, NO_ADDRESS_HINT);
    try {
      fleet = { vms: fleetFromShow(r.stdout), where: `terraform show in ${dir}`, statePath: undefined };
    } catch {
      throw new YolovmError(`terraform show -json in ${dir} printed no state`, NO_ADDRESS_HINT);
    }
  }
  fleets.set(dir, fleet);
  return fleet;
}

/** A VM named by the fleet (not configured): its address and instance from the state. */
function fromFleet(cfg: Config): VmFound {
  let fleet: Fleet | undefined;
  try {
    fleet = readFleet(cfg);
  } catch (err) {
    // No terraform state to read: then the name is simply not known.
    if (!(err instanceof YolovmError)) throw err;
    debug(`no fleet: ${err.message}`);
  }
  const vm = fleet?.vms.find((v) => v.name === cfg.vm.value);
  if (!fleet || !vm) throw unknownVm(cfg.vm.value, cfg.vm.source, [...cfg.configuredVms, ...(fleet?.vms.map((v) => v.name) ?? [])]);
  const host = { value: vm.address, source: `${vm.resource} in ${fleet.where}` };
  return { host, facts: { instance: vm.instance, statePath: fleet.where } };
}
