// vm.sh and vm.ts name the same exit statuses: every status the script dies (die, need)
// with is one VM_EXIT names, and every one VM_EXIT names is used by the script.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { VM_EXIT, vmArgs, vmFailure, type VmRequest } from './vm.js';

const script = readFileSync(new URL('./vm.sh', import.meta.url), 'utf8');
const place = { base: '~/workspace', subpath: 'app', display: '~/workspace/app' };

describe('vm.sh exit statuses', () => {
  const died = new Set([...script.matchAll(/\b(?:die|need \S+) (\d+)/g)].map((m) => Number(m[1])));
  const named = new Set<number>(Object.values(VM_EXIT));
  it('every status vm.sh exits with is named in VM_EXIT', () => {
    assert.deepEqual(
      [...died].filter((c) => !named.has(c)),
      [],
    );
  });
  it('every status VM_EXIT names is one vm.sh exits with, and has a message', () => {
    assert.deepEqual(
      [...named].filter((c) => !died.has(c)),
      [],
    );
    for (const c of named) assert.ok(vmFailure(c, place), `no message for ${String(c)}`);
  });
});

describe('vmArgs: one typed request, the options vm.sh parses', () => {
  const cases: [VmRequest, boolean, string[]][] = [
    [{ mode: 'list' }, true, ['--quiet']],
    [{ mode: 'list', withHead: true }, false, ['--with-head']],
    [{ mode: 'upload-pack', v2: true }, true, ['--quiet', '--v2']],
    [{ mode: 'upload-pack', withSnapshot: 'HEAD' }, true, ['--quiet', '--with-snapshot=HEAD']],
    [{ mode: 'upload-pack', v2: true, withSnapshot: 'refs/heads/a b' }, false, ['--v2', '--with-snapshot=refs/heads/a b']],
    [{ mode: 'upload-archive' }, true, ['--quiet']],
    [{ mode: 'receive-pack', checkout: 'auto', format: 'sha1' }, false, ['--checkout=auto', '--format=sha1']],
    [
      {
        mode: 'receive-pack',
        dryRun: true,
        report: true,
        head: 'refs/heads/a b',
        checkout: 'refs/heads/x',
        format: 'sha256',
        gitDir: true,
      },
      true,
      ['--quiet', '--dry-run', '--report', '--head=refs/heads/a b', '--checkout=refs/heads/x', '--format=sha256', '--gitdir'],
    ],
    [{ mode: 'receive-pack', head: '' }, true, ['--quiet']],
    [{ mode: 'snapshot', dryRun: true }, true, ['--quiet', '--dry-run']],
    [{ mode: 'snapshot', dryRun: false }, true, ['--quiet']],
    [{ mode: 'survey', snapshots: true }, true, ['--quiet', '--snapshots']],
    [{ mode: 'dir-push', rootOk: true, keepAll: true, server: 'rsync' }, true, ['--quiet', '--root-ok', '--keep-all', '--', 'rsync']],
    [{ mode: 'dir-push', dryRun: true }, true, ['--quiet', '--dry-run']],
    [{ mode: 'dir-pull', dryRun: true }, true, ['--quiet', '--dry-run']],
    [{ mode: 'doctor' }, false, []],
  ];
  for (const [req, quiet, want] of cases) {
    it(`${JSON.stringify(req)}${quiet ? ' quiet' : ''} -> ${want.join(' ') || '(none)'}`, () => {
      assert.deepEqual(vmArgs(req, quiet), want);
    });
  }
  it('every option vmArgs makes is one vm.sh parses, and the other way round', () => {
    const parsed = new Set([...script.matchAll(/^ {2}(--[a-z0-9-]+=?)\*?\)/gm)].map((m) => m[1]));
    parsed.delete('--');
    const made = new Set(
      cases.flatMap(([req, quiet]) =>
        vmArgs(req, quiet)
          .filter((a) => a.startsWith('--') && a !== '--')
          .map((a) => a.replace(/=.*/, '=')),
      ),
    );
    assert.deepEqual([...made].sort(), [...parsed].sort());
  });
});
