import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadConfig, parseGitConfigZ, resolveConfig } from '../../src/config.js';

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
    const env = { ...process.env, HOME: dir, GIT_CONFIG_NOSYSTEM: '1' };
    const git = (...a: string[]) => spawnSync('git', a, { cwd: dir, env, encoding: 'utf8' });
    git('config', '--global', 'yolovm.user', 'global-user');
    git('config', '--global', 'yolovm.host', '192.0.2.1');
    git('init', '-q', 'repo');
    spawnSync('git', ['config', 'yolovm.user', 'repo-user'], { cwd: join(dir, 'repo'), env });
    const saved = { cwd: process.cwd(), home: process.env.HOME, nosys: process.env.GIT_CONFIG_NOSYSTEM, user: process.env.YOLOVM_USER };
    try {
      process.env.HOME = dir;
      process.env.GIT_CONFIG_NOSYSTEM = '1';
      delete process.env.YOLOVM_USER;
      process.chdir(join(dir, 'repo'));
      assert.equal(loadConfig(true).user.value, 'repo-user');
      const global = loadConfig(false);
      assert.equal(global.user.value, 'global-user');
      assert.equal(global.host?.value, '192.0.2.1');
    } finally {
      process.chdir(saved.cwd);
      process.env.HOME = saved.home;
      if (saved.nosys === undefined) delete process.env.GIT_CONFIG_NOSYSTEM;
      else process.env.GIT_CONFIG_NOSYSTEM = saved.nosys;
      if (saved.user !== undefined) process.env.YOLOVM_USER = saved.user;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
