import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parsePorcelain } from '../../src/commands/yolo-push.js';

describe('git push --porcelain lines', () => {
  const out = 'To yolovm::myapp\n*\trefs/heads/new:refs/heads/new\t[new branch]\n \trefs/heads/b:refs/heads/b\tabc1234..def5678\n+\trefs/heads/f:refs/heads/f\tabc1234...def5678 (forced update)\n!\trefs/heads/r:refs/heads/r\t[rejected] (fetch first)\n=\trefs/heads/u:refs/heads/u\t[up to date]\nDone\n';
  const table: [string, { flag: string; summary: string } | undefined][] = [
    ['refs/heads/new', { flag: '*', summary: '[new branch]' }],
    ['refs/heads/b', { flag: ' ', summary: 'abc1234..def5678' }],
    ['refs/heads/f', { flag: '+', summary: 'abc1234...def5678 (forced update)' }],
    ['refs/heads/r', { flag: '!', summary: '[rejected] (fetch first)' }],
    ['refs/heads/u', { flag: '=', summary: '[up to date]' }],
    ['refs/heads/missing', undefined],
  ];
  for (const [ref, want] of table) it(ref, () => { assert.deepEqual(parsePorcelain(out, ref), want); });
});
