// Pure parts of throwaway VMs: choosing a VM and its settings, the terraform
// state's instance and published key, the ssh-config block edits, fingerprints.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { addressFromUrl, splitAddress } from '../../src/commands/remote-helper.js';
import { configuredVms, parseGitConfigZ, resolveConfig } from '../../src/config/config.js';
import { YolovmError } from '../../src/core/errors.js';
import { entriesFor, fingerprint } from '../../src/ssh/hostkeys.js';
import { SSH_ERROR_LINE, sshFailure } from '../../src/ssh/ssh.js';
import { carriedOptions, findBlock, withBlock, withoutBlock } from '../../src/ssh/config-block.js';
import { outputFromState, parseOutputName, stateFacts } from '../../src/config/terraform.js';

const git = (...entries: [string, string][]) => parseGitConfigZ(entries.map(([k, v]) => `file:.git/config\0${k}\n${v}\0`).join(''));

describe('choosing a VM', () => {
  const cfg = git(
    ['yolovm.host', '10.0.0.1'],
    ['yolovm.sshcommand', 'ssh -F default'],
    ['yolovm.Agent2.terraformoutput', 'vm_ips[1]'],
    ['yolovm.Agent2.user', 'agent'],
    ['yolovm.b.host', '10.0.0.2'],
    ['yolovm.subpath', 'app'],
    ['yolovm.b.subpath', 'other'],
  );
  it('configured names keep their case; section and key do not matter', () => {
    assert.deepEqual(configuredVms(cfg), ['Agent2', 'b']);
    assert.deepEqual(configuredVms(git(['yolovm.x.unknownkey', '1'], ['yolovm.a b.host', 'h'])), [], 'only known keys, only valid names');
  });
  it('a named VM: its own settings first, never the default VM’s address; the rest inherited', () => {
    const c = resolveConfig({ YOLOVM_HOST: '10.9.9.9', YOLOVM_USER: 'envuser' }, cfg, { name: 'Agent2', source: '--vm' });
    assert.equal(c.vm.value, 'Agent2');
    assert.equal(c.host, undefined, 'YOLOVM_HOST and yolovm.host belong to the default VM');
    assert.equal(c.terraformOutput.value, 'vm_ips[1]');
    assert.equal(c.user.value, 'agent', 'its own setting beats the environment');
    assert.equal(c.sshCommand.value, 'ssh -F default', 'inherited from the default VM');
    assert.equal(c.subpath, undefined);
    const b = resolveConfig({ YOLOVM_VM: 'b' }, cfg);
    assert.deepEqual([b.vm.value, b.vm.source, b.host?.value, b.subpath?.value], ['b', '$YOLOVM_VM', '10.0.0.2', 'other']);
  });
  it('the default VM as before; --vm beats YOLOVM_VM', () => {
    const c = resolveConfig({ YOLOVM_HOST: '10.9.9.9', YOLOVM_VM: 'b' }, cfg, { name: 'default', source: '--vm' });
    assert.deepEqual([c.vm.value, c.host?.value, c.subpath?.value], ['default', '10.9.9.9', 'app']);
  });
  const refused: [string, RegExp][] = [
    ['c', /^Unknown VM 'c' \(from --vm\)$/],
    ['-oProxyCommand=x', /^Invalid VM name/],
    ['a b', /^Invalid VM name/],
    ['../x', /^Invalid VM name/],
    ['a\nb', /^Invalid VM name 'a\\x0ab'/],
    ['', /^Invalid VM name/],
  ];
  for (const [name, message] of refused) {
    it(`refuses ${JSON.stringify(name)}`, () => {
      assert.throws(
        () => resolveConfig({}, cfg, { name, source: '--vm' }),
        (e: unknown) => e instanceof YolovmError && message.test(e.message) && /Configured VMs: default, Agent2, b\./.test(e.hint),
      );
    });
  }
  const urls: [string, { vm?: string; subpath: string }][] = [
    ['yolovm::b:proj', { vm: 'b', subpath: 'proj' }],
    ['yolovm::b:', { vm: 'b', subpath: '' }],
    ['yolovm::default:x:y', { vm: 'default', subpath: 'x:y' }],
    ['yolovm::c:proj', { subpath: 'c:proj' }],
    ['yolovm::b', { subpath: 'b' }],
    ['yolovm://b:p/q', { vm: 'b', subpath: 'p/q' }],
  ];
  for (const [url, want] of urls) {
    it(`URL ${url}`, () => {
      assert.deepEqual(splitAddress(addressFromUrl(url), ['b']), want);
    });
  }
});

describe('terraform state: outputs, instance, published key', () => {
  const domain = (id: string, ip: string, index?: number) => ({
    ...(index === undefined ? {} : { index_key: index }),
    attributes: { id, network_interface: [{ addresses: [ip] }] },
  });
  const state = (instances: unknown[], outputs: Record<string, unknown> = {}) =>
    JSON.stringify({
      outputs: Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, { value: v }])),
      resources: [
        { mode: 'data', type: 'libvirt_domain', instances: [domain('data-source', '10.0.0.1')] },
        { mode: 'managed', type: 'libvirt_domain', name: 'vm', instances },
      ],
    });
  it('one VM: its id', () => {
    assert.deepEqual(stateFacts(state([domain('u1', '10.0.0.1')]), '10.0.0.1', 'vm_host_key'), { instance: 'u1' });
  });
  it('several (count): the one with the address', () => {
    const s = state([domain('u0', '10.0.0.1', 0), domain('u1', '10.0.0.2', 1)], { vm_ips: ['10.0.0.1', '10.0.0.2'] });
    assert.equal(outputFromState(s, 'vm_ips[1]'), '10.0.0.2');
    assert.equal(stateFacts(s, '10.0.0.2', 'vm_host_key').instance, 'u1');
    assert.match(stateFacts(s, '10.0.0.3', 'vm_host_key').noInstance ?? '', /none of the 2/);
  });
  it('no libvirt_domain: no instance; a published key is read', () => {
    const s = JSON.stringify({ outputs: { vm_host_key: { value: 'ssh-ed25519 AAAA host\n' } } });
    assert.deepEqual(stateFacts(s, '10.0.0.1', 'vm_host_key'), {
      hostKey: 'ssh-ed25519 AAAA host',
      noInstance: 'the state has no libvirt_domain',
    });
  });
  it('output names: plain, list element, map element; anything else refused', () => {
    assert.deepEqual(parseOutputName('vm_ip', 'x'), { name: 'vm_ip' });
    assert.deepEqual(parseOutputName('vm_ips[2]', 'x'), { name: 'vm_ips', index: 2 });
    assert.deepEqual(parseOutputName('vm_ips["agent2"]', 'x'), { name: 'vm_ips', index: 'agent2' });
    for (const bad of ['-x', 'a b', 'a[', 'a[-1]', 'a;b', 'a[1][2]']) assert.throws(() => parseOutputName(bad, 'x'), YolovmError);
    assert.equal(outputFromState(JSON.stringify({ outputs: { m: { value: { agent2: '10.0.0.7' } } } }), 'm["agent2"]'), '10.0.0.7');
  });
});

describe('host key messages and fingerprints', () => {
  const policy = { alias: 'yolovm-u1', instance: 'u1', file: '/s/known_hosts', pinned: undefined, known: true };
  const box = '@@@@@@@@\n@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @\nHost key verification failed.';
  it('the same instance with another key: possible attack, exit 2, the deliberate fix', () => {
    const e = sshFailure(box, { host: '10.0.0.1', user: 'debian', hostKeys: policy });
    assert.equal(e.message, 'Host key of VM at 10.0.0.1 changed but the VM was not re-created (instance u1): possible attack');
    assert.match(e.hint, /ssh-keygen -f \/s\/known_hosts -R yolovm-u1/);
    assert.equal(e.exitCode, 2);
  });
  it('a pinned key that does not match', () => {
    const e = sshFailure(box, {
      host: '10.0.0.1',
      user: 'debian',
      hostKeys: { ...policy, pinned: { value: 'k', source: 'terraform output vm_host_key in s' } },
    });
    assert.match(e.message, /does not match the key terraform publishes \(terraform output vm_host_key in s\)/);
  });
  it('OpenSSH mode keeps the old message', () => {
    assert.match(sshFailure(box, { host: '10.0.0.1', user: 'debian' }).message, /has changed \(was the VM re-created\?\)/);
  });
  it('fingerprints as ssh-keygen -l prints them; entries by alias only', () => {
    const blob = Buffer.from('not really a key, but bytes').toString('base64');
    const want = `SHA256:${createHash('sha256').update(Buffer.from(blob, 'base64')).digest('base64').replace(/=+$/, '')}`;
    assert.equal(fingerprint(`yolovm-u1 ssh-ed25519 ${blob}`), want);
    assert.equal(fingerprint(`ssh-ed25519 ${blob} comment`), want);
    assert.deepEqual(entriesFor('yolovm-u1 a b\nyolovm-u10 c d\n', 'yolovm-u1'), ['yolovm-u1 a b']);
  });
  it("ssh's own lines are recognised by kind", () => {
    for (const line of [
      'ssh: connect to host x port 22: Connection refused',
      "Warning: Permanently added 'yolovm-u1' (ED25519) to the list of known hosts.",
      'Failed to add the host to the list of known hosts (/x).',
      '/x/config: line 3: Bad configuration option: foo',
      'debian@10.0.0.1: Permission denied (publickey).',
    ]) {
      assert.match(line, SSH_ERROR_LINE);
    }
    assert.doesNotMatch('remote: Resolving deltas', SSH_ERROR_LINE);
  });
});

describe('the ssh-config block as text', () => {
  const block =
    '# >>> yolovm: Host yolovm (written by `yolovm ssh-config`; `yolovm ssh-config --remove` removes it)\nHost yolovm\n    HostName 1.2.3.4\n# <<< yolovm: Host yolovm';
  const cases: [string, string][] = [
    ['empty file', ''],
    ['no final newline', 'Host a\n    User me   # trailing comment'],
    ['comments, Include, Match', '# mine\nInclude ~/.ssh/config.d/*\n\nMatch host x exec "true"\n    Port 2\n'],
    ['ends with a blank line', 'Host a\n\n'],
  ];
  for (const [name, text] of cases) {
    it(`${name}: put first, then removed to the same bytes`, () => {
      const added = withBlock(text, 'yolovm', block);
      assert.ok(added.startsWith(`${block}\n`));
      assert.ok(added.endsWith(text));
      assert.ok(findBlock(added, 'yolovm'));
      assert.equal(withBlock(added, 'yolovm', block), added, 'idempotent');
      assert.equal(withoutBlock(added, 'yolovm'), text);
      const other = withBlock(added, 'yolovm-b', block.replaceAll('Host yolovm', 'Host yolovm-b'));
      assert.equal(withBlock(other, 'yolovm', block), other, 'a block among ours at the top stays where it is');
      assert.equal(withoutBlock(withoutBlock(other, 'yolovm'), 'yolovm-b'), text, 'two blocks, removed in one order');
      assert.equal(withoutBlock(withoutBlock(other, 'yolovm-b'), 'yolovm'), text, '... and in the other');
    });
  }
  it('a changed block is replaced in place', () => {
    const added = withBlock('# a\n', 'yolovm', block) + 'Host later\n';
    const changed = withBlock(added, 'yolovm', block.replace('1.2.3.4', '5.6.7.8'));
    assert.equal(changed, added.replace('1.2.3.4', '5.6.7.8'));
  });
  it('a block of an older yolovm at the end of the file moves to the top', () => {
    const old = `Host *\n    User other\n${block}\n`;
    assert.equal(withBlock(old, 'yolovm', block), `${block}\nHost *\n    User other\n`);
  });
  it("ssh reads it before the user's defaults, which still apply to every other host (ssh -G)", () => {
    const dir = mkdtempSync(join(tmpdir(), 'yolovm-cfg-'));
    try {
      const file = join(dir, 'config');
      const user = 'User toplevel\nHost *\n    User other\n    ForwardAgent yes\n    RemoteForward 5998 127.0.0.1:22\n';
      const ours = [
        '# >>> yolovm: Host yolovm (x)',
        'Host yolovm',
        '    HostName 192.0.2.7',
        '    User debian',
        '    ForwardAgent no',
        '    ClearAllForwardings yes',
        'Host *',
        '# <<< yolovm: Host yolovm',
      ].join('\n');
      writeFileSync(file, withBlock(user, 'yolovm', ours));
      const g = (host: string) => spawnSync('ssh', ['-F', file, '-G', host], { encoding: 'utf8' }).stdout;
      assert.match(g('yolovm'), /^user debian$/m);
      assert.match(g('yolovm'), /^hostname 192\.0\.2\.7$/m);
      assert.match(g('yolovm'), /^forwardagent no$/m);
      assert.doesNotMatch(g('yolovm'), /^remoteforward /m);
      assert.match(g('elsewhere'), /^user toplevel$/m, 'a top-level line before any Host still applies to other hosts');
      assert.match(g('elsewhere'), /^forwardagent yes$/m);
      // Appended at the end, as before, the user's Host * wins (so the first checks can fail).
      writeFileSync(file, `${user}${ours}\n`);
      assert.match(g('yolovm'), /^user toplevel$/m);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('what the ssh yolovm block carries from ssh -G', () => {
  const g = [
    'user debian',
    'hostname 192.0.2.7',
    'port 2222',
    'identityfile ~/.ssh/vm_key',
    'identityfile ~/.ssh/id_rsa',
    'identitiesonly yes',
    'proxyjump jump.example',
    'userknownhostsfile ~/.ssh/known_hosts ~/.ssh/known_hosts2',
    'forwardagent yes',
  ].join('\n');
  const exists = (p: string) => p.endsWith('vm_key');
  it('port, existing identities, IdentitiesOnly, the jump host; known hosts only when OpenSSH keeps them', () => {
    assert.deepEqual(carriedOptions(g, true, exists), [
      '    Port 2222',
      '    IdentityFile ~/.ssh/vm_key',
      '    IdentitiesOnly yes',
      '    ProxyJump jump.example',
    ]);
    assert.ok(carriedOptions(g, false, exists).includes('    UserKnownHostsFile ~/.ssh/known_hosts ~/.ssh/known_hosts2'));
  });
  it('nothing for the defaults', () => {
    assert.deepEqual(
      carriedOptions('port 22\nidentityfile ~/.ssh/id_ed25519\nproxyjump none\nidentitiesonly no\n', true, () => false),
      [],
    );
  });
});
