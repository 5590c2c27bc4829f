// What a fetch does to the local branch: one line a case.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { branchUpdate, pathsGitWouldOverwrite, type BranchUpdate, type Tips } from './branch-update.js';

const L = '1'.repeat(40);
const V = '2'.repeat(40);
const base: Tips = { local: L, vm: V, vmHere: true, vmInLocal: false, localInVm: false, force: false };

describe('branchUpdate', () => {
  const cases: [string, Partial<Tips>, BranchUpdate][] = [
    ['the VM commit not here (a dry run)', { vmHere: false }, 'unknown'],
    ['the VM commit not here, no local branch', { vmHere: false, local: undefined }, 'unknown'],
    ['same commit', { local: V }, 'up-to-date'],
    ['no local branch', { local: undefined }, 'create'],
    ['local holds the VM tip', { vmInLocal: true }, 'ahead'],
    ['local is behind', { localInVm: true }, 'fast-forward'],
    ['local is behind, --force changes nothing', { localInVm: true, force: true }, 'fast-forward'],
    ['diverged', {}, 'diverged'],
    ['diverged, --force', { force: true }, 'force'],
    ['ahead wins over --force', { vmInLocal: true, force: true }, 'ahead'],
  ];
  for (const [name, tips, want] of cases)
    it(`${name} -> ${want}`, () => {
      assert.equal(branchUpdate({ ...base, ...tips }), want);
    });
});

describe('pathsGitWouldOverwrite', () => {
  const cases: [string, string[]][] = [
    [
      'error: Your local changes to the following files would be overwritten by merge:\n\ta.txt\n\tdir/b c.txt\nPlease commit',
      ['a.txt', 'dir/b c.txt'],
    ],
    ['fatal: Not possible to fast-forward, aborting.', []],
  ];
  for (const [text, want] of cases)
    it(JSON.stringify(text.slice(0, 40)), () => {
      assert.deepEqual(pathsGitWouldOverwrite(text), want);
    });
});
