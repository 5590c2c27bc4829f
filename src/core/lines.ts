// The one line splitter for a child's stream as it comes (ssh's and git's
// stderr): whole lines, a progress meter's \r-redrawn pieces at once, and a
// line that never ends cut at a bound, so memory stays bounded.

export const MAX_LINE = 64 * 1024;

export interface LineSink {
  /** A whole line, without its \n (it may end in \r: ssh ends lines with \r\n). */
  line(text: string): void;
  /** Text up to a \r with no \n after it yet: a progress meter redrawing its line. */
  progress?(text: string): void;
}

export class Lines {
  private partial = '';

  constructor(private readonly sink: LineSink) {}

  push(chunk: string): void {
    this.partial += chunk;
    if (this.partial.length > MAX_LINE && !/[\r\n]/.test(this.partial)) this.partial += '\n';
    for (let nl = this.partial.indexOf('\n'); nl >= 0; nl = this.partial.indexOf('\n')) {
      const line = this.partial.slice(0, nl);
      this.partial = this.partial.slice(nl + 1);
      this.sink.line(line);
    }
    const cr = this.sink.progress ? this.partial.lastIndexOf('\r') : -1;
    if (cr >= 0) {
      this.sink.progress?.(this.partial.slice(0, cr + 1));
      this.partial = this.partial.slice(cr + 1);
    }
  }

  /** The stream ended: a last line without its newline is still a line. */
  end(): void {
    if (this.partial === '') return;
    const rest = this.partial;
    this.partial = '';
    this.sink.line(rest);
  }
}
