// Settings: git config, environment and defaults, resolved in one place.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadConfig, parseGitConfigZ, resolveConfig } from './config.js';

describe('resolveConfig', () => {
  it('uses defaults when nothing is set', () => {
    const c = resolveConfig({}, new Map());
    assert.equal(c.host, undefined);
    assert.equal(c.user.value, 'debian');
    assert.equal(c.workspace.value, '~/workspace');
    assert.equal(c.terraformOutput.value, 'vm_ip');
    assert.equal(c.sshCommand.value, 'ssh');
    assert.match(c.terraformDir.value, /\/yolo-vm$/);
    assert.equal(c.user.source, 'default');
    assert.equal(c.protocolVersion, '2');
  });

  it('environment beats git config beats default', () => {
    const git = parseGitConfigZ('file:.git/config\0yolovm.user\nbob\0file:.git/config\0yolovm.host\n10.0.0.9\0');
    let c = resolveConfig({}, git);
    assert.deepEqual(c.user, { value: 'bob', source: 'git config yolovm.user (.git/config)' });
    c = resolveConfig({ YOLOVM_USER: 'eve', YOLOVM_HOST: '' }, git);
    assert.deepEqual(c.user, { value: 'eve', source: '$YOLOVM_USER' });
    assert.equal(c.host?.value, '10.0.0.9', 'an empty variable counts as unset');
  });

  it('later git config entries (the repository) win over earlier ones (global)', () => {
    const git = parseGitConfigZ('file:/home/u/.gitconfig\0yolovm.workspace\n~/global\0file:.git/config\0yolovm.workspace\n~/local\0');
    assert.equal(resolveConfig({}, git).workspace.value, '~/local');
  });

  it('keys are case-insensitive', () => {
    const git = parseGitConfigZ('file:x\0yolovm.terraformdir\n/tf\0file:x\0yolovm.sshcommand\nssh -F c\0');
    const c = resolveConfig({}, git);
    assert.equal(c.terraformDir.value, '/tf');
    assert.equal(c.sshCommand.value, 'ssh -F c');
  });
});

describe('loadConfig against real git config', () => {
  it('reads repository over global, and only global outside a repository', () => {
    const dir = mkdtempSync(join(tmpdir(), 'yolovm-cfg-'));
    // The test's own configuration, whatever the user's environment names (GIT_CONFIG_GLOBAL included).
    const own: Record<string, string | undefined> = {
      HOME: dir,
      GIT_CONFIG_GLOBAL: join(dir, '.gitconfig'),
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_CONFIG_SYSTEM: undefined,
      XDG_CONFIG_HOME: join(dir, '.config'),
      YOLOVM_USER: undefined,
    };
    const env = { ...process.env, ...own };
    const git = (...a: string[]) => spawnSync('git', a, { cwd: dir, env, encoding: 'utf8' });
    git('config', '--global', 'yolovm.user', 'global-user');
    git('config', '--global', 'yolovm.host', '192.0.2.1');
    git('init', '-q', 'repo');
    spawnSync('git', ['config', 'yolovm.user', 'repo-user'], { cwd: join(dir, 'repo'), env });
    const saved = { cwd: process.cwd(), env: Object.fromEntries(Object.keys(own).map((k) => [k, process.env[k]])) };
    const set = (values: Record<string, string | undefined>) => {
      for (const [k, v] of Object.entries(values)) {
        if (v === undefined) Reflect.deleteProperty(process.env, k);
        else process.env[k] = v;
      }
    };
    try {
      set(own);
      process.chdir(join(dir, 'repo'));
      assert.equal(loadConfig(true).user.value, 'repo-user');
      const global = loadConfig(false);
      assert.equal(global.user.value, 'global-user');
      assert.equal(global.host?.value, '192.0.2.1');
    } finally {
      process.chdir(saved.cwd);
      set(saved.env);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
