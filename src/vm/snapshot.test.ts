// The VM's snapshot answer, checked field by field.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseStatusZ } from '../git/plumbing.js';
import { describeChanges, parseSnapshot, size } from './snapshot.js';
import { YolovmError } from '../core/errors.js';
import { safeText } from '../core/text.js';

const H = '1'.repeat(40);
const S = '2'.repeat(40);

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
