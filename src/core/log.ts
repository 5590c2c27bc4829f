// Messages for the user go to stderr: stdout belongs to git in the helper, and
// to data a user may pipe in the other commands.
// Everything printed goes through safeText: messages quote what the VM said.
import { shqAll } from './shell.js';
import { safeText } from './text.js';

let verbose = process.env.YOLOVM_VERBOSE === '1';
let quiet = false;

export function setVerbose(on: boolean): void {
  verbose = on;
}
export function isVerbose(): boolean {
  return verbose;
}
export function setQuiet(on: boolean): void {
  quiet = on;
}
export function isQuiet(): boolean {
  return quiet;
}

/** Shown with -v/--verbose only. */
export function debug(message: string): void {
  if (verbose) process.stderr.write(`yolovm: ${safeText(message)}\n`);
}

const standIns: [string, string][] = [];

/** In -v output, show `long` (the whole VM script) as `short`. */
export function showAs(long: string, short: string): void {
  standIns.push([long, short]);
}

/** Shows a command about to run, quoted so it can be pasted into a shell (the VM script as a stand-in). */
export function debugCommand(cmd: string, args: readonly string[]): void {
  if (!verbose) return;
  const shown = args.map((a) => standIns.reduce((text, [long, short]) => text.replaceAll(long, short), a));
  process.stderr.write(`yolovm: + ${safeText(shqAll([cmd, ...shown]))}\n`);
}

/** Normal progress and summaries; silenced by -q. */
export function info(message: string): void {
  if (!quiet) process.stderr.write(`${safeText(message)}\n`);
}

/** Said even with -q (a warning, a key trusted, where a backup went). */
export function notice(message: string): void {
  process.stderr.write(`${safeText(message)}\n`);
}

/** A command's result on stdout (listings, summaries): pipeable, and safe on a terminal. */
export function output(text: string): void {
  process.stdout.write(safeText(text));
}

/** `1 commit`, `3 commits` (`2 branches`, given the plural). */
export function plural(n: number, word: string, many = `${word}s`): string {
  return `${String(n)} ${n === 1 ? word : many}`;
}

/** 1234567 -> 1,234,567, without toLocaleString (whose first call loads ICU data: ~25 ms). */
export function thousands(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}
