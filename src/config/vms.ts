// Every VM this host knows: the default one, those configured under
// yolovm.<name>.*, and the fleet the terraform state holds (each libvirt_domain
// instance with an address). A configured name wins over a fleet VM of the same
// name; the default VM is left out when it is one of the others (same address).
import { DEFAULT_VM, loadConfig, readGitConfig, type Config, type Setting } from './config.js';
import { findVm, readFleet } from './terraform.js';
import { YolovmError } from '../core/errors.js';
import { debug } from '../core/log.js';

export interface KnownVm {
  name: string;
  /** Undefined when it has no address now (`why` says what is wrong). */
  address: string | undefined;
  instance: string | undefined;
  /** Where it came from: `default`, `git config yolovm.<name>.*`, `libvirt_domain.agent[1] in <state>`. */
  from: string;
  why?: string;
}

/** Where a configured VM is, or why not: one VM's trouble never hides the others. */
function located(name: string, from: string, cfg: () => Config): KnownVm {
  try {
    const found = findVm(cfg());
    return { name, address: found.host.value, instance: found.facts?.instance, from };
  } catch (err) {
    if (!(err instanceof YolovmError)) throw err;
    return { name, address: undefined, instance: undefined, from, why: err.message };
  }
}

export function knownVms(inRepository: boolean, gitConfig: Map<string, Setting> = readGitConfig(inRepository)): KnownVm[] {
  const base = loadConfig(inRepository, { name: DEFAULT_VM, source: 'yolovm vms' }, gitConfig);
  let fleet: KnownVm[] = [];
  try {
    const f = readFleet(base);
    fleet = f.vms.map((v) => ({ name: v.name, address: v.address, instance: v.instance, from: `${v.resource} in ${f.where}` }));
  } catch (err) {
    if (!(err instanceof YolovmError)) throw err;
    debug(`no fleet: ${err.message}`);
  }
  const configured = base.configuredVms.map((name) =>
    located(name, `git config yolovm.${name}.*`, () => loadConfig(inRepository, { name, source: 'yolovm vms' }, gitConfig)),
  );
  const named = [...configured, ...fleet.filter((f) => !base.configuredVms.includes(f.name))];
  const def = located(DEFAULT_VM, 'default', () => base);
  // The default VM is worth its own line when it is a machine of its own, or when it is all there is.
  const same = def.address !== undefined && named.some((v) => v.address === def.address && v.instance === def.instance);
  const withDefault = named.length === 0 || (def.address !== undefined && !same);
  return withDefault ? [def, ...named] : named;
}

/** The names `--all-vms` means: every known VM that has an address. */
export function allVmNames(inRepository: boolean): string[] {
  return knownVms(inRepository)
    .filter((v) => v.address !== undefined)
    .map((v) => v.name);
}

/** The fleet's VM names for the default VM's terraform directory ([] when there is none to read). */
export function fleetVmNames(base: Config, localOnly = false): string[] {
  try {
    return readFleet(base, { localOnly }).vms.map((v) => v.name);
  } catch (err) {
    if (!(err instanceof YolovmError)) throw err;
    return [];
  }
}

/** VM names for tab completion: configured ones and a local state's fleet; no terraform, no ssh. */
export function completionVmNames(): string[] {
  const base = loadConfig(true, { name: DEFAULT_VM, source: 'completion' });
  return [...new Set([DEFAULT_VM, ...base.configuredVms, ...fleetVmNames(base, true)])];
}
