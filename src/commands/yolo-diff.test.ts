// git diff --raw -z, parsed for yolo-diff: one line a case.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileLines, parseRawZ, type FileChange } from './yolo-diff.js';

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

describe('the review file list', () => {
  const f = (status: string, path: string, more: Partial<FileChange> = {}): FileChange => ({
    status,
    path,
    becameExecutable: false,
    ...more,
  });
  const cases: [string, FileChange[], string[]][] = [
    ['nothing', [], ['No files changed.']],
    ['an edit', [f('M', 'src/a.ts')], ['Files (1 file, from the hand-off to the VM work tree):', '  M edited   src/a.ts']],
    [
      'a hook is flagged, with the warning',
      [f('A', '.githooks/pre-commit')],
      [
        'Files (1 file, from the hand-off to the VM work tree):',
        '  A created  .githooks/pre-commit   ! runs on the host (.githooks/)',
        '',
        '! 1 file would run code on this machine when you use your usual tools: review before running anything.',
      ],
    ],
    [
      'a rename names both sides',
      [f('R', 'b.txt', { from: 'a.txt' })],
      ['Files (1 file, from the hand-off to the VM work tree):', '  R renamed  a.txt -> b.txt'],
    ],
  ];
  for (const [name, files, want] of cases)
    it(name, () => {
      assert.deepEqual(fileLines(files), want);
    });
});
