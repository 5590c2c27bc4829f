// git diff --raw -z, parsed for yolo-diff: one line a case.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseRawZ } from './yolo-diff.js';

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
