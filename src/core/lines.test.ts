// The line splitter: whole lines, progress pieces at once, a bound on a line that never ends.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Lines, MAX_LINE } from './lines.js';

function split(chunks: string[], progress = true): string[] {
  const seen: string[] = [];
  const lines = new Lines({ line: (l) => seen.push(`L:${l}`), ...(progress ? { progress: (p: string) => seen.push(`P:${p}`) } : {}) });
  for (const c of chunks) lines.push(c);
  lines.end();
  return seen;
}

describe('Lines', () => {
  const cases: [string, string[], string[]][] = [
    ['two lines in one chunk', ['a\nb\n'], ['L:a', 'L:b']],
    ['a line across chunks', ['a', 'b\n'], ['L:ab']],
    ['a last line without its newline', ['a\nb'], ['L:a', 'L:b']],
    ['ssh ends lines with \\r\\n', ['a\r\n'], ['L:a\r']],
    ['a progress meter, shown at once', ['10%\r', '20%\r', 'done\n'], ['P:10%\r', 'P:20%\r', 'L:done']],
    ['nothing', [], []],
  ];
  for (const [name, chunks, want] of cases)
    it(name, () => {
      assert.deepEqual(split(chunks), want);
    });
  it('without a progress sink, \\r stays in the line', () => {
    assert.deepEqual(split(['10%\r20%\n'], false), ['L:10%\r20%']);
  });
  it('a line that never ends is cut at MAX_LINE', () => {
    const seen = split(['x'.repeat(MAX_LINE + 10)]);
    assert.equal(seen.length, 1);
    assert.ok((seen[0]?.length ?? 0) <= MAX_LINE + 12);
  });
});
