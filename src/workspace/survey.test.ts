// The survey answer, and submodule places.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseModulePaths, vmModulePlace } from '../git/submodules.js';
import { joinSubpath, parseSurvey } from './survey.js';
import { YolovmError } from '../core/errors.js';

const [h1, h2, h3, s2] = ['1'.repeat(40), '2'.repeat(40), '3'.repeat(40), '4'.repeat(40)] as const;

describe('survey answers', () => {
  it('repositories (nested, odd names) and plain directories', () => {
    const z = (...f: string[]) => f.join('\0') + '\0';
    const out =
      z('repo', '.', 'main', h1, 'clean', '0', '', '0', '1', 'main', h1, '0', '0', '0') +
      z('repo', './a b/ü', '', h2, 'dirty', '3', s2, '120', '2', 'feature/x', h3, 'main', h2) +
      z('2', 'refs/tags/v1', h3, 'refs/notes/commits', h1, '2', s2, h1, '1', h3) +
      z('dir', './notes', '1') +
      z('dir', './never', '-') +
      z('dir', './same', '0');
    assert.deepEqual(parseSurvey(out, 'ws'), [
      {
        kind: 'repo',
        subpath: 'ws',
        branch: 'main',
        head: h1,
        dirty: false,
        changes: 0,
        snapshot: '',
        bytes: 0,
        tips: { main: h1 },
        refs: {},
        stash: [],
        lost: [],
      },
      {
        kind: 'repo',
        subpath: 'ws/a b/ü',
        branch: '',
        head: h2,
        dirty: true,
        changes: 3,
        snapshot: s2,
        bytes: 120,
        tips: { 'feature/x': h3, main: h2 },
        refs: { 'refs/tags/v1': h3, 'refs/notes/commits': h1 },
        stash: [s2, h1],
        lost: [h3],
      },
      { kind: 'dir', subpath: 'ws/notes', changed: true },
      { kind: 'dir', subpath: 'ws/never', changed: undefined },
      { kind: 'dir', subpath: 'ws/same', changed: false },
    ]);
    assert.deepEqual(parseSurvey('', ''), []);
  });
  const z = (...f: string[]) => f.join('\0') + '\0';
  const repo = (path: string, ...rest: string[]) => z('repo', path, 'main', h1, 'clean', '0', '', '0', ...rest);
  const hostile: [string, string, RegExp][] = [
    ['an unknown kind', z('bogus'), /entry kind 'bogus'/],
    ['junk with no terminator', 'x'.repeat(1000), /not terminated/],
    ['a path climbing out', z('dir', './../../etc', '1'), /not a relative path/],
    ['an absolute path', z('dir', '/etc', '1'), /not relative to the asked place/],
    ['a path with .. inside', repo('./a/../../b', '0'), /not a relative path/],
    ['a path with a NUL', z('dir', './a', '1').replace('a', 'a\0\0'), /not one of|ends early|control character/],
    ['a path listed twice', z('dir', './a', '1') + z('dir', './a', '0'), /listed twice/],
    ['a HEAD that is no id', z('repo', './a', 'main', 'HEAD', 'clean', '0', '', '0', '0'), /HEAD 'HEAD' is not an object id/],
    ['a snapshot that is a refspec', z('repo', './a', 'main', h1, 'dirty', '1', `${h1}:refs/heads/main`, '0', '0'), /snapshot/],
    ['a count that is no number', z('repo', './a', 'main', h1, 'dirty', '1e9', '', '0', '0'), /count of changes/],
    ['more branches announced than sent', repo('./a', '99999999'), /branches announced/],
    ['more refs announced than sent', repo('./a', '0', '5', 'refs/tags/x', h1), /refs announced/],
    ['a branch among the other refs', repo('./a', '0', '1', 'refs/heads/x', h1, '0', '0'), /not one of the other refs/],
    ['a ref git refuses', repo('./a', '0', '1', 'refs/tags/a..b', h1, '0', '0'), /not a ref name/],
    ['a stash entry that is no id', repo('./a', '0', '0', '1', 'stash@{0}', '0'), /stash entries 'stash@\{0\}'/],
    ['more lost commits announced than sent', repo('./a', '0', '0', '0', '7', h1), /lost commits announced/],
    ['a branch git refuses', repo('./a', '1', '-delete', h1), /branch '-delete'/],
    ['a tip of the other algorithm', repo('./a', '1', 'x', 'f'.repeat(64)), /not an object id/],
    ['a branch listed twice', repo('./a', '2', 'x', h1, 'x', h1), /listed twice/],
    ['an entry cut short', z('repo', './a', 'main'), /ends early|not one of/],
    ['a changed flag that is not one', z('dir', './a', 'yes'), /changed 'yes'/],
  ];
  // A name no subpath can address is kept as it is (shown escaped, and `save` says it cannot save it).
  for (const name of ['a\x1b[2J', 'a\nb'])
    it(`keeps a path with a control character: ${JSON.stringify(name)}`, () => {
      assert.deepEqual(
        parseSurvey(z('dir', `./${name}`, '1'), '').map((e) => e.subpath),
        [name],
      );
    });
  for (const [name, answer, why] of hostile) {
    it(`refuses ${name}`, () => {
      assert.throws(
        () => parseSurvey(answer, ''),
        (e: Error) => e instanceof YolovmError && e.exitCode === 2 && why.test(e.message),
      );
    });
  }
  it('paths joined to the surveyed place', () => {
    assert.equal(joinSubpath('', '.'), '');
    assert.equal(joinSubpath('', './x/y'), 'x/y');
    assert.equal(joinSubpath('a', './b'), 'a/b');
    assert.equal(joinSubpath('a', '.'), 'a');
  });
});

describe('submodule records', () => {
  it('.gitmodules names and paths, from git config -z', () => {
    assert.deepEqual(parseModulePaths('submodule.vendor/lib.path\nvendor/lib\0submodule.a b.path\nsp ace/x\0'), [
      { name: 'vendor/lib', path: 'vendor/lib' },
      { name: 'a b', path: 'sp ace/x' },
    ]);
    assert.deepEqual(parseModulePaths(''), []);
  });
  it('their place on the VM: inside the superproject git directory', () => {
    assert.equal(vmModulePlace('app', 'vendor/lib'), 'app/.git/modules/vendor/lib');
    assert.equal(vmModulePlace('', 'x'), '.git/modules/x');
  });
});
