// The VM's snapshot answer, checked field by field.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseStatusZ } from '../git/plumbing.js';
import { describeChanges, parseSnapshot, size, snapshotFromMarkers } from './snapshot.js';
import { StderrRelay } from '../ssh/relay.js';
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
  it('beside a fetch: base64 marker lines on stderr, collected by the relay apart from what it shows', () => {
    const answer = `head\t${H}\tmain\nsnapshot\t${S}\t6\n?? wip.txt\0`;
    const relay = new StderrRelay();
    const b64 = Buffer.from(answer).toString('base64');
    for (const part of [b64.slice(0, 20), b64.slice(20)]) relay.push(`yolovm:snapshot:${part}\n`);
    assert.deepEqual(relay.all, []);
    assert.equal(snapshotFromMarkers(relay.snapshot).snapshot?.sha, S);
  });
  const markers: [string, { text: string; lines: number; overflow: boolean }, RegExp][] = [
    ['no lines', { text: '', lines: 0, overflow: false }, /no snapshot lines/],
    ['a line that is not base64', { text: 'aGVhZA\x1b[2Jb', lines: 2, overflow: false }, /not base64: 'aGVhZA\\x1b\[2Jb'/],
    ['padding inside', { text: 'aGVhZA==aGVhZA==', lines: 2, overflow: false }, /not base64/],
    ['more than an answer may be', { text: '', lines: 9, overflow: true }, /exceeded 32 MB/],
    ['base64 of something else', { text: Buffer.from('rm -rf /\n').toString('base64'), lines: 1, overflow: false }, /first word/],
  ];
  for (const [name, marker, why] of markers) {
    it(`refuses, beside a fetch, ${name}`, () => {
      assert.throws(
        () => snapshotFromMarkers(marker),
        (e: Error) => e instanceof YolovmError && why.test(e.message),
      );
    });
  }
  it('the relay stops keeping snapshot lines past the bound (counting each line whole), and says so', () => {
    const relay = new StderrRelay();
    for (let i = 0; i < 800; i++) relay.push(`yolovm:snapshot:${'A'.repeat(100_000)}\n`);
    assert.equal(relay.snapshot.overflow, true);
    assert.equal(relay.snapshot.text, '');
    const short = new StderrRelay();
    short.push('yolovm:snapshot:QUFB\n'.repeat(4_000_000));
    assert.equal(short.snapshot.overflow, true, 'short lines count with their marker');
  });
  it('summaries', () => {
    assert.equal(describeChanges(parseStatusZ(' M a\0?? b\0')), '2 uncommitted changes (M a, ?? b)');
    assert.equal(describeChanges(parseStatusZ(' M a\0 M b\0 M c\0'), 2), '3 uncommitted changes (M a, M b, and 1 more)');
    assert.equal(size(999), '999 bytes');
    assert.equal(size(1234), '1.2 kB');
    assert.equal(size(5_300_000), '5.3 MB');
  });
});
