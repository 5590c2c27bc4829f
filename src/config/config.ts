// Settings, first found wins: environment, then git config (repository, then
// global), then defaults. Each value remembers where it came from for -v.
// A named VM's own settings (`yolovm.<name>.<key>`) come before all of those;
// the settings that say which machine it is (address, terraform output) are
// never taken from the default VM's.
import { homedir } from 'node:os';
import { debug } from '../core/log.js';
import { runGit, runGitAsync, type RunResult } from '../core/proc.js';
import { shown, YolovmError } from '../core/errors.js';

let cliVm: VmRequest | undefined;

/** `--vm <name>` on a command line: checked against the configuration when it is read. */
export function setVmRequest(name: string): void {
  cliVm = { name, source: '--vm' };
}

/** The --vm given on this command line, if any (passed on to the helper git starts). */
export function vmRequest(): VmRequest | undefined {
  return cliVm;
}

export interface Setting {
  value: string;
  source: string;
}

export interface Config {
  host: Setting | undefined; // undefined: ask terraform
  terraformDir: Setting;
  terraformOutput: Setting;
  /** The terraform program: '' finds `terraform`, else `tofu` (OpenTofu). */
  terraformCommand: Setting;
  user: Setting;
  workspace: Setting;
  sshCommand: Setting;
  controlPersist: Setting;
  /** `ssh`: OpenSSH's own host key checking; anything else: yolovm's, per VM instance (hostkeys.ts). */
  hostKeys: Setting;
  /** The terraform output that may publish the VM's host key (pinned when present). */
  hostKeyOutput: Setting;
  /** Which VM: `default`, a name configured under yolovm.<name>.*, or (`fleet`) one the terraform state may name. */
  vm: Setting & { fleet?: true };
  /** The names configured under yolovm.<name>.*. */
  configuredVms: string[];
  /** git's protocol.version: the helper starts upload-pack in v2 unless it is 0 or 1. */
  protocolVersion: string;
  /** The VM location this repository was first pushed to with git yolo-push (git config yolovm.subpath). */
  subpath: Setting | undefined;
  /** `yolovm.allowSecrets`: patterns of secret-like files that may go to the VM (space-separated). */
  allowSecrets: string[];
  /** This repository's hash algorithm (extensions.objectFormat): a first push creates the VM repository with it. */
  objectFormat: 'sha1' | 'sha256';
  /** `yolovm.recurseSubmodules`: git yolo-push sends submodules unless --no-recurse-submodules. */
  recurseSubmodules: boolean;
}

type Key = Exclude<
  keyof Config,
  'protocolVersion' | 'subpath' | 'objectFormat' | 'allowSecrets' | 'vm' | 'recurseSubmodules' | 'configuredVms'
>;

/** The default VM's name (in hand-off refs and messages). */
export const DEFAULT_VM = 'default';

// `identifies`: which machine this is; a named VM never inherits it from the default VM.
const TABLE: Record<Key, { env: string; git: string; fallback: (() => string) | undefined; identifies?: true }> = {
  host: { env: 'YOLOVM_HOST', git: 'yolovm.host', fallback: undefined, identifies: true },
  terraformDir: { env: 'YOLOVM_TERRAFORM_DIR', git: 'yolovm.terraformDir', fallback: () => `${homedir()}/yolo-vm` },
  terraformOutput: { env: 'YOLOVM_TERRAFORM_OUTPUT', git: 'yolovm.terraformOutput', fallback: () => 'vm_ip', identifies: true },
  terraformCommand: { env: 'YOLOVM_TERRAFORM_COMMAND', git: 'yolovm.terraformCommand', fallback: () => '' },
  hostKeyOutput: { env: 'YOLOVM_HOST_KEY_OUTPUT', git: 'yolovm.hostKeyOutput', fallback: () => 'vm_host_key', identifies: true },
  hostKeys: { env: 'YOLOVM_HOST_KEYS', git: 'yolovm.hostKeys', fallback: () => 'yolovm' },
  user: { env: 'YOLOVM_USER', git: 'yolovm.user', fallback: () => 'debian' },
  workspace: { env: 'YOLOVM_WORKSPACE', git: 'yolovm.workspace', fallback: () => '~/workspace' },
  sshCommand: { env: 'YOLOVM_SSH', git: 'yolovm.sshCommand', fallback: () => 'ssh' },
  controlPersist: { env: 'YOLOVM_CONTROL_PERSIST', git: 'yolovm.controlPersist', fallback: () => '5m' },
};

/** A git config key as stored: section and variable are case-insensitive, a subsection (the VM name) is not. */
function normalKey(key: string): string {
  const first = key.indexOf('.');
  const last = key.lastIndexOf('.');
  if (first === last) return key.toLowerCase();
  return `${key.slice(0, first).toLowerCase()}${key.slice(first, last)}${key.slice(last).toLowerCase()}`;
}

/** Parse `git config -z --show-origin --get-regexp` output: later entries win. */
export function parseGitConfigZ(out: string): Map<string, Setting> {
  const found = new Map<string, Setting>();
  const fields = out.split('\0');
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const origin = fields[i] ?? '';
    const entry = fields[i + 1] ?? '';
    const nl = entry.indexOf('\n');
    const key = normalKey(nl < 0 ? entry : entry.slice(0, nl));
    const value = nl < 0 ? 'true' : entry.slice(nl + 1);
    found.set(key, { value, source: `git config ${key} (${origin.replace(/^file:/, '')})` });
  }
  return found;
}

const VM_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/;
const PER_VM_KEYS = new Set([...Object.values(TABLE).map((t) => t.git.slice('yolovm.'.length).toLowerCase()), 'subpath']);

/** The VMs configured under yolovm.<name>.* (names that could be chosen), in order. */
export function configuredVms(gitConfig: Map<string, Setting>): string[] {
  const names = new Set<string>();
  for (const key of gitConfig.keys()) {
    const m = /^yolovm\.(.+)\.([^.]+)$/.exec(key);
    if (m?.[1] && VM_NAME.test(m[1]) && m[1] !== DEFAULT_VM && PER_VM_KEYS.has(m[2] ?? '')) names.add(m[1]);
  }
  return [...names].sort();
}

/** The form of a VM name, checked before anything else runs. */
export function checkVmName(name: string, source: string, known?: readonly string[]): string {
  if (!VM_NAME.test(name)) {
    const list = known ? ` Configured VMs: ${[DEFAULT_VM, ...known].join(', ')}.` : '';
    throw new YolovmError(
      `Invalid VM name ${shown(name)} (from ${source})`,
      `A VM name is letters, digits, '-' and '_', starting with a letter or digit.${list}`,
    );
  }
  return name;
}

/**
 * A VM name typed by a user (--vm, YOLOVM_VM, a URL), checked for its form:
 * configured under yolovm.<name>.*, or else one the terraform state's fleet may
 * name (terraform.ts findVm looks it up, and says so when it is not there).
 */
export function chooseVm(name: string, source: string, gitConfig: Map<string, Setting>): Setting {
  checkVmName(name, source, configuredVms(gitConfig));
  return { value: name, source };
}

/** The error for a VM name neither configured nor in the terraform state. */
export function unknownVm(name: string, source: string, known: readonly string[]): YolovmError {
  return new YolovmError(
    `Unknown VM '${name}' (from ${source})`,
    `Known VMs: ${[DEFAULT_VM, ...known].join(', ')} (\`yolovm vms\` lists them). Add one with \`git config yolovm.${name}.terraformOutput OUTPUT\` (or yolovm.${name}.host ADDRESS).`,
  );
}

/** What the user asked for on the command line (--vm, or the name in a yolovm::<name>:<subpath> URL). */
export interface VmRequest {
  name: string;
  source: string;
}

/** The VM asked for: the command line's (--vm, a URL's name), else $YOLOVM_VM; undefined is the default VM. */
export function askedVm(env: NodeJS.ProcessEnv, request?: VmRequest): VmRequest | undefined {
  return request ?? (env.YOLOVM_VM !== undefined && env.YOLOVM_VM !== '' ? { name: env.YOLOVM_VM, source: '$YOLOVM_VM' } : undefined);
}

/** All settings from environment, git config and defaults (pure, for tests). */
export function resolveConfig(env: NodeJS.ProcessEnv, gitConfig: Map<string, Setting>, request?: VmRequest): Config {
  const asked = askedVm(env, request);
  const chosen = asked ? chooseVm(asked.name, asked.source, gitConfig) : { value: DEFAULT_VM, source: 'default' };
  const named = chosen.value === DEFAULT_VM ? undefined : chosen.value;
  // A named VM with no address setting of its own (none, or only a user, a workspace...) is found in the fleet.
  const ownAddress = named !== undefined && ['host', 'terraformoutput', 'terraformdir'].some((k) => gitConfig.has(`yolovm.${named}.${k}`));
  const vm: Setting & { fleet?: true } = named !== undefined && !ownAddress ? { ...chosen, fleet: true } : chosen;
  const pick = (key: Key): Setting | undefined => {
    const { env: envName, git, fallback, identifies } = TABLE[key];
    if (named) {
      const own = gitConfig.get(`yolovm.${named}.${git.slice('yolovm.'.length).toLowerCase()}`);
      if (own) return own;
    }
    const inherit = !named || !identifies;
    const fromEnv = env[envName];
    if (inherit && fromEnv !== undefined && fromEnv !== '') return { value: fromEnv, source: `$${envName}` };
    const fromGit = inherit ? gitConfig.get(git.toLowerCase()) : undefined;
    if (fromGit) return fromGit;
    return fallback ? { value: fallback(), source: 'default' } : undefined;
  };
  const must = (key: Key): Setting => {
    const s = pick(key);
    if (!s) throw new Error(`no default for ${key}`);
    return s;
  };
  return {
    host: pick('host'),
    terraformDir: must('terraformDir'),
    terraformOutput: must('terraformOutput'),
    terraformCommand: must('terraformCommand'),
    user: must('user'),
    workspace: must('workspace'),
    sshCommand: must('sshCommand'),
    controlPersist: must('controlPersist'),
    hostKeys: must('hostKeys'),
    hostKeyOutput: must('hostKeyOutput'),
    vm,
    configuredVms: configuredVms(gitConfig),
    protocolVersion: gitConfig.get('protocol.version')?.value ?? '2',
    subpath: gitConfig.get(subpathKey(vm.value)),
    allowSecrets: (gitConfig.get('yolovm.allowsecrets')?.value ?? '').split(/[\s,]+/).filter((p) => p !== ''),
    objectFormat: gitConfig.get('extensions.objectformat')?.value.toLowerCase() === 'sha256' ? 'sha256' : 'sha1',
    recurseSubmodules: /^(true|yes|on|1)$/i.test(gitConfig.get('yolovm.recursesubmodules')?.value ?? ''),
  };
}

/** Where this repository remembers its VM location, per VM. */
export function subpathKey(vm: string): string {
  return vm === DEFAULT_VM ? 'yolovm.subpath' : `yolovm.${vm}.subpath`;
}

/**
 * Read the configuration. `inRepository` false (the helper during `git clone`)
 * reads only global git config, so a repository that merely surrounds the
 * current directory cannot redirect the clone.
 */
export function loadConfig(inRepository: boolean, request?: VmRequest, gitConfig = readGitConfig(inRepository)): Config {
  const cfg = resolveConfig(process.env, gitConfig, request ?? cliVm);
  debug(`VM ${cfg.vm.value} (from ${cfg.vm.source})`);
  for (const key of Object.keys(TABLE) as Key[]) {
    const s = cfg[key];
    debug(s ? `${TABLE[key].git} = ${s.value} (from ${s.source})` : `${TABLE[key].git} not set: the address comes from terraform`);
  }
  return cfg;
}

const configArgs = (inRepository: boolean) => [
  'config',
  '-z',
  '--show-origin',
  ...(inRepository ? [] : ['--global']),
  '--get-regexp',
  '^(yolovm\\.|protocol\\.version$|extensions\\.objectformat$)',
];

function configFrom(r: RunResult): Map<string, Setting> {
  // 1: nothing matched. Anything else: say so, but do not refuse to work.
  if (r.code !== 0 && r.code !== 1) debug(`git config failed: ${r.stderr.trim()}`);
  return parseGitConfigZ(r.code === 0 ? r.stdout : '');
}

/** yolovm's git config entries (and the two git settings it follows), in one git process. */
export function readGitConfig(inRepository: boolean): Map<string, Setting> {
  return configFrom(runGit(configArgs(inRepository)));
}

/** The same, not blocking: to run beside another query. */
export async function readGitConfigAsync(inRepository: boolean): Promise<Map<string, Setting>> {
  return configFrom(await runGitAsync(configArgs(inRepository)));
}

/** `~` and `~/x` in local paths (config values are not expanded by a shell). */
export function expandHome(path: string): string {
  if (path === '~') return homedir();
  if (path.startsWith('~/')) return `${homedir()}/${path.slice(2)}`;
  return path;
}
