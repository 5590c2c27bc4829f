import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isSecretLike, runsOnHost, secretFilters } from '../../src/core/boundary.js';
import { parseRawZ } from '../../src/commands/yolo-diff.js';
import { decodeLocation, encodeLocation, locationRefs } from '../../src/git/handoff.js';
import { parseStatusZ } from '../../src/git/plumbing.js';
import { describeChanges, parseSnapshot, size } from '../../src/vm/snapshot.js';
import { YolovmError } from '../../src/core/errors.js';
import { safeText } from '../../src/core/text.js';

const H = '1'.repeat(40);
const S = '2'.repeat(40);

describe('VM locations in ref names', () => {
  const table: [string, string][] = [
    ['', '_'],
    ['_', '%5F'],
    ['myapp', 'myapp'],
    ['path/to/repo', 'path%2Fto%2Frepo'],
    ['my app ü', 'my%20app%20%C3%BC'],
    ['.hidden', '%2Ehidden'],
    ['x.lock', 'x%2Elock'],
    ['a..b@{c}~^:?*[\\', 'a%2E%2Eb%40%7Bc%7D%7E%5E%3A%3F%2A%5B%5C'],
    ['100%', '100%25'],
  ];
  for (const [subpath, component] of table)
    it(JSON.stringify(subpath), () => {
      assert.equal(encodeLocation(subpath), component);
      assert.equal(decodeLocation(component), subpath);
      assert.match(component, /^[A-Za-z0-9%_-]+$/, 'legal in a ref name');
    });
  it('refs per location and branch', () => {
    const r = locationRefs('my app', 'default');
    assert.equal(r.handoff('feature/x'), 'refs/yolovm/default/my%20app/handoff/feature/x');
    assert.equal(r.wip, 'refs/yolovm/default/my%20app/wip');
    assert.equal(locationRefs('', 'agent2').wip, 'refs/yolovm/agent2/_/wip', 'a named VM has refs of its own');
  });
});

describe('snapshot answers', () => {
  it('a snapshot, with renames and odd names in git status -z', () => {
    const out = `head\t${H}\tmain\nsnapshot\t${S}\t1234\n M a.txt\0R  new name\0old name\0?? ü.md\0`;
    assert.deepEqual(parseSnapshot(out), {
      head: H,
      branch: 'main',
      state: 'snapshot',
      snapshot: { sha: S, bytes: 1234 },
      changes: [
        { code: ' M', path: 'a.txt' },
        { code: 'R ', path: 'new name', from: 'old name' },
        { code: '??', path: 'ü.md' },
      ],
    });
  });
  it('clean, unborn, detached', () => {
    assert.deepEqual(parseSnapshot('head\t\t\nclean\n'), { head: '', branch: '', state: 'clean', changes: [] });
  });
  const hostile: [string, string, RegExp][] = [
    ['not a snapshot answer', 'something else\n', /first word/],
    ['no line at all', 'x', /no head line/],
    ['a HEAD that is no id', 'head\tHEAD~1\tmain\nclean\n', /HEAD 'HEAD~1' is not an object id/],
    ['a snapshot that is a refspec', `head\t${H}\tmain\nsnapshot\t${H}:refs/heads/main\t1\n`, /snapshot .* is not an object id/],
    ['a snapshot of the other algorithm', `head\t${H}\tmain\nsnapshot\t${'c'.repeat(64)}\t1\n`, /not an object id/],
    ['a size that is no number', `head\t${H}\tmain\nsnapshot\t${S}\t-1\n`, /size '-1'/],
    ['a branch git refuses', `head\t${H}\tma..in\nclean\n`, /branch 'ma\.\.in'/],
    ['an unknown state', `head\t${H}\tmain\nfine\n`, /state 'fine'/],
    ['a path climbing out', `head\t${H}\tmain\ndirty\n M ../../etc/passwd\0`, /not a relative path/],
    ['an absolute path', `head\t${H}\tmain\ndirty\n M /etc/passwd\0`, /not a relative path/],
    ['a status code that is not one', `head\t${H}\tmain\ndirty\n\x1b[ a\0`, /status code/],
    ['extra fields', `head\t${H}\tmain\textra\nclean\n`, /extra fields/],
  ];
  for (const [name, answer, why] of hostile) {
    it(`refuses ${name}`, () => {
      assert.throws(
        () => parseSnapshot(answer),
        (e: Error) => e instanceof YolovmError && e.exitCode === 2 && why.test(e.message),
      );
    });
  }
  it('a control character in a file name is only shown, escaped', () => {
    const tree = parseSnapshot(`head\t${H}\tmain\ndirty\n?? a\x1b]52;c;eA==\x07\0`);
    assert.equal(tree.changes[0]?.path, 'a\x1b]52;c;eA==\x07');
    assert.equal(safeText(describeChanges(tree.changes)), '1 uncommitted change (?? a\\x1b]52;c;eA==\\x07)');
  });
  it('summaries', () => {
    assert.equal(describeChanges(parseStatusZ(' M a\0?? b\0')), '2 uncommitted changes (M a, ?? b)');
    assert.equal(describeChanges(parseStatusZ(' M a\0 M b\0 M c\0'), 2), '3 uncommitted changes (M a, M b, and 1 more)');
    assert.equal(size(999), '999 bytes');
    assert.equal(size(1234), '1.2 kB');
    assert.equal(size(5_300_000), '5.3 MB');
  });
});

describe('git diff --raw -z', () => {
  it('statuses, renames, modes', () => {
    const z = (...f: string[]) => f.join('\0') + '\0';
    const text = z(
      ':000000 100644 0000 aaaa A',
      'new.txt',
      ':100644 100755 bbbb bbbb M',
      'run',
      ':100644 100644 cccc dddd R087',
      'old name',
      'new name',
      ':100644 000000 eeee 0000 D',
      'gone',
    );
    assert.deepEqual(parseRawZ(text), [
      { status: 'A', path: 'new.txt', becameExecutable: false },
      { status: 'M', path: 'run', becameExecutable: true },
      { status: 'R', path: 'new name', from: 'old name', becameExecutable: false },
      { status: 'D', path: 'gone', becameExecutable: false },
    ]);
  });
});

describe('files that run on the host', () => {
  const table: [string, boolean, string | undefined][] = [
    ['.envrc', false, '.envrc'],
    ['sub/.envrc', false, '.envrc'],
    ['.vscode/tasks.json', false, '.vscode/'],
    ['.idea/workspace.xml', false, '.idea/'],
    ['.githooks/pre-commit', false, '.githooks/'],
    ['.husky/pre-push', false, '.husky/'],
    ['.pre-commit-config.yaml', false, '.pre-commit-config.yaml'],
    ['.github/workflows/ci.yml', false, '.github/workflows/'],
    ['Makefile', false, 'Makefile'],
    ['packages/web/package.json', false, 'package.json'],
    ['scripts/deploy.sh', false, '*.sh'],
    ['bin/tool', true, 'became executable'],
    ['src/main.ts', false, undefined],
    ['docs/vscode.md', false, undefined],
    ['package.json.bak', false, undefined],
  ];
  for (const [path, exec, want] of table)
    it(`${path}${exec ? ' (+x)' : ''}`, () => {
      assert.equal(runsOnHost(path, exec), want);
    });
});

describe('secret-like files', () => {
  const table: [string, boolean][] = [
    ['.env', true],
    ['app/.env.production', true],
    ['.env.example', false],
    ['.env.local.sample', false],
    ['.env.template', false],
    ['certs/server.pem', true],
    ['x.key', true],
    ['id_rsa', true],
    ['id_ed25519.pub', true],
    ['.npmrc', true],
    ['terraform.tfstate.backup', true],
    ['credentials-prod.json', true],
    ['.aws/credentials', true],
    ['home/.ssh/config', true],
    ['.gnupg', true],
    ['src/env.ts', false],
    ['keys.md', false],
    ['environment/.envrc', false],
  ];
  for (const [path, secret] of table)
    it(`${path}: ${secret ? 'secret' : 'not'}`, () => {
      assert.equal(isSecretLike(path), secret);
    });
  it('allowed patterns, by name or by path', () => {
    assert.equal(isSecretLike('.env.test', ['.env.test']), false);
    assert.equal(isSecretLike('certs/dev.pem', ['certs/*']), false);
    assert.equal(isSecretLike('certs/dev.pem', ['other/*']), true);
  });
  it('as rsync filters: allowed first, templates pass, then the secrets', () => {
    const f = secretFilters(['.env.test']);
    assert.equal(f[0], '+ .env.test');
    assert.ok(f.indexOf('+ .env*.example') < f.indexOf('- .env.*'));
    assert.ok(f.includes('- .aws/'));
  });
});
