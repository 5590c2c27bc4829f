// What the VM answers is untrusted input: the agent owns the VM and can put a
// `git`, `sh` or `find` of its own first on PATH there, so whatever vm.sh is
// sent, the answer may be a lie or a flood. Every parser of a VM answer checks
// each field with these before anything is used, and refuses the whole answer,
// naming the field, when one is wrong: nothing is written for it.
import { EXIT, shown, YolovmError } from '../core/errors.js';
import { isBranchName, isRefName } from '../git/plumbing.js';
import { hasControl } from '../core/text.js';

/** The error for an answer that is not what vm.sh says it sends. */
export function badAnswer(mode: string, what: string): YolovmError {
  return new YolovmError(
    `The VM's answer to ${mode} is not valid: ${what}`,
    'Nothing was written for it. Something on the VM (the agent, or a broken tool) answered this: look with `yolovm ssh`, or re-create the VM.',
    EXIT.ssh,
  );
}

/** The error for an answer over the limit (ssh-child.ts MAX_ANSWER). */
export function answerTooLarge(mode: string, limit: number): YolovmError {
  return new YolovmError(
    `The VM's answer to ${mode} exceeded ${String(Math.round(limit / (1024 * 1024)))} MB`,
    'Nothing was written for it; no honest VM answers that much. Look at what runs on the VM (`yolovm ssh`), or re-create it.',
    EXIT.ssh,
  );
}

const OID = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

/** Field checks for one mode's answer: each returns the value, or throws badAnswer. */
export class Answer {
  constructor(readonly mode: string) {}

  fail(what: string): never {
    throw badAnswer(this.mode, what);
  }

  /** An object id: 40 hex digits (SHA-1) or 64 (SHA-256); `length` when the repository's algorithm is known. */
  oid(value: string, what: string, length?: number): string {
    if (!OID.test(value) || (length !== undefined && value.length !== length))
      this.fail(`${what} ${shown(value.slice(0, 80))} is not an object id`);
    return value;
  }

  /** An object id, or '' (no commit yet). */
  oidOrEmpty(value: string, what: string, length?: number): string {
    return value === '' ? '' : this.oid(value, what, length);
  }

  /** A whole number (a count, a size). */
  count(value: string, what: string): number {
    if (!/^[0-9]{1,15}$/.test(value)) this.fail(`${what} ${shown(value.slice(0, 80))} is not a number`);
    return Number(value);
  }

  /** A full ref name git would take (refs/heads/main). */
  ref(value: string, what: string): string {
    if (!isRefName(value)) this.fail(`${what} ${shown(value.slice(0, 200))} is not a ref name git would take`);
    return value;
  }

  /** A branch name, or '' (a detached HEAD). */
  branchOrEmpty(value: string, what: string): string {
    if (value !== '' && !isBranchName(value)) this.fail(`${what} ${shown(value.slice(0, 200))} is not a branch name git would take`);
    return value;
  }

  /** One of the words the mode may say. */
  word<T extends string>(value: string, words: readonly T[], what: string): T {
    if (!(words as readonly string[]).includes(value)) this.fail(`${what} ${shown(value.slice(0, 80))} is not one of ${words.join(', ')}`);
    return value as T;
  }

  /**
   * A path relative to where the mode ran: not absolute, no `..` segment, no
   * empty segment (`.` alone is the place itself; a directory may end with a
   * slash), no control character. With `strict: false`, for a path that is
   * only shown (escaped), control characters pass; NUL never does.
   */
  relPath(value: string, what: string, { strict = true }: { strict?: boolean } = {}): string {
    const body = value.length > 1 && value.endsWith('/') ? value.slice(0, -1) : value;
    const segments = body.split('/');
    if (body === '' || body.startsWith('/') || segments.includes('..') || (body !== '.' && segments.some((p) => p === '')))
      this.fail(`${what} ${shown(value.slice(0, 200))} is not a relative path inside the asked place`);
    if (value.includes('\0') || (strict && hasControl(value))) this.fail(`${what} ${shown(value.slice(0, 200))} holds a control character`);
    return value;
  }

  /** One entry's name in a directory: no slash, not `.` or `..`. */
  entryName(value: string, what: string): string {
    if (value === '' || value === '..' || value.includes('/') || value.includes('\0'))
      this.fail(`${what} ${shown(value.slice(0, 200))} is not a name in the directory`);
    return value;
  }
}
