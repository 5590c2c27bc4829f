// The ssh-config block: edits as text, and what it carries from ssh -G.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { carriedOptions, findBlock, withBlock, withoutBlock } from './config-block.js';

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
