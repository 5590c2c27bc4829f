// What the VM says reaches the terminal escaped: one function, one line a case.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { columns, safeLine, safeRelayed, safeText, stamp } from './text.js';
import { shown } from './errors.js';

describe('safeText: control characters from the VM shown escaped', () => {
  const table: [string, string, string][] = [
    ['plain text', 'remote: Resolving deltas: 100%', 'remote: Resolving deltas: 100%'],
    ['newlines and tabs kept', 'a\tb\nc\n', 'a\tb\nc\n'],
    ['OSC 52 (writes the clipboard)', '\x1b]52;c;ZWNobyBwd25lZA==\x07', '\\x1b]52;c;ZWNobyBwd25lZA==\\x07'],
    ['clear screen', '\x1b[2J\x1b[H', '\\x1b[2J\\x1b[H'],
    ['cursor up', 'ok\x1b[1A', 'ok\\x1b[1A'],
    ['colours too', '\x1b[31mred\x1b[0m', '\\x1b[31mred\\x1b[0m'],
    ['carriage return', 'error\rall good', 'error\\x0dall good'],
    ['backspace', 'x\b', 'x\\x08'],
    ['NUL and DEL', '\0\x7f', '\\x00\\x7f'],
    ['C1 CSI (U+009B)', '\u009b2J', '\\x9b2J'],
    ['bidi override', 'abc\u202edcba', 'abc\\u202edcba'],
    ['unicode letters kept', 'ünï cødé 漢字', 'ünï cødé 漢字'],
  ];
  for (const [name, input, want] of table) {
    it(name, () => {
      assert.equal(safeText(input), want);
    });
  }
  it('safeLine escapes newlines too (a name stays on its line)', () => {
    assert.equal(safeLine('a\nb\tc'), 'a\\x0ab\\x09c');
    assert.equal(shown('x\n\x1b'), "'x\\x0a\\x1b'");
  });
  it("safeRelayed keeps a progress meter's carriage return, nothing else", () => {
    assert.equal(safeRelayed('Counting: 50%\rCounting: 100%\n'), 'Counting: 50%\rCounting: 100%\n');
    assert.equal(safeRelayed('\x1b[2J\r\x1b]52;c;x\x07'), '\\x1b[2J\r\\x1b]52;c;x\\x07');
  });
});

describe('columns in terminal cells', () => {
  const table: [string, number, string][] = [
    ['app/', 6, 'app/  '],
    ['日本語/', 9, '日本語/  '],
    ['e\u0301/', 4, 'e\u0301/  '],
    ['longer-than/', 4, 'longer-than/'],
  ];
  for (const [text, cells, want] of table) {
    it(`${text} in ${String(cells)}`, async () => {
      assert.equal((await columns([text])).pad(text, cells), want);
    });
  }
  it('the widest of a column counts a wide character as two', async () => {
    assert.equal((await columns(['app/', '日本語/'])).widest, 7);
    assert.equal((await columns(['app/', 'x'])).widest, 4);
    assert.equal((await columns([])).widest, 0);
  });
});

describe('stamp', () => {
  it('names a time so that names sort as times do', () => {
    assert.equal(stamp(new Date('2026-12-02T03:04:05.678Z')), '20261202-030405.678');
    assert.ok(stamp(new Date('2026-12-02T03:04:05.678Z')) < stamp(new Date('2026-12-02T03:04:06.001Z')));
  });
});
