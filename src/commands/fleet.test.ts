// Fan-out decisions: the command line each VM gets, and the fleet's exit code.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fleetExit, withoutFleetOptions } from './fleet.js';
import { compareTable } from './fleet-views.js';

describe('withoutFleetOptions', () => {
  const cases: [string[], string[]][] = [
    [
      ['--all-vms', 'main', 'app'],
      ['main', 'app'],
    ],
    [['--vm', 'a,b', 'main'], ['main']],
    [
      ['--vm=a,b', '-q', 'main'],
      ['-q', 'main'],
    ],
    [
      ['status', '--all-vms', '--json'],
      ['status', '--json'],
    ],
    [
      ['ssh', '--all-vms', 'app', '--', 'echo', '--vm', 'x', '--all-vms'],
      ['ssh', 'app', '--', 'echo', '--vm', 'x', '--all-vms'],
    ],
  ];
  for (const [argv, want] of cases)
    it(argv.join(' '), () => {
      assert.deepEqual(withoutFleetOptions(argv), want);
    });
});

describe('fleetExit: 0 only when all succeeded, else the most severe', () => {
  const cases: [number[], number][] = [
    [[0, 0, 0], 0],
    [[0, 1, 0], 1],
    [[3, 1], 3],
    [[1, 2, 3], 2],
    [[2, 130], 130],
    [[0, 5], 5],
    [[5, 1], 1],
  ];
  for (const [codes, want] of cases)
    it(`${codes.join(',')} -> ${String(want)}`, () => {
      assert.equal(fleetExit(codes), want);
    });
});

describe('the --compare table', () => {
  it('one row per VM, an unreachable one says so; VM text escaped', () => {
    const rows = compareTable([
      {
        vm: 'agent-0',
        branch: 'main',
        commits: 2,
        files: 3,
        added: 10,
        removed: 1,
        uncommitted: 1,
        hostRunning: 0,
        subject: 'fix \x1b[2J',
        tip: 'abc1234',
      },
      { vm: 'agent-1', error: 'Cannot reach the VM' },
    ]);
    assert.equal(rows.length, 3);
    assert.match(rows[1] ?? '', /^agent-0 +2 +3 +10 +1 +1 +0 +abc1234 fix \\x1b\[2J$/);
    assert.match(rows[2] ?? '', /^agent-1 +unreachable: Cannot reach the VM$/);
  });
});
