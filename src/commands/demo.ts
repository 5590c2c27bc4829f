// yolovm demo [--stop]: a stand-in for the VM on this machine, to try the loop
// without terraform or libvirt: an unprivileged sshd on 127.0.0.1 (its own host
// and client keys, a "VM" HOME and workspace, all under yolovm's state
// directory), configured as the named VM `demo` in the global git config. It is
// no isolation: the "VM" is this machine and this user. --stop ends that sshd
// (by the pid it recorded) with its sessions, and removes the directory and the
// configuration.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { stateDir } from '../config/state.js';
import { EXIT, YolovmError } from '../core/errors.js';
import { info, notice, output } from '../core/log.js';
import { runGit, runSync } from '../core/proc.js';
import { shq } from '../core/shell.js';

const SSHD = ['/usr/sbin/sshd', '/usr/local/sbin/sshd', '/usr/bin/sshd'];

function demoDir(): string {
  return join(stateDir(), 'demo');
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const a = srv.address();
      srv.close(() => {
        resolve(typeof a === 'object' && a ? a.port : 0);
      });
    });
  });
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const c = createConnection({ port, host: '127.0.0.1' });
    c.on('connect', () => {
      c.destroy();
      resolve(true);
    });
    c.on('error', () => {
      resolve(false);
    });
  });
}

function keygen(path: string): string {
  const r = runSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'yolovm-demo', '-f', path]);
  if (r.code !== 0) throw new YolovmError(`ssh-keygen failed: ${r.stderr.trim()}`, 'Check that the OpenSSH client tools are installed.');
  return readFileSync(`${path}.pub`, 'utf8').trim();
}

/** The pid the demo's sshd recorded, when that process is still our sshd. */
function runningPid(dir: string): number | undefined {
  const file = join(dir, 'sshd.pid');
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 1) return undefined;
  try {
    // Ours only if its command line names our config: a reused pid is someone else's.
    return readFileSync(`/proc/${String(pid)}/cmdline`, 'utf8').includes(join(dir, 'sshd_config')) ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** The processes whose parent is `pid` (sshd's sessions), through /proc. */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) out.push(Number(e));
    } catch {
      /* ended meanwhile */
    }
  }
  return out;
}

function git(args: string[]): void {
  const r = runGit(['config', '--global', ...args]);
  if (r.code !== 0 && r.code !== 5) throw new YolovmError(`git config failed: ${r.stderr.trim()}`, 'Check your global git config file.');
}

function theLoop(dir: string): string {
  return [
    'The demo VM is running: a local sshd on 127.0.0.1, configured as the VM `demo`.',
    'It is no isolation: the "VM" is this machine and your own user. Try the loop from any repository:',
    '',
    '  git yolo-push --vm demo main app                  # hand off: ~/workspace/app on the "VM"',
    '  yolovm ssh --vm demo app                          # act as the agent: edit, commit, leave changes',
    '  git yolo-diff --vm demo main app                  # review what the agent did',
    '  git yolo-fetch --vm demo main app                 # bring the commits back',
    '  yolovm status --vm demo                           # what the host lacks',
    '',
    `The "VM" workspace is ${join(dir, 'workspace')}. Remove every trace with: yolovm demo --stop`,
  ].join('\n');
}

/**
 * sshd_config for a local, unprivileged stand-in VM on 127.0.0.1: keys and pid
 * file in `dir`, public keys only, only `user` (the test harness uses it too).
 */
export function localSshdConfig(o: { port: number; dir: string; user: string; hostKey?: string }): string[] {
  return [
    `Port ${String(o.port)}`,
    'ListenAddress 127.0.0.1',
    `HostKey ${o.hostKey ?? join(o.dir, 'host_key')}`,
    `AuthorizedKeysFile ${join(o.dir, 'authorized_keys')}`,
    `PidFile ${join(o.dir, 'sshd.pid')}`,
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'UsePAM no',
    'StrictModes no',
    'PermitRootLogin prohibit-password',
    `AllowUsers ${o.user}`,
  ];
}

export async function demo(opts: { stop?: boolean }): Promise<number> {
  const dir = demoDir();
  if (opts.stop) return stopDemo(dir);
  if (runningPid(dir) !== undefined) {
    output(`${theLoop(dir)}\n`);
    return EXIT.ok;
  }
  const sshd = SSHD.find((p) => existsSync(p));
  if (!sshd)
    throw new YolovmError(
      'The demo needs the OpenSSH server (sshd), which is not installed',
      'Install it: `sudo apt-get install openssh-server`.',
    );
  rmSync(dir, { recursive: true, force: true });
  const home = join(dir, 'home');
  const workspace = join(dir, 'workspace');
  for (const d of [home, workspace]) mkdirSync(d, { recursive: true, mode: 0o700 });
  const hostPub = keygen(join(dir, 'host_key'));
  writeFileSync(join(dir, 'authorized_keys'), `${keygen(join(dir, 'client_key'))}\n`);
  const port = await freePort();
  const me = userInfo().username;
  writeFileSync(
    join(dir, 'sshd_config'),
    [
      ...localSshdConfig({ port, dir, user: me }),
      'AllowAgentForwarding no',
      'AllowTcpForwarding no',
      'X11Forwarding no',
      // The "VM" user's own HOME, so the agent's git and shell files stay in the demo.
      `SetEnv HOME=${home}`,
      '',
    ].join('\n'),
  );
  writeFileSync(join(dir, 'known_hosts'), `[127.0.0.1]:${String(port)} ${hostPub}\n`);
  writeFileSync(
    join(dir, 'ssh_config'),
    [
      'Host 127.0.0.1',
      `  Port ${String(port)}`,
      `  IdentityFile ${join(dir, 'client_key')}`,
      '  IdentitiesOnly yes',
      `  UserKnownHostsFile ${join(dir, 'known_hosts')}`,
      '  GlobalKnownHostsFile /dev/null',
      '  StrictHostKeyChecking yes',
      '',
    ].join('\n'),
  );
  // Without -D sshd detaches by itself and records its pid.
  const started = runSync(sshd, ['-f', join(dir, 'sshd_config'), '-E', join(dir, 'sshd.log')]);
  if (started.code !== 0)
    throw new YolovmError(`sshd did not start: ${started.stderr.trim().split('\n')[0] ?? ''}`, `Its log: ${join(dir, 'sshd.log')}.`);
  const deadline = Date.now() + 10_000;
  while (!(await listening(port))) {
    if (Date.now() > deadline)
      throw new YolovmError(`sshd did not listen on 127.0.0.1:${String(port)}`, `Its log: ${join(dir, 'sshd.log')}.`);
    await new Promise((r) => setTimeout(r, 50));
  }
  git(['yolovm.demo.host', '127.0.0.1']);
  git(['yolovm.demo.user', me]);
  git(['yolovm.demo.workspace', workspace]);
  git(['yolovm.demo.sshCommand', `ssh -F ${shq(join(dir, 'ssh_config'))}`]);
  git(['yolovm.demo.hostKeys', 'ssh']);
  notice('warning: the demo "VM" is this machine and your own user: nothing the agent does there is contained');
  output(`${theLoop(dir)}\n`);
  return EXIT.ok;
}

async function stopDemo(dir: string): Promise<number> {
  const pid = runningPid(dir);
  if (pid !== undefined) {
    const sessions = childrenOf(pid);
    for (const p of [pid, ...sessions]) {
      try {
        process.kill(p, 'SIGTERM');
      } catch {
        /* already gone */
      }
    }
    const deadline = Date.now() + 10_000;
    while ([pid, ...sessions].some((p) => existsSync(`/proc/${String(p)}`)) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
  }
  const had = existsSync(dir);
  rmSync(dir, { recursive: true, force: true });
  const configured = runGit(['config', '--global', '--get-regexp', '^yolovm\\.demo\\.']).stdout.trim() !== '';
  if (configured) git(['--remove-section', 'yolovm.demo']);
  info(
    pid !== undefined || had || configured
      ? `Stopped the demo VM and removed ${dir} and the git config yolovm.demo.*`
      : 'No demo VM to stop.',
  );
  return EXIT.ok;
}
