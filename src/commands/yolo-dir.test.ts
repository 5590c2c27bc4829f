// The VM's `ls` answer: checked, and names shown escaped.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { massGuard, parseLs } from './yolo-dir.js';
import { YolovmError } from '../core/errors.js';

describe('ls answers', () => {
  const z = (...rows: string[]) => rows.map((r) => `${r}\0`).join('');
  it('an honest listing', () => {
    assert.deepEqual(parseLs(z('repo\tmain\tclean\t.', 'dir\t\t\tnotes', 'file\t\t\ta\tb', 'repo\t(detached HEAD)\tdirty\tx')), [
      { kind: 'repo', branch: 'main', state: 'clean', name: '.' },
      { kind: 'dir', branch: '', state: '', name: 'notes' },
      { kind: 'file', branch: '', state: '', name: 'a\tb' },
      { kind: 'repo', branch: '(detached HEAD)', state: 'dirty', name: 'x' },
    ]);
    assert.deepEqual(parseLs(''), []);
  });
  const hostile: [string, string, RegExp][] = [
    ['an unknown kind', z('link\t\t\tx'), /kind 'link'/],
    ['a name with a slash', z('file\t\t\t../../etc/passwd'), /not a name in the directory/],
    ['a dot-dot name', z('dir\t\t\t..'), /not a name/],
    ['a branch git refuses', z('repo\t-x\tclean\ta'), /branch '-x'/],
    ['a state for a file', z('file\t\tclean\ta'), /state 'clean' for a file/],
    ['junk with no terminator', 'x'.repeat(100), /not terminated/],
  ];
  for (const [name, answer, why] of hostile) {
    it(`refuses ${name}`, () => {
      assert.throws(
        () => parseLs(answer),
        (e: Error) => e instanceof YolovmError && e.exitCode === 2 && why.test(e.message),
      );
    });
  }
});

describe("a pull's mass-change guard", () => {
  const cases: [string, number, boolean, number | undefined, ReturnType<typeof massGuard>][] = [
    ['a small tree is not probed', 20, false, undefined, 'none'],
    ['a sizeable tree is probed first', 21, false, undefined, 'probe'],
    ['--force skips the probe', 500, true, undefined, 'none'],
    ['half of it changed: allowed', 100, false, 50, 'ok'],
    ['more than half: refused', 100, false, 51, 'refuse'],
    ['nothing changed', 100, false, 0, 'ok'],
  ];
  for (const [name, files, force, hit, want] of cases)
    it(`${name} -> ${want}`, () => {
      assert.equal(massGuard(files, force, hit), want);
    });
});
