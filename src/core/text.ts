// Text that came from the VM (or from anything the user did not type) on its
// way to a terminal. One rule, used wherever such text is printed: control
// characters are shown escaped, as git's core.quotePath shows them in names,
// so no escape sequence from the VM reaches the user's screen (`\e]52;...`
// writes the clipboard, `\e[2J` clears the screen, `\e[1A` rewrites a line).

// C0 controls but tab and newline, DEL, C1 controls (U+0080-U+009F: U+009B is
// CSI in some terminals), and the bidirectional overrides that reorder what a
// line appears to say.
const CONTROLS = '\\x00-\\x08\\x0b-\\x1f\\x7f-\\x9f\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069';
const CONTROL = new RegExp(`[${CONTROLS}]`, 'g');
const CONTROL_OR_NEWLINE = new RegExp(`[${CONTROLS}\\t\\n]`, 'g');

function escape(c: string): string {
  const n = c.charCodeAt(0);
  return n < 0x100 ? `\\x${n.toString(16).padStart(2, '0')}` : `\\u${n.toString(16).padStart(4, '0')}`;
}

/** Text for the terminal: newlines and tabs kept, every other control character escaped (`\x1b`). */
export function safeText(text: string): string {
  return text.replace(CONTROL, escape);
}

/** One line for the terminal: newlines escaped too, so a name can never start a line of its own. */
export function safeLine(text: string): string {
  return text.replace(CONTROL_OR_NEWLINE, escape);
}

/** A relayed stream (a child's stderr): as safeText, but a carriage return, with which a progress meter redraws its own line, is kept. */
export function safeRelayed(text: string): string {
  return text.split('\r').map(safeText).join('\r');
}

/** Whether a name holds a control character (a newline included). */
export function hasControl(text: string): boolean {
  return text.search(CONTROL_OR_NEWLINE) >= 0;
}

/** Terminal columns for a table's texts: a wide (CJK) character takes two cells, a combining mark none. */
export interface Columns {
  /** The widest of the texts, in cells. */
  widest: number;
  /** `text` (one of the texts) padded to `cells`. */
  pad(text: string, cells: number): string;
}

const PLAIN = /^[\x20-\x7e]*$/;

/**
 * Columns for `texts`. string-width, whose Unicode tables cost ~20 ms of every
 * start, is loaded only when a text is not plain ASCII (the bundles load it then).
 */
export async function columns(texts: readonly string[]): Promise<Columns> {
  const width = texts.every((t) => PLAIN.test(t)) ? (t: string) => t.length : (await import('string-width')).default;
  return {
    widest: Math.max(0, ...texts.map((t) => width(t))),
    pad: (text, cells) => text + ' '.repeat(Math.max(0, cells - width(text))),
  };
}

/** A UTC time as yolovm names directories after it: 20261202-033030.123 (sorts as it reads). */
export function stamp(at = new Date()): string {
  return at.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 19);
}
