// What a push did, and what a rejection means: one line a case.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pushKind, pushRejected, pushSummary, type PushKind, type PushTips } from './push-report.js';

const O = 'a'.repeat(40);
const N = 'b'.repeat(40);
const base: PushTips = { old: O, local: N, message: undefined, oldHere: true, fastForward: true };

describe('pushKind', () => {
  const cases: [string, Partial<PushTips>, PushKind][] = [
    ['same tip', { old: N }, 'up-to-date'],
    ['send-pack said up to date', { message: 'up to date' }, 'up-to-date'],
    ['a new branch', { old: undefined, oldHere: false }, 'new-branch'],
    ['old tip never here', { oldHere: false, fastForward: false }, 'forced-unknown'],
    ['fast-forward', {}, 'fast-forward'],
    ['forced over commits this repository has', { fastForward: false }, 'forced'],
  ];
  for (const [name, tips, want] of cases)
    it(`${name} -> ${want}`, () => {
      assert.equal(pushKind({ ...base, ...tips }), want);
    });
});

describe('pushSummary', () => {
  const w = { branch: 'main', dest: 'debian@vm:~/workspace/app', dryRun: false, old: O, local: N, added: 2, replaced: 1 };
  const cases: [PushKind, boolean, RegExp][] = [
    ['up-to-date', false, /^main is already up to date on debian@vm:~\/workspace\/app \(bbbbbbb\)$/],
    ['new-branch', false, /^Pushed new branch main to .*: 2 commits, up to bbbbbbb$/],
    ['new-branch', true, /^Would push new branch main/],
    ['fast-forward', false, /^Pushed main to .*: 2 commits, aaaaaaa\.\.bbbbbbb$/],
    ['forced', false, /aaaaaaa\.\.\.bbbbbbb \(forced update\): 2 new commits; replaced 1 VM commit, old tip aaaaaaa$/],
    ['forced-unknown', false, /not in this repository \(on the VM: `git branch rescue aaaaaaa` recovers it\)$/],
  ];
  for (const [kind, dryRun, want] of cases)
    it(`${kind}${dryRun ? ' (dry run)' : ''}`, () => {
      assert.match(pushSummary(kind, { ...w, dryRun }), want);
    });
});

describe('pushRejected', () => {
  const c = { branch: 'main', dest: 'vm:~/workspace/app', created: false, fetchArgs: 'main app' };
  const cases: [string, boolean, RegExp, RegExp][] = [
    ['non-fast-forward', false, /the VM has commits that main does not/, /git yolo-fetch main app/],
    ['Working directory has unstaged changes', false, /uncommitted changes/, /Nothing on the VM was touched/],
    ['Working directory has unstaged changes', true, /files already at .* would be overwritten/, /was removed/],
    ['hook declined', false, /rejected: hook declined$/, /messages above/],
  ];
  for (const [why, created, message, hint] of cases)
    it(`${why}${created ? ' (first push)' : ''}`, () => {
      const e = pushRejected(why, { ...c, created });
      assert.match(e.message, message);
      assert.match(e.hint, hint);
      assert.equal(e.exitCode, 3);
    });
});
