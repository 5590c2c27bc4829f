// Host keys per VM instance, against a real sshd whose key changes, with the
// address and the libvirt_domain id read from a terraform state fixture; and the
// `Host yolovm` block in ~/.ssh/config. Runs in order: each step builds on the last.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeRepo, run, startVm, write, type TestVm } from '../harness/vm.js';

let vm: TestVm;
let repo: string;
let tf: string;
let env: NodeJS.ProcessEnv;
const untouched = new Map<string, string>();

const UUID1 = '3f1c8a52-0d1e-4a55-9a0e-1b7a2c000001';
const UUID2 = '3f1c8a52-0d1e-4a55-9a0e-1b7a2c000002';

/** A terraform state as terraform writes it for one libvirt VM (and any extra outputs). */
function writeState(id: string, outputs: Record<string, string> = {}): void {
  const state = {
    version: 4,
    terraform_version: '1.11.4',
    outputs: Object.fromEntries(Object.entries({ vm_ip: '127.0.0.1', ...outputs }).map(([k, v]) => [k, { value: v, type: 'string' }])),
    resources: [
      {
        mode: 'managed',
        type: 'libvirt_domain',
        name: 'vm',
        provider: 'provider["registry.terraform.io/dmacvicar/libvirt"]',
        instances: [{ schema_version: 0, attributes: { id, name: 'yolo-vm', network_interface: [{ addresses: ['127.0.0.1'] }] } }],
      },
    ],
  };
  writeFileSync(join(tf, 'terraform.tfstate'), JSON.stringify(state, null, 2));
}

/** OpenSSH's fingerprint of the VM's current host key. */
function vmFingerprint(): string {
  const blob = vm.hostKey().split(' ')[1] ?? '';
  return `SHA256:${createHash('sha256').update(Buffer.from(blob, 'base64')).digest('base64').replace(/=+$/, '')}`;
}

const sha = (file: string) => (existsSync(file) ? createHash('sha256').update(readFileSync(file)).digest('hex') : 'absent');
const knownHosts = () => join(vm.dir, 'state', 'yolovm', 'known_hosts');
const sockets = () => new Set(readdirSync(join(vm.dir, 'run', 'yolovm')));

async function commit(name: string): Promise<string> {
  write(join(repo, name), `${name}\n`);
  await vm.run('git', ['add', name], { cwd: repo });
  await vm.run('git', ['commit', '-q', '-m', name], { cwd: repo });
  return (await vm.run('git', ['rev-parse', 'HEAD'], { cwd: repo })).stdout.trim();
}

const push = (...args: string[]) => run('git', ['yolo-push', ...args], env, { cwd: repo });
const vmTip = async () => (await vm.vmGit('p', ['rev-parse', 'main'])).stdout.trim();

before(async () => {
  vm = await startVm();
  repo = await makeRepo(vm, 'repo');
  tf = join(vm.dir, 'tf');
  write(join(tf, 'main.tf'), '# the VM\n');
  writeState(UUID1);
  env = { ...vm.env, YOLOVM_TERRAFORM_DIR: tf };
  delete env.YOLOVM_HOST;
  // Files yolovm must never edit: the user's known_hosts (both the $HOME one and
  // the passwd home's, which ssh reads), and the known_hosts of the test's ssh config.
  write(join(vm.dir, 'home', '.ssh', 'known_hosts'), 'old.example ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOld\n');
  for (const f of [join(vm.dir, 'home', '.ssh', 'known_hosts'), join(homedir(), '.ssh', 'known_hosts'), vm.knownHosts]) {
    untouched.set(f, sha(f));
  }
  // The passwd home, where ssh itself looks, whatever $HOME says.
  untouched.set(join(userInfo().homedir, '.ssh', 'known_hosts'), sha(join(userInfo().homedir, '.ssh', 'known_hosts')));
});

after(async () => {
  await vm.stop();
});

describe('host keys per VM instance', () => {
  let firstSockets: Set<string>;

  it('first contact with an instance trusts its key, says so with the fingerprint, and records it', async () => {
    const r = await push('main', 'p');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`^New VM instance ${UUID1}: trusting host key ${vmFingerprint().replace(/[+/]/g, '\\$&')} `, 'm'));
    assert.doesNotMatch(r.stderr, /Permanently added/, "ssh's warning is replaced by ours");
    assert.match(readFileSync(knownHosts(), 'utf8'), new RegExp(`^yolovm-${UUID1} ssh-ed25519 `, 'm'));
    assert.equal(await vmTip(), (await vm.run('git', ['rev-parse', 'main'], { cwd: repo })).stdout.trim());
    firstSockets = sockets();
    const again = await push('main', 'p');
    assert.equal(again.code, 0, again.stderr);
    assert.doesNotMatch(again.stderr, /New VM instance/, 'a known instance is not announced again');
  });

  it('the same instance with another key is refused: exit 2, nothing sent, the fix named', async () => {
    await vm.rekey();
    const before = await vmTip();
    const sent = await commit('after-rekey');
    const r = await push('main', 'p');
    assert.equal(r.code, 2, r.stderr);
    assert.match(
      r.stderr,
      new RegExp(
        `^error: Host key of VM at 127\\.0\\.0\\.1 changed but the VM was not re-created \\(instance ${UUID1}\\): possible attack$`,
        'm',
      ),
    );
    assert.match(r.stderr, /^hint: .*ssh-keygen -f \S+known_hosts -R yolovm-3f1c8a52/m);
    assert.doesNotMatch(r.stderr, /@@@|IDENTIFICATION/, "ssh's box is replaced by our message");
    assert.equal(await vmTip(), before, 'nothing reached the VM');
    assert.notEqual(before, sent);
    // Through the helper too (git push yolovm::), and with no trusting message anywhere.
    const g = await run('git', ['push', 'yolovm::p', 'main'], env, { cwd: repo });
    assert.notEqual(g.code, 0);
    assert.match(g.stderr, /changed but the VM was not re-created/);
    assert.doesNotMatch(g.stderr + r.stderr, /New VM instance/);
  });

  it('a re-created VM (new instance id and key) works with no manual step and shows the new fingerprint', async () => {
    writeState(UUID2);
    const r = await push('main', 'p');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`^New VM instance ${UUID2}: trusting host key ${vmFingerprint().replace(/[+/]/g, '\\$&')} `, 'm'));
    assert.equal(await vmTip(), (await vm.run('git', ['rev-parse', 'main'], { cwd: repo })).stdout.trim());
    const fresh = [...sockets()].filter((s) => !firstSockets.has(s));
    assert.equal(fresh.length, 1, `one new shared connection for the new instance (${[...sockets()].join(' ')})`);
  });

  it('a key published by terraform is pinned: a mismatch is refused, the right key needs no first contact', async () => {
    const wrong = readFileSync(`${vm.clientKey}.pub`, 'utf8').trim(); // a valid key, not the VM's
    writeState('pinned-instance', { vm_host_key: wrong });
    const r = await push('main', 'p');
    assert.equal(r.code, 2, r.stderr);
    assert.match(
      r.stderr,
      /^error: Host key of VM at 127\.0\.0\.1 does not match the key terraform publishes \(terraform output vm_host_key/m,
    );
    writeState('pinned-instance', { vm_host_key: vm.hostKey() });
    const ok = await run('git', ['ls-remote', 'yolovm::p'], env, { cwd: repo });
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /refs\/heads\/main/);
    assert.doesNotMatch(ok.stderr, /New VM instance/, 'a pinned key is not trusted on first use: it is checked');
  });

  it('yolovm.hostKeys = ssh: OpenSSH checks with the user’s files, as before', async () => {
    writeState(UUID2);
    const r = await run('git', ['ls-remote', 'yolovm::p'], { ...env, YOLOVM_HOST_KEYS: 'ssh' }, { cwd: repo });
    assert.notEqual(r.code, 0);
    // The test's own known_hosts still has the first key: OpenSSH says it changed.
    assert.match(r.stderr, /Host key of VM at 127\.0\.0\.1 has changed \(was the VM re-created\?\)/);
  });

  it('known_hosts files outside yolovm’s are byte-identical after all of it', () => {
    for (const [file, digest] of untouched) assert.equal(sha(file), digest, file);
  });
});

describe('yolovm ssh-config', () => {
  const userConfig = () => join(vm.dir, 'home', '.ssh', 'config');
  const original = [
    '# my machines',
    'Include ~/.ssh/config.d/*',
    '',
    'Host work   # the office',
    '    User me   # trailing comment',
    '    ForwardAgent no',
    '',
    'Match host nothing.example exec "true"',
    '    Port 2222',
    '',
  ].join('\n');
  /** ssh as a user would run it, with the test's key and port on the command line. */
  const sshTo = (host: string) =>
    run(
      'ssh',
      [
        '-F',
        userConfig(),
        '-i',
        vm.clientKey,
        '-o',
        'IdentitiesOnly=yes',
        '-o',
        'BatchMode=yes',
        '-p',
        String(vm.port),
        host,
        'echo reached',
      ],
      env,
    );

  it('puts a marked Host yolovm block first; everything else stays byte for byte; ssh yolovm reaches the VM over the shared connection', async () => {
    writeFileSync(userConfig(), original);
    const r = await run('yolovm', ['ssh-config'], env, { cwd: repo });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /Wrote: Host yolovm in .*\.ssh\/config \(VM at 127\.0\.0\.1\)/);
    const text = readFileSync(userConfig(), 'utf8');
    assert.ok(text.endsWith(original), 'the user’s lines follow, unchanged');
    const block = text.slice(0, text.length - original.length);
    assert.match(block, /^# >>> yolovm: Host yolovm .*\nHost yolovm\n {4}HostName 127\.0\.0\.1\n/);
    assert.match(block, new RegExp(`HostKeyAlias yolovm-${UUID2}`));
    assert.match(block, /\n {4}ForwardAgent no\n/);
    assert.match(block, /\nHost \*\n# <<< yolovm: Host yolovm\n$/);
    const again = await run('yolovm', ['ssh-config'], env, { cwd: repo });
    assert.match(again.stderr, /Up to date/);
    assert.equal(readFileSync(userConfig(), 'utf8'), text, 'idempotent');
    const warm = await push('main', 'p'); // a live shared connection
    assert.equal(warm.code, 0, warm.stderr);
    const auths = vm.authCount();
    const s = await sshTo('yolovm');
    assert.equal(s.code, 0, s.stderr);
    assert.equal(s.stdout, 'reached\n');
    assert.equal(vm.authCount(), auths, 'ssh yolovm used the shared connection');
  });

  it('a re-created VM: yolovm ssh-config meets it; then any yolovm command updates the block; ssh yolovm follows', async () => {
    const id3 = '3f1c8a52-0d1e-4a55-9a0e-1b7a2c000003';
    await vm.rekey();
    writeState(id3);
    const c = await run('yolovm', ['ssh-config'], env, { cwd: repo });
    assert.equal(c.code, 0, c.stderr);
    assert.match(c.stderr, new RegExp(`^New VM instance ${id3}: trusting host key`, 'm'));
    assert.match(c.stderr, /^Wrote: Host yolovm/m);
    assert.match(readFileSync(userConfig(), 'utf8'), new RegExp(`HostKeyAlias yolovm-${id3}`));
    assert.equal((await sshTo('yolovm')).code, 0, 'reachable at once, by its new key');
    const id4 = '3f1c8a52-0d1e-4a55-9a0e-1b7a2c000004';
    await vm.rekey();
    writeState(id4);
    const r = await push('main', 'p');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^Updated Host yolovm in /m);
    const text = readFileSync(userConfig(), 'utf8');
    assert.ok(text.endsWith(original));
    assert.match(text, new RegExp(`HostKeyAlias yolovm-${id4}`));
    const s = await sshTo('yolovm');
    assert.equal(s.code, 0, s.stderr);
  });

  it('ssh yolovm logs in with no shared connection, as ssh user@address does (port and identity carried)', async () => {
    const text = readFileSync(userConfig(), 'utf8');
    assert.match(text, new RegExp(`\\n {4}Port ${String(vm.port)}\\n`));
    assert.ok(text.includes(`    IdentityFile ${vm.clientKey}\n`), text);
    // Not through sshTo (which names key and port itself), and never over a shared connection.
    const r = await run('ssh', ['-F', userConfig(), '-o', 'ControlPath=none', '-o', 'BatchMode=yes', 'yolovm', 'echo reached'], env);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'reached\n');
  });

  it('a command run with a one-off YOLOVM_HOST leaves the block alone', async () => {
    const before = readFileSync(userConfig(), 'utf8');
    // (OpenSSH's own checking then meets the re-keyed VM and refuses: the block is settled before any ssh.)
    const r = await run('git', ['yolo-push', 'main', 'p'], { ...env, YOLOVM_HOST: '127.0.0.1' }, { cwd: repo });
    assert.doesNotMatch(r.stderr, /Updated Host yolovm/);
    assert.equal(readFileSync(userConfig(), 'utf8'), before);
  });

  it('-n prints the file as it would be and writes nothing', async () => {
    const before = readFileSync(userConfig(), 'utf8');
    const r = await run('yolovm', ['ssh-config', '-n', '--remove'], env, { cwd: repo });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, original, 'the file without the block');
    assert.match(r.stderr, /^Would remove Host yolovm from /m);
    assert.equal(readFileSync(userConfig(), 'utf8'), before);
  });

  it('--remove takes the block out and leaves the file as it was', async () => {
    const r = await run('yolovm', ['ssh-config', '--remove'], env, { cwd: repo });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(readFileSync(userConfig(), 'utf8'), original);
    const none = await run('yolovm', ['ssh-config', '--remove'], env, { cwd: repo });
    assert.equal(none.code, 0);
    assert.match(none.stderr, /No Host yolovm block/);
  });

  it('a Host yolovm block of the user’s own is never overwritten', async () => {
    const mine = `${original}Host yolovm\n    HostName 10.9.9.9\n`;
    writeFileSync(userConfig(), mine);
    const r = await run('yolovm', ['ssh-config'], env, { cwd: repo });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^error: .*config already has a Host yolovm block of its own\nhint: /);
    assert.equal(readFileSync(userConfig(), 'utf8'), mine);
    writeFileSync(userConfig(), original);
  });
});
