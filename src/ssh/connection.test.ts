// What sshd refused, from ssh's stderr: one line a case.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { refusal, refusedError } from './connection.js';

describe('sshd refusals', () => {
  const table: [string, ReturnType<typeof refusal>][] = [
    ['kex_exchange_identification: read: Connection reset by peer', 'startups'],
    ['kex_exchange_identification: Connection closed by remote host\nConnection closed by 10.0.0.5 port 22', 'startups'],
    ['banner exchange: Connection to 10.0.0.5 port 22: Connection reset by peer', 'startups'],
    ['mux_client_request_session: session request failed: Session open refused by peer', 'sessions'],
    ['channel 0: open failed: administratively prohibited: open failed', 'sessions'],
    ['ssh: connect to host 10.0.0.5 port 22: Connection refused', undefined],
    ['root@10.0.0.5: Permission denied (publickey).', undefined],
    ['Connection to 10.0.0.5 closed by remote host.', undefined],
    ['', undefined],
  ];
  for (const [stderr, want] of table) {
    it(stderr || '(nothing)', () => {
      assert.equal(refusal(stderr), want);
    });
  }
  it('names what was refused, never "Lost the connection": the VM is up', () => {
    assert.match(refusedError('startups', '10.0.0.5').message, /^The VM's sshd at 10\.0\.0\.5 refused more connections \(MaxStartups/);
    assert.match(refusedError('sessions', '10.0.0.5').message, /refused more sessions on the shared connection \(MaxSessions\)/);
    assert.equal(refusedError('sessions', 'h').exitCode, 2);
  });
});
