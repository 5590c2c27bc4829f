// The VM behind a jump host (ProxyJump in the user's ssh config), as with a remote hypervisor: two sshd on
// loopback, the jump host and the VM. Every command works through it; the VM's host key stays yolovm's, per
// instance and strict, while the jump host's is checked by the user's known_hosts as OpenSSH checks it; one
// authentication on each cold, none warm; `yolovm doctor` names the jump link when it is the one that fails.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeRepo, startVm, type TestVm } from '../harness/vm.js';

let jump: TestVm;
let vm: TestVm;
let env: NodeJS.ProcessEnv;
let repo: string;
const instance = randomUUID();

before(async () => {
  [jump, vm] = await Promise.all([startVm(), startVm()]);
  const cfg = join(vm.dir, 'jump_ssh_config');
  writeFileSync(
    cfg,
    [
      'Host jump',
      '  HostName 127.0.0.1',
      `  Port ${String(jump.port)}`,
      `  IdentityFile ${jump.clientKey}`,
      '  IdentitiesOnly yes',
      `  UserKnownHostsFile ${jump.knownHosts}`,
      '  GlobalKnownHostsFile /dev/null',
      '  StrictHostKeyChecking yes',
      'Host vm',
      '  HostName 127.0.0.1',
      `  Port ${String(vm.port)}`,
      '  ProxyJump jump',
      `  IdentityFile ${vm.clientKey}`,
      '  IdentitiesOnly yes',
      `  UserKnownHostsFile ${join(vm.dir, 'user_known_hosts')}`,
      '  GlobalKnownHostsFile /dev/null',
      '  StrictHostKeyChecking yes',
      '',
    ].join('\n'),
  );
  writeFileSync(join(vm.dir, 'user_known_hosts'), '');
  // The address comes from a terraform state naming the VM instance: yolovm checks the VM's key itself.
  const tf = join(vm.dir, 'tf');
  mkdirSync(tf);
  writeFileSync(
    join(tf, 'terraform.tfstate'),
    JSON.stringify({
      version: 4,
      outputs: { vm_ip: { value: 'vm', type: 'string' } },
      resources: [
        {
          mode: 'managed',
          type: 'libvirt_domain',
          name: 'vm',
          instances: [{ attributes: { id: instance, name: 'vm', network_interface: [{ addresses: ['vm'] }] } }],
        },
      ],
    }),
  );
  env = { ...vm.env, YOLOVM_HOST: undefined, YOLOVM_TERRAFORM_DIR: tf, YOLOVM_SSH: `ssh -F ${cfg}` };
  repo = await makeRepo(vm, 'jumped');
});
after(async () => {
  await vm.stop();
  await jump.stop();
});

const y = (cmd: string, args: string[]) => vm.run(cmd, args, { cwd: repo, env });

describe('through a jump host', () => {
  it('push, fetch, status and yolo-dir work; one authentication on each host cold, none warm', async () => {
    await vm.endShared();
    const before = [jump.authCount(), vm.authCount()];
    const push = await y('git', ['yolo-push', 'main', 'app']);
    assert.equal(push.code, 0, push.stderr);
    assert.match(push.stderr, new RegExp(`New VM instance ${instance}: trusting host key SHA256:`));
    assert.deepEqual([jump.authCount() - (before[0] ?? 0), vm.authCount() - (before[1] ?? 0)], [1, 1], 'cold: one login to each');
    const warm = [jump.authCount(), vm.authCount()];
    for (const [cmd, args] of [
      ['git', ['yolo-push', 'main', 'app']],
      ['git', ['ls-remote', 'yolovm::app']],
      ['git', ['yolo-fetch', 'main', 'app']],
      ['yolovm', ['status', 'app']],
      ['yolo-dir', ['ls']],
    ] as const) {
      const r = await y(cmd, [...args]);
      assert.equal(r.code, 0, `${cmd} ${args.join(' ')}: ${r.stderr}`);
    }
    assert.deepEqual([jump.authCount(), vm.authCount()], warm, 'warm: no login anywhere');
    assert.equal(readFileSync(join(vm.workspace, 'app', 'README'), 'utf8'), 'hello\n');
  });
  it("the VM's key is yolovm's, per instance; the jump host's stays the user's", () => {
    const ours = readFileSync(join(vm.dir, 'state', 'yolovm', 'known_hosts'), 'utf8');
    assert.match(ours, new RegExp(`^yolovm-${instance} ssh-ed25519 `, 'm'));
    assert.ok(!ours.includes(jump.hostKey().split(' ')[1] ?? 'x'), "the jump host's key is not in yolovm's file");
    assert.equal(readFileSync(join(vm.dir, 'user_known_hosts'), 'utf8'), '', "the user's file for the VM untouched");
  });
  it('doctor names the jump link: fine, then down, then with a changed host key', async () => {
    const fine = await y('yolovm', ['doctor']);
    assert.equal(fine.code, 0, fine.stdout + fine.stderr);
    assert.match(fine.stdout, /^ok {4}jump host jump: reached and logged in/m);
    await vm.endShared();
    await jump.stopSshd();
    try {
      const down = await y('yolovm', ['doctor']);
      assert.equal(down.code, 1);
      assert.match(down.stdout, /^FAIL {2}jump host jump: the VM is reached through jump \(ProxyJump\), which fails: .*(refused|closed)/im);
      assert.match(down.stdout, /fix: check that `ssh jump` works/);
    } finally {
      await jump.startSshd();
    }
    await jump.rekey();
    const changed = await y('yolovm', ['doctor']);
    assert.equal(changed.code, 1);
    assert.match(changed.stdout, /^FAIL {2}jump host jump: .*its host key changed/m);
  });
});
