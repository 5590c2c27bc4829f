// rsync arguments: quoting, literal patterns, delete-only rules.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { YolovmError } from '../core/errors.js';
import { DEFAULT_EXCLUDES, literalPattern, localArg, remoteArg, rsyncArgs, rsyncQuote, statNumber } from './rsync.js';
import { deleteOnlyRules } from './pushed.js';

const t = {
  host: '192.0.2.5',
  user: 'debian',
  command: ['ssh', '-F', "/my dir/it's cfg", '-o', 'BatchMode=yes'],
  destination: 'debian@192.0.2.5',
};

describe('rsync arguments', () => {
  it('quotes -e words the way rsync splits them (no backslashes)', () => {
    assert.equal(rsyncQuote('BatchMode=yes'), 'BatchMode=yes');
    assert.equal(rsyncQuote('/a b'), "'/a b'");
    assert.equal(rsyncQuote("it's"), `"it's"`);
    assert.throws(() => rsyncQuote(`both ' and "`), YolovmError);
  });
  it('keeps local paths local and sends contents, not the directory', () => {
    assert.equal(localArg('a:b'), './a:b/');
    assert.equal(localArg('-weird'), './-weird/');
    assert.equal(localArg('/abs/dir/'), '/abs/dir/');
    assert.equal(localArg('../up'), '../up/');
  });
  it('names the VM side user@host:path/, brackets IPv6', () => {
    assert.equal(remoteArg(t, 'workspace/my app'), 'debian@192.0.2.5:workspace/my app/');
    assert.equal(remoteArg({ user: 'u', host: 'fe80::1' }, 'w'), 'u@[fe80::1]:w/');
  });
  it('push: -s, nanosecond mtimes, excludes, then -- and the two paths', () => {
    const a = rsyncArgs(t, {
      direction: 'push',
      local: 'proj',
      remote: 'workspace/x',
      excludes: DEFAULT_EXCLUDES,
      delete: false,
      dryRun: true,
      progress: false,
    });
    assert.ok(a.includes('-s') && a.includes('--modify-window=-1') && a.includes('--dry-run'));
    assert.ok(!a.includes('--delete'));
    assert.equal(a[a.indexOf('-e') + 1], `ssh -F "/my dir/it's cfg" -o BatchMode=yes`);
    assert.deepEqual(
      a.filter((x) => x.startsWith('--exclude=')),
      ['--exclude=.git/', '--exclude=node_modules/', '--exclude=__pycache__/', '--exclude=.venv/'],
    );
    assert.deepEqual(a.slice(-3), ['--', './proj/', 'debian@192.0.2.5:workspace/x/']);
  });
  it('pull: delete, protect, backup dir, remote first', () => {
    const a = rsyncArgs(t, {
      direction: 'pull',
      local: '/l',
      remote: 'w',
      excludes: [],
      protect: ['.git/'],
      delete: true,
      dryRun: false,
      progress: true,
      compressLevel: 3,
      backupDir: '/b/files',
    });
    for (const x of ['--delete', '--backup', '--backup-dir=/b/files', '--filter=protect .git/', '--info=progress2', '--compress-level=3'])
      assert.ok(a.includes(x), x);
    assert.deepEqual(a.slice(-2), ['debian@192.0.2.5:w/', '/l/']);
  });
  it('reads numbers from --stats', () => {
    assert.equal(statNumber(new Map([['Total bytes sent', '1,234,567']]), 'Total bytes sent'), 1234567);
    assert.equal(statNumber(new Map(), 'Total bytes sent'), 0);
  });
});

describe('literal rsync patterns', () => {
  const table: [string, string][] = [
    ['plain/name.txt', 'plain/name.txt'],
    ['app/[slug]/notes.local', 'app/\\[slug]/notes.local'],
    ['st*r', 'st\\*r'],
    ['q?', 'q\\?'],
    ['back\\slash', 'back\\slash'],
    ['[x]\\y', '\\[x]\\\\y'],
  ];
  for (const [path, want] of table) {
    it(path, () => {
      assert.equal(literalPattern(path), want);
    });
  }
});

describe("a push's --delete guard", () => {
  it('risks each name the last push sent, then protects everything else', () => {
    assert.equal(deleteOnlyRules([]), 'P /**\n');
    assert.equal(deleteOnlyRules(['a.txt', 'sub/', 'app/[slug]/x']), 'R /a.txt\nR /sub/\nR /app/\\[slug]/x\nP /**\n');
  });
  it('a name with a newline cannot be a rule: it stays protected', () => {
    assert.equal(deleteOnlyRules(['two\nlines', 'ok']), 'R /ok\nP /**\n');
  });
  it('merges the rules last, and asks the VM to name what they spared', () => {
    const a = rsyncArgs(t, {
      direction: 'push',
      local: 'p',
      remote: 'w',
      excludes: DEFAULT_EXCLUDES,
      delete: true,
      deleteOnly: '/tmp/rules',
      dryRun: false,
      progress: false,
    });
    assert.deepEqual(a.slice(-5, -3), ['--filter=merge /tmp/rules', '-M--debug=FILTER1']);
  });
});
