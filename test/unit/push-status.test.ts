import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isDirtyWorktreeRejection, isNonFastForward, parseStatus } from '../../src/protocol.js';

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
