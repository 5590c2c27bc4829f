// Backups of a pull: what rsync's itemized lines say was replaced.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classify, unescapeName } from './backups.js';

describe('pull records', () => {
  it('sorts rsync itemized lines into created, replaced and deleted', () => {
    assert.deepEqual(
      classify([
        'cd+++++++++ new dir/',
        '>f+++++++++ new dir/a b.txt',
        '>f.st...... edited.txt',
        '.f..t...... touched.txt',
        '*deleting   gone.txt',
        '*deleting   old/',
        '>f+++++++++ -dash',
      ]),
      { created: ['new dir/a b.txt', '-dash'], createdDirs: ['new dir'], replaced: ['edited.txt'], deleted: ['gone.txt', 'old/'] },
    );
  });
  it('undoes rsync’s escapes of unprintable bytes', () => {
    assert.equal(unescapeName('a\\#012b'), 'a\nb');
    assert.equal(unescapeName('ü \\#033x'), 'ü \x1bx');
    assert.equal(unescapeName('plain\\#9'), 'plain\\#9');
  });
});
