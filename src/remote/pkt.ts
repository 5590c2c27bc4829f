// git's pkt-line framing (gitprotocol-common(5)), pure: four hex digits of
// length (the four counted), then the payload; "0000" is a flush. A push in one
// session (push-session.ts) reads receive-pack's advertisement in this framing
// and takes it off what git send-pack --stateless-rpc writes.
import { Answer } from '../vm/answers.js';
import { shown } from '../core/errors.js';

/**
 * Where the pkt-lines starting at `from` end: just past their flush; while they
 * are incomplete, where to look again once more has come (`{ from }`); 'bad'
 * when they are not pkt-lines.
 */
export function flushEnd(buf: Buffer, from: number): number | { from: number } | 'bad' {
  let at = from;
  while (at + 4 <= buf.length) {
    const len = pktLength(buf.subarray(at, at + 4));
    if (len === undefined) return 'bad';
    if (len === 0) return at + 4;
    if (at + len > buf.length) break;
    at += len;
  }
  return { from: at };
}

/** A pkt-line header's length: 0 for a flush, undefined when it is not one (or a delim/response-end, v2 only). */
function pktLength(header: Buffer): number | undefined {
  const text = header.toString('latin1');
  if (!/^[0-9a-f]{4}$/.test(text)) return undefined;
  const len = parseInt(text, 16);
  return len === 0 || len >= 4 ? len : undefined;
}

/** The payloads of the pkt-lines in `buf` up to their flush (flushEnd says the flush is there). */
export function payloads(buf: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0; at + 4 <= buf.length;) {
    const len = pktLength(buf.subarray(at, at + 4)) ?? 0;
    if (len === 0) break;
    out.push(buf.subarray(at + 4, at + len));
    at += len;
  }
  return out;
}

/**
 * The refs of receive-pack's advertisement as list lines ("<id> <ref>"): its
 * first line carries the capabilities after a NUL, an empty repository
 * advertises only `capabilities^{}`, and `.have` lines (alternates) are no refs.
 * Every field is checked: the VM wrote it.
 */
export function advertisedRefs(pkts: readonly Buffer[], length: number | undefined): string[] {
  const a = new Answer('push');
  const refs: string[] = [];
  pkts.forEach((pkt, i) => {
    let text = pkt.toString('utf8');
    if (text.endsWith('\n')) text = text.slice(0, -1);
    if (i === 0) text = text.split('\0')[0] ?? '';
    const sp = text.indexOf(' ');
    const [id, name] = sp < 0 ? [text, ''] : [text.slice(0, sp), text.slice(sp + 1)];
    a.oid(id, `the id of ${shown(name.slice(0, 200))}`, length);
    if (name === '.have' || (i === 0 && name === 'capabilities^{}')) return;
    refs.push(`${id} ${a.ref(name, 'ref')}`);
  });
  return refs;
}

/**
 * The hash algorithm receive-pack's advertisement names in its capabilities
 * (`object-format=`, which git sends since 2.28; before it, only SHA-1 was).
 */
export function advertisedFormat(pkts: readonly Buffer[]): 'sha1' | 'sha256' {
  const caps = (pkts[0]?.toString('utf8').split('\0')[1] ?? '').replace(/\n$/, '');
  const named = /(?:^| )object-format=(\S*)/.exec(caps)?.[1];
  return named === undefined ? 'sha1' : new Answer('push').word(named, ['sha1', 'sha256'] as const, 'object format');
}

export interface PktSink {
  /** A payload's bytes (a pkt-line may come in several pieces). */
  data(bytes: Buffer): void;
  /** A flush: 'pkt' to read on in pkt-lines, 'raw' for the rest as it is. */
  flush(): 'pkt' | 'raw';
  /** After 'raw': the bytes as they come. */
  raw(bytes: Buffer): void;
  /** Not pkt-lines: nothing more is read. */
  bad(): void;
}

/** Takes the framing off a stream as it comes, without copying payloads. */
export class PktReader {
  private header = Buffer.alloc(0);
  private left = 0;
  private mode: 'pkt' | 'raw' | 'bad' = 'pkt';

  constructor(private readonly sink: PktSink) {}

  push(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length) {
      if (this.mode === 'raw') {
        this.sink.raw(chunk.subarray(at));
        return;
      }
      if (this.mode === 'bad') return;
      if (this.left > 0) {
        const n = Math.min(this.left, chunk.length - at);
        this.sink.data(chunk.subarray(at, at + n));
        this.left -= n;
        at += n;
        continue;
      }
      const take = chunk.subarray(at, at + 4 - this.header.length);
      this.header = Buffer.concat([this.header, take]);
      at += take.length;
      if (this.header.length < 4) return;
      const len = pktLength(this.header);
      this.header = Buffer.alloc(0);
      if (len === undefined) {
        this.mode = 'bad';
        this.sink.bad();
      } else if (len === 0) this.mode = this.sink.flush();
      else this.left = len - 4;
    }
  }
}
