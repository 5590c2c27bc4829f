// What git send-pack reported, per ref.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { spawnSync } from 'node:child_process';
import { branchRef } from '../git/plumbing.js';
import { isDirtyWorktreeRejection, isNonFastForward, parseStatus } from './protocol.js';

describe('send-pack --helper-status lines', () => {
  const out = [
    'ok refs/heads/new',
    'ok refs/heads/same up to date',
    'error refs/heads/r non-fast forward',
    'error refs/heads/f fetch first',
    'error refs/heads/d "Working directory has unstaged changes"',
    'error refs/heads/other no match',
  ];
  const table: [string, { ok: boolean; message: string } | undefined][] = [
    ['refs/heads/new', { ok: true, message: '' }],
    ['refs/heads/same', { ok: true, message: 'up to date' }],
    ['refs/heads/r', { ok: false, message: 'non-fast forward' }],
    ['refs/heads/f', { ok: false, message: 'fetch first' }],
    ['refs/heads/d', { ok: false, message: 'Working directory has unstaged changes' }],
    ['refs/heads/missing', undefined],
  ];
  for (const [ref, want] of table) {
    it(ref, () => {
      assert.deepEqual(parseStatus(out, ref), want);
    });
  }
});

describe('why a ref was refused', () => {
  const table: [string, 'non-ff' | 'dirty' | 'other'][] = [
    ['fetch first', 'non-ff'],
    ['non-fast-forward', 'non-ff'],
    ['non-fast forward', 'non-ff'],
    ['stale info', 'other'],
    ['Working directory has unstaged changes', 'dirty'],
    ['Working directory has staged changes', 'dirty'],
    ['Could not update working tree to new HEAD', 'dirty'],
    ['hook declined', 'other'],
    ['failed to update ref (not a fetch first case)', 'other'],
  ];
  for (const [reason, kind] of table) {
    it(reason, () => {
      assert.equal(isNonFastForward(reason), kind === 'non-ff');
      assert.equal(isDirtyWorktreeRejection(reason), kind === 'dirty');
    });
  }
});

describe('branch names, as git check-ref-format --branch takes them (no git process)', () => {
  const good = ['main', 'feature/auth', 'a.b', 'v1.2-rc', 'ü-branch', 'x@y', 'a/b/c'];
  const bad = [
    '',
    '-x',
    'HEAD',
    '@',
    'a..b',
    'a b',
    'a~1',
    'a^',
    'a:b',
    'a?',
    'a*',
    'a[b',
    'a\\b',
    'a@{1}',
    '/a',
    'a/',
    'a//b',
    'a.',
    '.a',
    'a/.b',
    'a.lock',
    'a.lock/b',
    'a\x01b',
    'a\x7fb',
  ];
  for (const name of good)
    it(`takes ${JSON.stringify(name)}`, () => {
      assert.equal(branchRef(name), `refs/heads/${name}`);
    });
  for (const name of bad) {
    it(`refuses ${JSON.stringify(name)}`, () => {
      assert.throws(() => branchRef(name), /Invalid branch name/);
    });
  }
  it('agrees with git on every case (but @, which git expands to the current branch)', () => {
    for (const name of [...good, ...bad].filter((n) => n !== '@')) {
      const git = spawnSync('git', ['check-ref-format', '--branch', name]).status === 0 && !name.startsWith('-') && name !== 'HEAD';
      let ours = true;
      try {
        branchRef(name);
      } catch {
        ours = false;
      }
      assert.equal(ours, git, name);
    }
  });
});
