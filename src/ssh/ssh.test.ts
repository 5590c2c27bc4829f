// The ssh invocation: what it lends the VM (nothing), and what its failures mean.
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { resolveConfig } from '../config/config.js';
import { YolovmError } from '../core/errors.js';
import { spawnSync } from 'node:child_process';
import { controlDir, LEND_NOTHING, parseControlPersist, sshArgs, sshFailure, sshTarget } from './ssh.js';

const t = { host: '192.0.2.5', user: 'debian' };

describe('ssh invocation', () => {
  it("puts the user's options first (ssh takes the first value), then lending nothing, then ours, then -- and the destination", () => {
    const dir = mkdtempSync(join(tmpdir(), 'yolovm-ssh-'));
    try {
      const cfg = resolveConfig({ YOLOVM_SSH: 'ssh -F "/a b/cfg" -o ConnectTimeout=3', XDG_RUNTIME_DIR: dir }, new Map());
      const target = sshTarget(cfg, '192.0.2.5', { XDG_RUNTIME_DIR: dir });
      assert.deepEqual(target.command.slice(0, 5), ['ssh', '-F', '/a b/cfg', '-o', 'ConnectTimeout=3']);
      assert.deepEqual(target.command.slice(5, 5 + LEND_NOTHING.length), LEND_NOTHING);
      assert.ok(target.command.includes('BatchMode=yes'));
      // A socket named by yolovm (connection.ts must see it), one per ssh command and destination.
      assert.ok(target.socket?.startsWith(`${join(dir, 'yolovm')}/`));
      assert.match(target.socket ?? '', /\/[0-9a-f]{24}$/);
      assert.ok(target.command.includes(`ControlPath=${target.socket ?? ''}`));
      assert.equal(sshTarget(cfg, '192.0.2.5', { XDG_RUNTIME_DIR: dir }).socket, target.socket, 'the same command shares');
      const other = resolveConfig({ YOLOVM_SSH: 'ssh -p 2222', XDG_RUNTIME_DIR: dir }, new Map());
      assert.notEqual(sshTarget(other, '192.0.2.5', { XDG_RUNTIME_DIR: dir }).socket, target.socket, 'another port does not');
      assert.notEqual(sshTarget(cfg, '192.0.2.6', { XDG_RUNTIME_DIR: dir }).socket, target.socket, 'another VM does not');
      assert.ok(target.command.includes('ControlPersist=5m'));
      assert.ok(!target.command.some((w) => /StrictHostKeyChecking/i.test(w)), 'never weakens host key checking');
      const args = sshArgs(target, 'echo hi');
      assert.deepEqual(args.slice(-3), ['--', 'debian@192.0.2.5', 'echo hi']);
      assert.equal(statSync(join(dir, 'yolovm')).mode & 0o777, 0o700);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('lends nothing whatever the ssh config and YOLOVM_SSH say (ssh -G)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'yolovm-ssh-'));
    try {
      const cfgFile = join(dir, 'config');
      // What a user's ~/.ssh/config commonly has at the top, and worse.
      writeFileSync(
        cfgFile,
        [
          'Host *',
          '  ForwardAgent yes',
          '  ForwardX11 yes',
          '  ForwardX11Trusted yes',
          '  GSSAPIDelegateCredentials yes',
          '  LocalForward 5999 127.0.0.1:22',
          '  RemoteForward 5998 127.0.0.1:22',
          '  DynamicForward 5997',
          '  Tunnel yes',
          '',
        ].join('\n'),
      );
      const words = `ssh -F ${cfgFile} -R 5996:127.0.0.1:22 -L 5995:127.0.0.1:22`;
      const cfg = resolveConfig({ YOLOVM_SSH: words, XDG_RUNTIME_DIR: dir }, new Map());
      const target = sshTarget(cfg, '192.0.2.5', { XDG_RUNTIME_DIR: dir });
      const r = spawnSync(target.command[0] ?? 'ssh', [...target.command.slice(1), '-G', target.destination], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      const resolved = new Map(r.stdout.split('\n').map((l) => [l.split(' ')[0] ?? '', l.slice(l.indexOf(' ') + 1)]));
      assert.equal(resolved.get('forwardagent'), 'no');
      assert.equal(resolved.get('forwardx11'), 'no');
      assert.equal(resolved.get('forwardx11trusted'), 'no');
      assert.equal(resolved.get('gssapidelegatecredentials'), 'no');
      assert.equal(resolved.get('clearallforwardings'), 'yes');
      assert.equal(resolved.get('tunnel'), 'false');
      assert.ok(!/^(localforward|remoteforward|dynamicforward) /m.test(r.stdout), r.stdout);
      // The same config without yolovm's options forwards (so the check above can fail).
      const plain = spawnSync('ssh', ['-F', cfgFile, '-G', target.destination], { encoding: 'utf8' });
      assert.match(plain.stdout, /^forwardagent yes$/m);
      assert.match(plain.stdout, /^remoteforward /m);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('ControlPersist=no turns sharing off', () => {
    const cfg = resolveConfig({ YOLOVM_CONTROL_PERSIST: 'no' }, new Map());
    const target = sshTarget(cfg, 'vm', {});
    assert.ok(target.command.includes('ControlPath=none'));
  });

  it('validates settings', () => {
    assert.equal(parseControlPersist('10m', 'x'), '10m');
    assert.equal(parseControlPersist('1h30m', 'x'), '1h30m');
    assert.throws(() => parseControlPersist('soon', 'x'), YolovmError);
    assert.throws(() => sshTarget(resolveConfig({ YOLOVM_USER: '-oProxyCommand=x' }, new Map()), 'vm', {}), YolovmError);
    assert.throws(() => sshTarget(resolveConfig({ YOLOVM_SSH: 'ssh "unclosed' }, new Map()), 'vm', {}), YolovmError);
  });

  it('refuses a control directory others can read', () => {
    const dir = mkdtempSync(join(tmpdir(), 'yolovm-ctl-'));
    try {
      mkdirSync(join(dir, 'yolovm'));
      chmodSync(join(dir, 'yolovm'), 0o755);
      assert.throws(
        () => controlDir({ XDG_RUNTIME_DIR: dir }),
        (e: unknown) => e instanceof YolovmError && /not private/.test(e.message),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('ssh failures', () => {
  const table: [string, string, RegExp, RegExp][] = [
    [
      'refused',
      'ssh: connect to host 192.0.2.5 port 22: Connection refused',
      /Cannot connect to VM at 192\.0\.2\.5: connection refused/,
      /virsh list/,
    ],
    ['timeout', 'ssh: connect to host 192.0.2.5 port 22: Connection timed out', /connection timed out/, /virsh list/],
    [
      'banner timeout',
      'Connection timed out during banner exchange\nConnection to 192.0.2.5 port 22 timed out',
      /connection timed out/,
      /virsh list/,
    ],
    ['no route', 'ssh: connect to host 192.0.2.5 port 22: No route to host', /no route to host/, /virsh/],
    ['auth', 'debian@192.0.2.5: Permission denied (publickey).', /SSH authentication failed for debian@192\.0\.2\.5/, /key/],
    [
      'unknown key',
      'No ED25519 host key is known for 192.0.2.5 and you have requested strict checking.\nHost key verification failed.',
      /not known/,
      /ssh debian@192\.0\.2\.5/,
    ],
    [
      'changed key',
      "@@@@@@@@\n@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @\nOffending ED25519 key in /home/u/.ssh/known_hosts:3\n  remove with:\n  ssh-keygen -f '/home/u/.ssh/known_hosts' -R '192.0.2.5'\nHost key for 192.0.2.5 has changed and you have requested strict checking.\nHost key verification failed.",
      /Host key of VM at 192\.0\.2\.5 has changed/,
      /ssh-keygen -f '\/home\/u\/\.ssh\/known_hosts' -R '192\.0\.2\.5'/,
    ],
    ['vanished', 'Timeout, server 192.0.2.5 not responding.', /Lost the connection/, /still running/],
    ['other', 'ssh: Could not resolve hostname vmx: Name or service not known', /host name not found/, /virsh/],
  ];
  for (const [name, stderr, what, hint] of table) {
    it(name, () => {
      const e = sshFailure(stderr, t);
      assert.equal(e.exitCode, 2);
      assert.match(e.message, what);
      assert.match(e.hint, hint);
      assert.doesNotMatch(e.hint, /StrictHostKeyChecking=no/);
    });
  }
});
