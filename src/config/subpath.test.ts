// Workspace subpaths and bases: what is refused, and how each is shown.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { YolovmError } from '../core/errors.js';
import { displayPath, parseSubpath, parseWorkspaceBase, rsyncBase } from './subpath.js';

describe('parseSubpath', () => {
  const accepted: [string, string][] = [
    ['', ''],
    ['.', ''],
    ['myapp', 'myapp'],
    ['path/to/repo', 'path/to/repo'],
    ['path//to/./repo/', 'path/to/repo'],
    ['my app', 'my app'],
    ['ünïcødé/名前', 'ünïcødé/名前'],
    ['a;b', 'a;b'],
    ['$(touch x)', '$(touch x)'],
    ['`id`', '`id`'],
    ['it\'s "quoted"', 'it\'s "quoted"'],
    ['a/-b', 'a/-b'],
    ['a|b&c', 'a|b&c'],
    ['x..y', 'x..y'],
  ];
  for (const [input, want] of accepted) {
    it(`takes ${JSON.stringify(input)} verbatim`, () => {
      assert.equal(parseSubpath(input), want);
    });
  }
  const refused: [string, RegExp][] = [
    ['/etc', /absolute/],
    ['..', /leave the workspace/],
    ['a/../../b', /leave the workspace/],
    ['-oProxyCommand=x', /starts with "-"/],
    ['--upload-pack=x', /starts with "-"/],
    ['~/x', /"~"/],
    ['a\nb', /control character/],
    ['a\rb', /control character/],
    ['a\x00b', /control character/],
    ['a\x7fb', /control character/],
    ['bad\uFFFDbyte', /UTF-8/],
    ['x'.repeat(256), /longer than 255/],
    [Array.from({ length: 300 }, () => 'abcd').join('/'), /longer than 1024/],
  ];
  for (const [input, why] of refused) {
    it(`refuses ${JSON.stringify(input.slice(0, 40))}`, () => {
      assert.throws(
        () => parseSubpath(input),
        (e: unknown) => e instanceof YolovmError && e.exitCode === 1 && why.test(e.message) && e.hint.length > 0,
      );
    });
  }
});

describe('workspace base', () => {
  it('shows and maps paths', () => {
    assert.equal(displayPath('~/workspace', ''), '~/workspace');
    assert.equal(displayPath('~/workspace/', 'myapp'), '~/workspace/myapp');
    assert.equal(rsyncBase('~/workspace'), 'workspace');
    assert.equal(rsyncBase('~'), '.');
    assert.equal(rsyncBase('/srv/ws'), '/srv/ws');
  });
  it('validates the setting', () => {
    assert.equal(parseWorkspaceBase('~/workspace', 'default'), '~/workspace');
    assert.equal(parseWorkspaceBase('/srv/ws', 'test'), '/srv/ws');
    for (const bad of ['', '-x', '~other/x', '/a\nb', 'workspace', '../escape'])
      assert.throws(() => parseWorkspaceBase(bad, 'test'), YolovmError, bad);
  });
});
