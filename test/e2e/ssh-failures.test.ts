// The SSH layer against real failures on loopback: each becomes the contract's
// message and exit 2, and host key checking is never bypassed.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { freePort, makeRepo, run, startVm, type TestVm } from '../harness/vm.js';

let vm: TestVm;
let repo: string;
let silent: Server;
let silentPort: number;

before(async () => {
  vm = await startVm();
  repo = await makeRepo(vm, 'p');
  // A listener that accepts and never speaks: a VM that hangs at boot.
  silent = createServer(() => undefined);
  await new Promise<void>((res) => silent.listen(0, '127.0.0.1', res));
  const addr = silent.address();
  silentPort = typeof addr === 'object' && addr ? addr.port : 0;
});

after(async () => {
  silent.close();
  await vm.stop();
});

/** ls-remote through the helper with changed settings; returns stderr and the helper's own exit status. */
async function attempt(env: Record<string, string>): Promise<{ code: number; stderr: string; helperExit: string }> {
  const reportFile = join(vm.dir, `report-${Math.random().toString(36).slice(2)}`);
  writeFileSync(reportFile, '{}');
  const r = await run(
    'git',
    ['ls-remote', 'yolovm::x'],
    { ...vm.env, YOLOVM_CONTROL_PERSIST: 'no', YOLOVM_REPORT_FILE: reportFile, ...env },
    { cwd: repo, timeoutMs: 30_000 },
  );
  const report = JSON.parse(readFileSync(reportFile, 'utf8')) as { exit?: number };
  return { code: r.code, stderr: r.stderr, helperExit: String(report.exit) };
}

function sshWith(extra: string): string {
  return `ssh -F ${vm.sshConfig} ${extra}`;
}

describe('ssh failures end to end', () => {
  it('connection refused', async () => {
    const port = await freePort();
    const r = await attempt({ YOLOVM_SSH: sshWith(`-p ${port}`) });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /^error: Cannot connect to VM at 127\.0\.0\.1: connection refused\nhint: .*virsh list/m);
    assert.doesNotMatch(r.stderr, /^ssh: /m, 'ssh’s own line is replaced by ours');
    assert.equal(r.helperExit, '2');
  });

  it('a listener that never speaks times out', async () => {
    const started = Date.now();
    const r = await attempt({ YOLOVM_SSH: sshWith(`-p ${silentPort} -o ConnectTimeout=2`) });
    assert.match(r.stderr, /Cannot connect to VM at 127\.0\.0\.1: connection timed out/);
    assert.equal(r.helperExit, '2');
    assert.ok(Date.now() - started < 20_000);
  });

  it('a key the VM does not accept', async () => {
    const other = join(vm.dir, 'other_key');
    const k = await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', other], vm.env);
    assert.equal(k.code, 0);
    const r = await attempt({ YOLOVM_SSH: `ssh -i ${other} -F ${vm.sshConfig}`, YOLOVM_USER: 'nobody' });
    assert.match(r.stderr, /SSH authentication failed for nobody@127\.0\.0\.1/);
    assert.equal(r.helperExit, '2');
  });

  it('a changed host key is refused with the ssh-keygen -R fix, never bypassed', async () => {
    const hosts = join(vm.dir, 'changed_known_hosts');
    const fake = join(vm.dir, 'fake_host');
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', fake], vm.env);
    writeFileSync(hosts, `[127.0.0.1]:${vm.port} ${readFileSync(`${fake}.pub`, 'utf8')}`);
    const r = await attempt({ YOLOVM_SSH: sshWith(`-o UserKnownHostsFile=${hosts}`) });
    assert.match(r.stderr, /^error: Host key of VM at 127\.0\.0\.1 has changed/m);
    assert.match(r.stderr, /^hint: .*`ssh-keygen -f ["'].*changed_known_hosts["'] -R ["']\[127\.0\.0\.1\]:\d+["']`/m);
    assert.equal(r.helperExit, '2');
    // The known_hosts file is untouched: nothing was accepted behind the user's back.
    const fakeKey = readFileSync(`${fake}.pub`, 'utf8').split(' ')[1] ?? 'missing';
    assert.ok(readFileSync(hosts, 'utf8').includes(fakeKey));
  });

  it('an unknown host key asks the user to check it first', async () => {
    const empty = join(vm.dir, 'empty_known_hosts');
    writeFileSync(empty, '');
    const r = await attempt({ YOLOVM_SSH: sshWith(`-o UserKnownHostsFile=${empty}`) });
    assert.match(r.stderr, /Host key of VM at 127\.0\.0\.1 is not known/);
    assert.equal(readFileSync(empty, 'utf8'), '');
    assert.equal(r.helperExit, '2');
  });

  it('VM address problems are exit 1 with the terraform hint', async () => {
    const r = await attempt({ YOLOVM_HOST: '', YOLOVM_TERRAFORM_DIR: join(vm.dir, 'no-such-dir') });
    assert.match(r.stderr, /^error: Terraform directory '.*no-such-dir' not found/m);
    assert.equal(r.helperExit, '1');
    const bad = await attempt({ YOLOVM_HOST: '-oProxyCommand=touch /tmp/yolovm-pwned' });
    assert.match(bad.stderr, /Invalid VM address/);
    assert.equal(bad.helperExit, '1');
  });

  it('the happy path still authenticates', async () => {
    await vm.vmGit('', ['init', '-q', 'x']);
    const r = await attempt({});
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.helperExit, '0');
  });
});
