// The VM's address: YOLOVM_HOST / yolovm.host, else the terraform output. The
// local state file is read directly when it can be (no terraform start-up, which
// costs a second); otherwise `terraform output -raw <name>` is asked.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Config, Setting } from './config.js';
import { expandHome } from './config.js';
import { shown, YolovmError } from './errors.js';
import { debug } from './log.js';
import { CommandNotFound, runSync } from './proc.js';

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
  const state = JSON.parse(text) as StateFile;
  const value = state.outputs?.[name]?.value;
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new YolovmError(`Terraform output '${name}' is not a string`, 'Point yolovm.terraformOutput at an output holding the VM address.');
}

function fromTerraform(dir: string, name: string): string {
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
  if (value === null || value === undefined) return '';
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new YolovmError(`Terraform output '${name}' is not a string`, 'Point yolovm.terraformOutput at an output holding the VM address.');
}

/** Resolve the VM address (first found wins), as docs/contract.md "Finding the VM" says. */
export function vmAddress(cfg: Config): Setting {
  if (cfg.host) return { value: validateHost(cfg.host.value.trim(), cfg.host.source), source: cfg.host.source };
  const dir = expandHome(cfg.terraformDir.value);
  const name = cfg.terraformOutput.value;
  if (!/^[A-Za-z_][A-Za-z0-9_-]*$/.test(name)) {
    throw new YolovmError(
      `Invalid terraform output name ${JSON.stringify(name)} (from ${cfg.terraformOutput.source})`,
      'Set it to the name of an output of your terraform config, such as vm_ip.',
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
    try {
      raw = outputFromState(readFileSync(statePath, 'utf8'), name);
    } catch (err) {
      if (err instanceof YolovmError) throw err;
      throw new YolovmError(
        `Cannot read terraform state ${statePath}: ${(err as Error).message}`,
        'Check the file, or run `terraform output` in the terraform dir to see what is wrong.',
      );
    }
    const where = `terraform output ${name} in ${statePath}`;
    if (raw === undefined) throw new YolovmError(`VM IP not available (${where} is not set)`, NO_ADDRESS_HINT);
    return { value: checkAddress(raw, where), source: where };
  }
  debug(`no local terraform state in ${dir}: asking terraform`);
  const where = `terraform output ${name} in ${dir}`;
  return { value: checkAddress(fromTerraform(dir, name), where), source: where };
}
