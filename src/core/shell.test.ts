// Quoting for a remote shell, and splitting words: hostile strings, one line a case.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { shq, shqAll, splitWords } from './shell.js';

const HOSTILE = [
  'plain',
  '',
  'with space',
  "it's",
  '"double"',
  '$(touch /tmp/yolovm-pwned)',
  '`id`',
  'a;b',
  'a|b',
  'a&b',
  '$HOME',
  '~',
  '-e x',
  '--upload-pack=x',
  'new\nline',
  'tab\there',
  '\\back',
  'ünïcødé 名前',
  "'; rm -rf / #",
  '*',
  '!bang',
];

describe('shq', () => {
  it('leaves simple words bare and quotes the rest', () => {
    assert.equal(shq('myapp/x-1.2'), 'myapp/x-1.2');
    assert.equal(shq(''), "''");
    assert.equal(shq("it's"), `'it'\\''s'`);
  });

  for (const word of HOSTILE) {
    it(`a real sh gets back exactly ${JSON.stringify(word)}`, () => {
      const r = spawnSync('sh', ['-c', `printf %s ${shq(word)}`], { encoding: 'utf8' });
      assert.equal(r.status, 0);
      assert.equal(r.stdout, word);
    });
  }

  it('quotes a whole argument list word by word', () => {
    const r = spawnSync('sh', ['-c', `for a in ${shqAll(HOSTILE)}; do printf '%s\\0' "$a"; done`], { encoding: 'utf8' });
    assert.deepEqual(r.stdout.split('\0').slice(0, -1), HOSTILE);
  });

  it('refuses a NUL byte', () => {
    assert.throws(() => shq('a\0b'));
  });
});

describe('splitWords', () => {
  const table: [string, string[] | undefined][] = [
    ['ssh', ['ssh']],
    ['  ssh   -F  cfg ', ['ssh', '-F', 'cfg']],
    ['ssh -F "/my dir/cfg"', ['ssh', '-F', '/my dir/cfg']],
    ["ssh -o 'ProxyJump=a b'", ['ssh', '-o', 'ProxyJump=a b']],
    ['ssh -i ~/.ssh/k $HOME `x` $(y)', ['ssh', '-i', '~/.ssh/k', '$HOME', '`x`', '$(y)']],
    ['a\\ b "c\\"d" e""f', ['a b', 'c"d', 'ef']],
    ['ssh "unclosed', undefined],
    ["ssh 'unclosed", undefined],
    ['', []],
  ];
  for (const [input, want] of table) {
    it(JSON.stringify(input), () => {
      assert.deepEqual(splitWords(input), want);
    });
  }
});
