// Host key messages and fingerprints.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { entriesFor, fingerprint } from './hostkeys.js';
import { SSH_ERROR_LINE, sshFailure } from './ssh.js';

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
