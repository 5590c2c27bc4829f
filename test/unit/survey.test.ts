import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { joinSubpath, parseSurvey } from '../../src/survey.js';

describe('survey answers', () => {
  it('repositories (nested, odd names) and plain directories', () => {
    const z = (...f: string[]) => f.join('\0') + '\0';
    const out =
      z('repo', '.', 'main', 'h1', 'clean', '0', '', '0', '1', 'main', 'h1') +
      z('repo', './a b/ü', '', 'h2', 'dirty', '3', 's2', '120', '2', 'feature/x', 'h3', 'main', 'h2') +
      z('dir', './notes', '1') +
      z('dir', './never', '-') +
      z('dir', './same', '0');
    assert.deepEqual(parseSurvey(out, 'ws'), [
      { kind: 'repo', subpath: 'ws', branch: 'main', head: 'h1', dirty: false, changes: 0, snapshot: '', bytes: 0, tips: { main: 'h1' } },
      {
        kind: 'repo',
        subpath: 'ws/a b/ü',
        branch: '',
        head: 'h2',
        dirty: true,
        changes: 3,
        snapshot: 's2',
        bytes: 120,
        tips: { 'feature/x': 'h3', main: 'h2' },
      },
      { kind: 'dir', subpath: 'ws/notes', changed: true },
      { kind: 'dir', subpath: 'ws/never', changed: undefined },
      { kind: 'dir', subpath: 'ws/same', changed: false },
    ]);
    assert.deepEqual(parseSurvey('', ''), []);
    assert.throws(() => parseSurvey('bogus\0', ''), /unexpected survey answer/);
  });
  it('paths joined to the surveyed place', () => {
    assert.equal(joinSubpath('', '.'), '');
    assert.equal(joinSubpath('', './x/y'), 'x/y');
    assert.equal(joinSubpath('a', './b'), 'a/b');
    assert.equal(joinSubpath('a', '.'), 'a');
  });
});
