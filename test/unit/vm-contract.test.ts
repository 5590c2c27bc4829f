// vm.sh and vm.ts name the same exit statuses: every status the script dies (die, need)
// with is one VM_EXIT names, and every one VM_EXIT names is used by the script.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { VM_EXIT, vmFailure } from '../../src/vm/vm.js';

const script = readFileSync(new URL('../../src/vm/vm.sh', import.meta.url), 'utf8');
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
