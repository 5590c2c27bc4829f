// yolovm demo: a stand-in VM on this machine for a newcomer without terraform or libvirt. The loop works
// against it (push, act as the agent, review, fetch back); --stop ends its sshd and sessions (by pid) and
// removes every trace: its directory and the git config yolovm.demo.*.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { alive, BIN, run, signal, waitGone, waitUntil } from '../harness/vm.js';

let dir: string;
let env: NodeJS.ProcessEnv;
let repo: string;
const demoDir = () => join(dir, 'state', 'yolovm', 'demo');
const sshdPid = () => (existsSync(join(demoDir(), 'sshd.pid')) ? Number(readFileSync(join(demoDir(), 'sshd.pid'), 'utf8').trim()) : 0);

before(async () => {
  dir = mkdtempSync('/tmp/yv-demo-');
  const home = join(dir, 'home');
  repo = join(home, 'app');
  mkdirSync(repo, { recursive: true });
  mkdirSync(join(dir, 'run'), { mode: 0o700 });
  env = {};
  for (const [k, v] of Object.entries(process.env))
    if (!k.startsWith('YOLOVM_') && !k.startsWith('GIT_') && k !== 'SSH_AUTH_SOCK') env[k] = v;
  Object.assign(env, {
    HOME: home,
    PATH: `${BIN}:${process.env.PATH ?? ''}`,
    XDG_STATE_HOME: join(dir, 'state'),
    XDG_RUNTIME_DIR: join(dir, 'run'),
    XDG_CONFIG_HOME: join(home, '.config'),
    GIT_CONFIG_GLOBAL: join(home, '.gitconfig'),
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_AUTHOR_NAME: 'host',
    GIT_AUTHOR_EMAIL: 'host@example.com',
    GIT_COMMITTER_NAME: 'host',
    GIT_COMMITTER_EMAIL: 'host@example.com',
  });
  await run('git', ['init', '-q', '-b', 'main'], env, { cwd: repo });
  writeFileSync(join(repo, 'README'), 'hello\n');
  await run('git', ['add', 'README'], env, { cwd: repo });
  await run('git', ['commit', '-q', '-m', 'first'], env, { cwd: repo });
});
after(async () => {
  // Whatever a failed test left: the demo's sshd, by the pid it recorded.
  const pid = sshdPid();
  if (pid > 0 && signal(pid, 'SIGTERM')) await waitGone([pid], 5000);
  rmSync(dir, { recursive: true, force: true });
});

describe('yolovm demo', () => {
  it('starts a local stand-in VM, says it is no isolation, and prints the loop', async () => {
    const r = await run('yolovm', ['demo'], env);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /no isolation|this machine and your own user/);
    assert.match(r.stdout, /git yolo-push --vm demo main app/);
    assert.ok(alive(sshdPid()), 'its sshd runs');
    assert.match(readFileSync(join(dir, 'home', '.gitconfig'), 'utf8'), /\[yolovm "demo"\]/);
    const again = await run('yolovm', ['demo'], env);
    assert.equal(again.code, 0, 'a second start finds it running');
  });
  it('the loop works against it: push, the agent commits, review, fetch back', async () => {
    const push = await run('git', ['yolo-push', '--vm', 'demo', 'main', 'app'], env, { cwd: repo });
    assert.equal(push.code, 0, push.stderr);
    assert.equal(readFileSync(join(demoDir(), 'workspace', 'app', 'README'), 'utf8'), 'hello\n');
    const agent = await run(
      'yolovm',
      [
        'ssh',
        '--vm',
        'demo',
        'app',
        '--',
        'sh',
        '-c',
        'echo agent > agent.txt && git add agent.txt && git -c user.name=agent -c user.email=a@vm commit -q -m "agent work"',
      ],
      env,
    );
    assert.equal(agent.code, 0, agent.stderr);
    const diff = await run('git', ['yolo-diff', '--vm', 'demo', 'main', 'app'], env, { cwd: repo });
    assert.equal(diff.code, 0, diff.stderr);
    assert.match(diff.stdout, /agent work/);
    assert.match(diff.stdout, /A created +agent\.txt/);
    const fetch = await run('git', ['yolo-fetch', '--vm', 'demo', 'main', 'app'], env, { cwd: repo });
    assert.equal(fetch.code, 0, fetch.stderr);
    assert.equal(readFileSync(join(repo, 'agent.txt'), 'utf8'), 'agent\n');
  });
  it('--stop ends its sshd and sessions and removes every trace', async () => {
    const pid = sshdPid();
    const r = await run('yolovm', ['demo', '--stop'], env);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^Stopped the demo VM and removed /m);
    await waitGone([pid], 10_000);
    // Nothing of it left running: no sshd session, no shared connection naming its files.
    const mine = () =>
      readdirSync('/proc')
        .filter((e) => /^\d+$/.test(e))
        .filter((e) => {
          try {
            return readFileSync(`/proc/${e}/cmdline`, 'utf8').includes(dir);
          } catch {
            return false;
          }
        });
    await waitUntil(() => mine().length === 0, 'every demo process to end', 10_000);
    assert.equal(existsSync(demoDir()), false);
    assert.doesNotMatch(readFileSync(join(dir, 'home', '.gitconfig'), 'utf8'), /demo/);
    const again = await run('yolovm', ['demo', '--stop'], env);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /^No demo VM to stop\.$/m);
  });
});
