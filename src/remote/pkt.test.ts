// pkt-lines: receive-pack's advertisement read, send-pack's wrapping taken off.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { advertisedFormat, advertisedRefs, flushEnd, payloads, PktReader } from './pkt.js';

const pkt = (text: string) => `${(text.length + 4).toString(16).padStart(4, '0')}${text}`;
const A = 'a'.repeat(40);
const B = 'b'.repeat(40);

describe('flushEnd', () => {
  const table: [string, string, number, number | { from: number } | 'bad'][] = [
    ['a flush alone', '0000', 0, 4],
    ['two lines and a flush', `${pkt('x\n')}${pkt('yz\n')}0000`, 0, 17],
    ['after a prefix', `ab\n\n${pkt('x\n')}0000rest`, 4, 14],
    ['no flush yet: look again after the line', pkt('x\n'), 0, { from: 6 }],
    ['a header cut short', '00', 0, { from: 0 }],
    ['a line cut short: look again at it', `${pkt('x')}0009ab`, 0, { from: 5 }],
    ['not hex', 'zzzz', 0, 'bad'],
    ['upper-case hex', '000A', 0, 'bad'],
    ['a length under 4', '0002', 0, 'bad'],
  ];
  for (const [what, text, from, want] of table)
    it(what, () => {
      assert.deepEqual(flushEnd(Buffer.from(text), from), want);
    });
});

describe('advertisedRefs', () => {
  const refs = (lines: string[]) => advertisedRefs(payloads(Buffer.from(lines.map(pkt).join('') + '0000')), 40);
  it('reads refs, the first with its capabilities', () => {
    assert.deepEqual(refs([`${A} refs/heads/main\0report-status delete-refs\n`, `${B} refs/heads/x\n`]), [
      `${A} refs/heads/main`,
      `${B} refs/heads/x`,
    ]);
  });
  it('an empty repository advertises none', () => {
    assert.deepEqual(refs([`${'0'.repeat(40)} capabilities^{}\0report-status\n`]), []);
  });
  it('alternates (.have) are no refs', () => {
    assert.deepEqual(refs([`${A} refs/heads/main\0caps\n`, `${B} .have\n`]), [`${A} refs/heads/main`]);
  });
  const bad: [string, string[]][] = [
    ['a short id', [`abc refs/heads/main\0caps\n`]],
    ['a sha256 id in a sha1 repository', [`${'c'.repeat(64)} refs/heads/main\0caps\n`]],
    ['a ref git would refuse', [`${A} refs/heads/a..b\0caps\n`]],
    ['an escape in a ref', [`${A} refs/heads/main\0caps\n`, `${B} refs/heads/\x1b[31m\n`]],
    ['capabilities^{} after the first line', [`${A} refs/heads/main\0caps\n`, `${B} capabilities^{}\n`]],
  ];
  for (const [what, lines] of bad)
    it(`refuses ${what}`, () => {
      assert.throws(() => refs(lines), /answer to push is not valid/);
    });
});

describe('advertisedFormat', () => {
  const table: [string, string, 'sha1' | 'sha256' | RegExp][] = [
    ['named sha256', `${A} refs/heads/main\0report-status object-format=sha256 agent=git/2.39\n`, 'sha256'],
    ['named sha1, last', `${A} refs/heads/main\0report-status object-format=sha1\n`, 'sha1'],
    ['not named (git before 2.28)', `${A} refs/heads/main\0report-status delete-refs\n`, 'sha1'],
    ['no capabilities', `${A} refs/heads/main\n`, 'sha1'],
    ['one git does not know', `${A} refs/heads/main\0object-format=md5\n`, /answer to push is not valid/],
  ];
  for (const [what, line, want] of table)
    it(what, () => {
      const pkts = [Buffer.from(line)];
      if (want instanceof RegExp) assert.throws(() => advertisedFormat(pkts), want);
      else assert.equal(advertisedFormat(pkts), want);
    });
});

describe('PktReader', () => {
  /** What the reader made of `text` fed in pieces of `size` bytes: data, flushes (F) and raw bytes ([...]). */
  function read(text: string, size: number, rawAfter: number): string {
    let out = '';
    let flushes = 0;
    const r = new PktReader({
      data: (b) => (out += b.toString()),
      flush: () => {
        out += 'F';
        return ++flushes >= rawAfter ? 'raw' : 'pkt';
      },
      raw: (b) => (out += `[${b.toString()}]`),
      bad: () => (out += '!'),
    });
    const buf = Buffer.from(text);
    for (let i = 0; i < buf.length; i += size) r.push(buf.subarray(i, i + size));
    return out.replace(/\]\[/g, '');
  }
  const stream = `${pkt('cmd\n')}${pkt('PACK')}0000` + '0000ok refs/heads/main\n';
  for (const size of [1, 3, 4, 7, 1000])
    it(`unwraps a request, then a flush and raw status lines, in pieces of ${String(size)}`, () => {
      assert.equal(read(stream, size, 2), 'cmd\nPACKFF[ok refs/heads/main\n]');
    });
  it('a flush first (nothing to send), then raw', () => {
    assert.equal(read('0000ok x\n', 2, 1), 'F[ok x\n]');
  });
  it('an empty pkt-line carries nothing', () => {
    assert.equal(read(`0004${pkt('a')}0000`, 5, 1), 'aF');
  });
  it('stops at what is not pkt-lines', () => {
    assert.equal(read(`${pkt('a')}zzzz${pkt('b')}`, 100, 1), 'a!');
  });
});
