// Tab completion in a real interactive bash (in a tmux pty), with git's own completion loaded: typing
// `git yolo-push fe<TAB>` completes the branch, as a user sees it. Completion never runs ssh: YOLOVM_SSH
// points at a recorder that would note any call.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BIN, ROOT, signal, waitGone, waitUntil } from '../harness/vm.js';

const GIT_COMPLETION = '/usr/share/bash-completion/completions/git';
let dir: string;
let socket: string;
let serverPid = 0;
let session = 'bash';
const tmux = (...args: string[]) =>
  spawnSync('tmux', ['-S', socket, '-f', '/dev/null', ...args], { encoding: 'utf8', env: { ...process.env, TMUX: undefined } });
const screen = () => tmux('capture-pane', '-p', '-N', '-t', `=${session}:0.0`).stdout;

/** The line the cursor is on: the prompt being typed (a completion listing may follow below it). */
function line(): string {
  const y = tmux('display-message', '-p', '-t', `=${session}:0.0`, '#{cursor_y}').stdout.trim();
  return tmux('capture-pane', '-p', '-N', '-t', `=${session}:0.0`, '-S', y, '-E', y).stdout.replace(/\n$/, '');
}

/** Type `text`, press Tab, and wait for the prompt line to read `want` (its trailing space too); then clear it. */
async function complete(text: string, want: string): Promise<void> {
  tmux('send-keys', '-t', `=${session}:0.0`, text, 'Tab');
  await waitUntil(() => line().startsWith(`$ ${want}`), `the line to complete to ${JSON.stringify(want)}`, 15_000).catch((e: unknown) => {
    const hist = `${tmux('list-panes', '-a', '-F', '#{session_name} #{pane_pid} #{pane_dead} #{history_size} #{pane_current_command}').stdout}\n${tmux('capture-pane', '-p', '-t', `=${session}:0.0`, '-S', '-200').stdout.trim()}`;
    throw new Error(
      `${(e as Error).message}\n--- history ---\n${hist}\n--- line ---\n${JSON.stringify(line())}\n--- screen ---\n${screen()}`,
    );
  });
  tmux('send-keys', '-t', `=${session}:0.0`, 'C-u');
  await waitUntil(() => line().trimEnd() === '$', 'an empty prompt line', 5000);
}

before(async () => {
  if (spawnSync('tmux', ['-V']).status !== 0) throw new Error('tmux is not installed: `sudo apt-get install tmux` (./install does)');
  if (spawnSync('zsh', ['--version']).status !== 0) throw new Error('zsh is not installed: `sudo apt-get install zsh` (./install does)');
  if (!existsSync(GIT_COMPLETION)) throw new Error(`git's bash completion is missing (${GIT_COMPLETION}): install git`);
  dir = mkdtempSync(join(tmpdir(), 'yv-comp-'));
  socket = join(dir, 'tmux.sock');
  const home = join(dir, 'home');
  const repo = join(home, 'app');
  mkdirSync(join(repo, 'src'), { recursive: true });
  const env = { ...process.env, HOME: home, GIT_CONFIG_GLOBAL: join(home, '.gitconfig'), GIT_CONFIG_NOSYSTEM: '1' };
  const git = (...a: string[]) => spawnSync('git', a, { cwd: repo, env, encoding: 'utf8' });
  git('init', '-q', '-b', 'main');
  git('-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-q', '--allow-empty', '-m', 'one');
  git('branch', 'feature-auth');
  git('config', 'yolovm.subpath', 'myapp');
  git('config', 'yolovm.agent2.host', '10.0.0.2');
  const record = join(dir, 'ssh-called');
  writeFileSync(join(dir, 'ssh'), `#!/bin/sh\necho "$@" >> ${record}\nexit 255\n`, { mode: 0o755 });
  writeFileSync(
    join(dir, 'bashrc'),
    [
      `export HOME=${home} GIT_CONFIG_GLOBAL=${join(home, '.gitconfig')} GIT_CONFIG_NOSYSTEM=1`,
      `export PATH=${BIN}:$PATH YOLOVM_SSH=${join(dir, 'ssh')} YOLOVM_TERRAFORM_DIR=${join(dir, 'no-tf')}`,
      `. ${GIT_COMPLETION}`,
      `. ${join(ROOT, 'completion', 'yolovm.bash')}`,
      "PS1='$ '",
      `cd ${repo}`,
      '',
    ].join('\n'),
  );
  // zsh: its own git completion calls _git-yolo-push; ours is on fpath.
  mkdirSync(join(dir, 'zdot'));
  writeFileSync(
    join(dir, 'zdot', '.zshrc'),
    [
      `export HOME=${home} GIT_CONFIG_GLOBAL=${join(home, '.gitconfig')} GIT_CONFIG_NOSYSTEM=1`,
      `export PATH=${BIN}:$PATH YOLOVM_SSH=${join(dir, 'ssh')} YOLOVM_TERRAFORM_DIR=${join(dir, 'no-tf')}`,
      `fpath=(${join(ROOT, 'completion', 'zsh')} $fpath)`,
      `autoload -U compinit && compinit -u -d ${join(dir, 'zcompdump')}`,
      "PS1='$ '",
      `cd ${repo}`,
      '',
    ].join('\n'),
  );
  const started = tmux('new-session', '-d', '-s', 'bash', '-x', '200', '-y', '40', `bash --noprofile --rcfile ${join(dir, 'bashrc')} -i`);
  assert.equal(started.status, 0, started.stderr);
  serverPid = Number(tmux('display-message', '-p', '-t', '=bash:0.0', '#{pid}').stdout.trim());
  const zsh = tmux('new-session', '-d', '-s', 'zsh', '-x', '200', '-y', '40', `env ZDOTDIR=${join(dir, 'zdot')} zsh -i`);
  assert.equal(zsh.status, 0, zsh.stderr);
  for (const s of ['bash', 'zsh']) {
    session = s;
    await waitUntil(() => screen().includes('$'), `the ${s} prompt`, 10_000);
  }
});
after(async () => {
  if (serverPid > 0) {
    signal(serverPid, 'SIGTERM');
    await waitGone([serverPid], 5000);
  }
  rmSync(dir, { recursive: true, force: true });
});

for (const shell of ['bash', 'zsh'] as const) {
  describe(`tab completion in an interactive ${shell}`, () => {
    before(() => {
      session = shell;
    });
    it('git yolo-push: a local branch, then the remembered subpath; options; VM names for --vm', async () => {
      await complete('git yolo-push fe', 'git yolo-push feature-auth ');
      await complete('git yolo-push feature-auth my', 'git yolo-push feature-auth myapp ');
      await complete('git yolo-push --no-ch', 'git yolo-push --no-checkout ');
      await complete('git yolo-push --vm ag', 'git yolo-push --vm agent2 ');
    });
    it('git yolo-fetch and git yolo-diff: branches and their own options', async () => {
      await complete('git yolo-fetch fe', 'git yolo-fetch feature-auth ');
      await complete('git yolo-fetch --wi', 'git yolo-fetch --wip ');
      await complete('git yolo-diff --comp', 'git yolo-diff --compare ');
    });
    it('yolovm and yolo-dir: subcommands, options, local directories', async () => {
      await complete('yolovm st', 'yolovm status ');
      await complete('yolovm status --ch', 'yolovm status --check ');
      await complete('yolovm v', 'yolovm vms ');
      await complete('yolo-dir pul', 'yolo-dir pull ');
      await complete('yolo-dir push --del', 'yolo-dir push --delete ');
      await complete('yolo-dir push ./s', 'yolo-dir push ./src/');
    });
  });
}

describe('completion and the VM', () => {
  it('never opened an ssh connection', () => {
    assert.equal(existsSync(join(dir, 'ssh-called')) ? readFileSync(join(dir, 'ssh-called'), 'utf8') : '', '');
  });
});
