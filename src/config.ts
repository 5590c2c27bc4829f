// Settings, first found wins: environment, then git config (repository, then
// global), then defaults. Each value remembers where it came from for -v.
import { homedir } from 'node:os';
import { debug } from './log.js';
import { CommandNotFound, runSync } from './proc.js';
import { YolovmError } from './errors.js';

export interface Setting {
  value: string;
  source: string;
}

export interface Config {
  host: Setting | undefined; // undefined: ask terraform
  terraformDir: Setting;
  terraformOutput: Setting;
  user: Setting;
  workspace: Setting;
  sshCommand: Setting;
  controlPersist: Setting;
  /** git's protocol.version: the helper starts upload-pack in v2 unless it is 0 or 1. */
  protocolVersion: string;
  /** The VM location this repository was first pushed to with git yolo-push (git config yolovm.subpath). */
  subpath: Setting | undefined;
  /** `yolovm.allowSecrets`: patterns of secret-like files that may go to the VM (space-separated). */
  allowSecrets: string[];
  /** This repository's hash algorithm (extensions.objectFormat): a first push creates the VM repository with it. */
  objectFormat: 'sha1' | 'sha256';
}

type Key = Exclude<keyof Config, 'protocolVersion' | 'subpath' | 'objectFormat' | 'allowSecrets'>;

const TABLE: Record<Key, { env: string; git: string; fallback: (() => string) | undefined }> = {
  host: { env: 'YOLOVM_HOST', git: 'yolovm.host', fallback: undefined },
  terraformDir: { env: 'YOLOVM_TERRAFORM_DIR', git: 'yolovm.terraformDir', fallback: () => `${homedir()}/yolo-vm` },
  terraformOutput: { env: 'YOLOVM_TERRAFORM_OUTPUT', git: 'yolovm.terraformOutput', fallback: () => 'vm_ip' },
  user: { env: 'YOLOVM_USER', git: 'yolovm.user', fallback: () => 'debian' },
  workspace: { env: 'YOLOVM_WORKSPACE', git: 'yolovm.workspace', fallback: () => '~/workspace' },
  sshCommand: { env: 'YOLOVM_SSH', git: 'yolovm.sshCommand', fallback: () => 'ssh' },
  controlPersist: { env: 'YOLOVM_CONTROL_PERSIST', git: 'yolovm.controlPersist', fallback: () => '5m' },
};

/** Parse `git config -z --show-origin --get-regexp` output: later entries win. */
export function parseGitConfigZ(out: string): Map<string, Setting> {
  const found = new Map<string, Setting>();
  const fields = out.split('\0');
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const origin = fields[i] ?? '';
    const entry = fields[i + 1] ?? '';
    const nl = entry.indexOf('\n');
    const key = (nl < 0 ? entry : entry.slice(0, nl)).toLowerCase();
    const value = nl < 0 ? 'true' : entry.slice(nl + 1);
    found.set(key, { value, source: `git config ${key} (${origin.replace(/^file:/, '')})` });
  }
  return found;
}

/** All settings from environment, git config and defaults (pure, for tests). */
export function resolveConfig(env: NodeJS.ProcessEnv, gitConfig: Map<string, Setting>): Config {
  const pick = (key: Key): Setting | undefined => {
    const { env: envName, git, fallback } = TABLE[key];
    const fromEnv = env[envName];
    if (fromEnv !== undefined && fromEnv !== '') return { value: fromEnv, source: `$${envName}` };
    const fromGit = gitConfig.get(git.toLowerCase());
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
    user: must('user'),
    workspace: must('workspace'),
    sshCommand: must('sshCommand'),
    controlPersist: must('controlPersist'),
    protocolVersion: gitConfig.get('protocol.version')?.value ?? '2',
    subpath: gitConfig.get('yolovm.subpath'),
    allowSecrets: (gitConfig.get('yolovm.allowsecrets')?.value ?? '').split(/[\s,]+/).filter((p) => p !== ''),
    objectFormat: gitConfig.get('extensions.objectformat')?.value.toLowerCase() === 'sha256' ? 'sha256' : 'sha1',
  };
}

/**
 * Read the configuration. `inRepository` false (the helper during `git clone`)
 * reads only global git config, so a repository that merely surrounds the
 * current directory cannot redirect the clone.
 */
export function loadConfig(inRepository: boolean): Config {
  const args = [
    'config',
    '-z',
    '--show-origin',
    ...(inRepository ? [] : ['--global']),
    '--get-regexp',
    '^(yolovm\\.|protocol\\.version$|extensions\\.objectformat$)',
  ];
  let out = '';
  try {
    const r = runSync('git', args);
    // 1: nothing matched. Anything else: say so, but do not refuse to work.
    if (r.code === 0) out = r.stdout;
    else if (r.code !== 1) debug(`git config failed: ${r.stderr.trim()}`);
  } catch (err) {
    if (err instanceof CommandNotFound) throw new YolovmError('git is not installed', 'Install git (`sudo apt-get install git`).');
    throw err;
  }
  const cfg = resolveConfig(process.env, parseGitConfigZ(out));
  for (const key of Object.keys(TABLE) as Key[]) {
    const s = cfg[key];
    debug(s ? `${TABLE[key].git} = ${s.value} (from ${s.source})` : `${TABLE[key].git} not set: the address comes from terraform`);
  }
  return cfg;
}

/** `~` and `~/x` in local paths (config values are not expanded by a shell). */
export function expandHome(path: string): string {
  if (path === '~') return homedir();
  if (path.startsWith('~/')) return `${homedir()}/${path.slice(2)}`;
  return path;
}
