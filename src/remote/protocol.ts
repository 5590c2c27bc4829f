// The git remote-helper protocol (gitremote-helpers(7)), pure: parsing what git
// says and formatting what we answer. No I/O here, so it is tested alone.
import { Answer } from '../vm/answers.js';
import { shown } from '../core/errors.js';
import { isBranchName } from '../git/plumbing.js';

export type HelperCommand =
  | { kind: 'capabilities' }
  | { kind: 'option'; name: string; value: string }
  | { kind: 'list'; forPush: boolean }
  | { kind: 'push'; spec: string }
  | { kind: 'connect'; service: string }
  | { kind: 'end' }
  | { kind: 'unknown'; line: string };

export function parseCommand(line: string): HelperCommand {
  if (line === '') return { kind: 'end' };
  if (line === 'capabilities') return { kind: 'capabilities' };
  if (line === 'list' || line === 'list for-push') return { kind: 'list', forPush: line === 'list for-push' };
  const sp = line.indexOf(' ');
  const word = sp < 0 ? line : line.slice(0, sp);
  const rest = sp < 0 ? '' : line.slice(sp + 1);
  if (word === 'option' && rest !== '') {
    const sp2 = rest.indexOf(' ');
    return sp2 < 0
      ? { kind: 'option', name: rest, value: 'true' }
      : { kind: 'option', name: rest.slice(0, sp2), value: rest.slice(sp2 + 1) };
  }
  if (word === 'push' && rest !== '') return { kind: 'push', spec: rest };
  if (word === 'connect' && rest !== '') return { kind: 'connect', service: rest };
  return { kind: 'unknown', line };
}

/**
 * What we can do: connect (fetch, clone, ls-remote), push, options for push,
 * and object-format (list says which hash algorithm the VM repository uses).
 */
export const CAPABILITIES = 'connect\npush\noption\nobject-format\n\n';

export interface PushOptions {
  verbosity: number; // 0 quiet, 1 normal, 2+ verbose
  progress: boolean;
  dryRun: boolean;
  atomic: boolean;
  cas: string[]; // --force-with-lease=... arguments for send-pack
  pushOptions: string[];
  /** `git push -o no-checkout`: ours, not the VM's: leave the VM's checkout alone. */
  noCheckout: boolean;
  /** git asked for `:object-format` in list output (`option object-format true`). */
  objectFormat: boolean;
}

export function defaultOptions(): PushOptions {
  return { verbosity: 1, progress: false, dryRun: false, atomic: false, cas: [], pushOptions: [], noCheckout: false, objectFormat: false };
}

/** git sends some option values C-quoted ("a\tb"); this undoes that. */
export function unquoteC(value: string): string {
  if (!value.startsWith('"') || !value.endsWith('"') || value.length < 2) return value;
  const body = value.slice(1, -1);
  const bytes: number[] = [];
  const simple: Record<string, number> = { a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11, '\\': 92, '"': 34 };
  for (let i = 0; i < body.length; i++) {
    const c = body.charAt(i);
    if (c !== '\\') {
      for (const b of Buffer.from(c)) bytes.push(b);
      continue;
    }
    const n = body.charAt(i + 1);
    const octal = /^[0-3][0-7][0-7]/.exec(body.slice(i + 1, i + 4));
    if (octal) {
      bytes.push(parseInt(octal[0], 8));
      i += 3;
    } else if (n in simple) {
      bytes.push(simple[n] ?? 0);
      i += 1;
    } else {
      bytes.push(92);
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** The push option yolovm takes for itself (`git push -o no-checkout yolovm::...`). */
export const NO_CHECKOUT = 'no-checkout';

/** Apply one `option` line; the answer is what git expects back. */
export function applyOption(opts: PushOptions, name: string, value: string): 'ok' | 'unsupported' | `error ${string}` {
  const bool = value === 'true' ? true : value === 'false' ? false : undefined;
  switch (name) {
    case 'verbosity': {
      const n = Number(value);
      if (!Number.isInteger(n)) return 'error invalid verbosity';
      opts.verbosity = n;
      return 'ok';
    }
    case 'progress':
    case 'dry-run':
    case 'atomic':
    case 'object-format':
      if (bool === undefined) return `error invalid value for ${name}`;
      if (name === 'progress') opts.progress = bool;
      else if (name === 'dry-run') opts.dryRun = bool;
      else if (name === 'atomic') opts.atomic = bool;
      else opts.objectFormat = bool;
      return 'ok';
    case 'cas':
      opts.cas.push(`--force-with-lease=${unquoteC(value)}`);
      return 'ok';
    case 'push-option': {
      const option = unquoteC(value);
      if (option === NO_CHECKOUT) opts.noCheckout = true;
      else opts.pushOptions.push(option);
      return 'ok';
    }
    default:
      // Fetch options (depth, cloning, ...) reach git's own code after connect.
      return 'unsupported';
  }
}

export interface PushSpec {
  force: boolean;
  src: string; // '' for a delete
  dst: string;
}

export function parsePushSpec(spec: string): PushSpec {
  const force = spec.startsWith('+');
  const body = force ? spec.slice(1) : spec;
  const colon = body.lastIndexOf(':');
  return colon < 0 ? { force, src: body, dst: body } : { force, src: body.slice(0, colon), dst: body.slice(colon + 1) };
}

/** The branch a new VM repository's HEAD should name: the first branch pushed. */
export function headForNewRepository(specs: readonly PushSpec[]): string {
  return specs.find((s) => s.src !== '' && s.dst.startsWith('refs/heads/'))?.dst ?? '';
}

/**
 * Arguments for `git send-pack --helper-status`, which does the actual push:
 * through its own connection to `receivePack`, or `stateless` over ours
 * (push-session.ts).
 */
export function sendPackArgs(
  opts: PushOptions,
  via: { receivePack: string } | 'stateless',
  destination: string,
  specs: readonly string[],
): string[] {
  const args = ['send-pack', '--helper-status', '--thin', via === 'stateless' ? '--stateless-rpc' : `--receive-pack=${via.receivePack}`];
  if (opts.dryRun) args.push('--dry-run');
  if (opts.atomic) args.push('--atomic');
  if (opts.verbosity <= 0) args.push('--quiet');
  else if (opts.verbosity > 1) args.push('--verbose');
  args.push(...opts.cas);
  for (const o of opts.pushOptions) args.push(`--push-option=${o}`);
  args.push(opts.progress ? '--progress' : '--no-progress');
  args.push(destination, ...specs);
  return args;
}

export type RepoState = 'repo' | 'none' | 'notdir';

/** The VM work tree after a command: its branch ('' when detached) and state. */
export interface VmHead {
  state: 'clean' | 'dirty' | 'bare';
  branch: string;
}

/** "clean main", as the VM script reports a work tree (undefined when it is not that). */
export function parseHead(text: string): VmHead | undefined {
  const m = /^(clean|dirty|bare) ?(.*)$/.exec(text.trim());
  const branch = m?.[2] ?? '';
  return m && (branch === '' || isBranchName(branch)) ? { state: m[1] as VmHead['state'], branch } : undefined;
}

const HASH_LENGTH: Record<string, number> = { sha1: 40, sha256: 64 };

/** An object id's length in hex digits for a hash algorithm git names (undefined for another). */
export function hashLength(format: string | undefined): number | undefined {
  return format === undefined ? undefined : HASH_LENGTH[format];
}

/**
 * The VM script's `list` output: a state line (with the head, for a repository),
 * the repository's `:object-format`, then refs as git wants them. Every line is
 * checked: it goes to git as protocol, so a VM cannot make it say anything else.
 */
export function parseList(out: string): { state: RepoState; head: VmHead | undefined; objectFormat: string | undefined; refs: string[] } {
  const a = new Answer('list');
  const lines = out.split('\n').filter((l) => l !== '');
  const first = lines.shift() ?? '';
  const word = a.word(first.split(' ')[0] ?? '', ['repo', 'none', 'notdir'] as const, 'state');
  if (word !== 'repo') {
    if (first !== word || lines.length > 0) a.fail(`refs from a place with no repository (${shown(first.slice(0, 80))})`);
    return { state: word, head: undefined, objectFormat: undefined, refs: [] };
  }
  const head = first === 'repo' ? undefined : parseHead(first.slice(5));
  if (first !== 'repo' && !head) a.fail(`work tree state ${shown(first.slice(0, 200))}`);
  const format = lines[0]?.startsWith(':object-format ') ? lines.shift()?.slice(':object-format '.length) : undefined;
  const length = format === undefined ? undefined : HASH_LENGTH[a.word(format, ['sha1', 'sha256'] as const, 'object format')];
  for (const line of lines) {
    const sp = line.indexOf(' ');
    const [id, name] = sp < 0 ? [line, ''] : [line.slice(0, sp), line.slice(sp + 1)];
    if (name === 'HEAD' && id.startsWith('@')) a.ref(id.slice(1), 'HEAD target');
    else if (name === 'HEAD') a.oid(id, 'HEAD', length);
    else {
      a.oid(id, `the id of ${shown(name.slice(0, 200))}`, length);
      a.ref(name, 'ref');
    }
  }
  return { state: word, head, objectFormat: format, refs: lines };
}

/** What `list` answers git: the refs, after `:object-format` when git asked for it. */
export function formatListFor(refs: readonly string[], objectFormat: string | undefined): string {
  return formatList(objectFormat ? [`:object-format ${objectFormat}`, ...refs] : refs);
}

/**
 * What `list for-push` answers: the refs receive-pack would advertise, so no
 * HEAD (git push --mirror would otherwise try to delete it on the VM).
 */
export function refsForPush(refs: readonly string[]): string[] {
  return refs.filter((r) => !r.endsWith(' HEAD'));
}

export function formatList(refs: readonly string[]): string {
  return refs.map((r) => `${r}\n`).join('') + '\n';
}

/** Status lines of `send-pack --helper-status` ("ok <ref>", "error <ref> <why>"). */
export function parseStatuses(out: string): string[] {
  return out.split('\n').filter((l) => l.startsWith('ok ') || l.startsWith('error '));
}

/** send-pack's lines that mean the connection under it went away, rather than a complaint of its own. */
const CONNECTION_LOST =
  /the remote end hung up|Could not read from remote|write error: Broken pipe|unexpected disconnect|died of signal 13/;

export function isConnectionLost(line: string): boolean {
  return CONNECTION_LOST.test(line);
}

/**
 * Why send-pack failed before reporting any ref: its own complaint (an `error:`
 * or `fatal:` line that is not a symptom of a lost connection), or undefined.
 */
export function sendPackComplaint(stderrLines: readonly string[]): string | undefined {
  const own = stderrLines.find((l) => /^(fatal|error): /.test(l) && !isConnectionLost(l));
  return own?.replace(/^(fatal|error): /, '');
}

/** For refs the push named that send-pack said nothing about (it died early). */
export function missingStatuses(statuses: readonly string[], specs: readonly PushSpec[], why: string): string[] {
  const named = new Set(statuses.map((l) => l.split(' ')[1]));
  return specs.filter((s) => !named.has(s.dst)).map((s) => `error ${s.dst} ${why}`);
}

/** send-pack's status line for one ref: ok, with an optional note, or error with a reason. */
export function parseStatus(statuses: readonly string[], ref: string): { ok: boolean; message: string } | undefined {
  for (const line of statuses) {
    const m = /^(ok|error) (\S+)(?: (.*))?$/.exec(line);
    if (m?.[2] === ref) return { ok: m[1] === 'ok', message: unquoteC(m[3] ?? '') };
  }
  return undefined;
}

/** The ref was refused because the VM has commits the pushed one lacks (git's "fetch first" / "non-fast-forward"). */
export function isNonFastForward(reason: string): boolean {
  return /^(fetch first|non-fast[- ]forward)$/.test(reason.trim());
}

/** receive.denyCurrentBranch=updateInstead refused because the VM work tree has changes. */
export function isDirtyWorktreeRejection(status: string): boolean {
  return /Working directory has (unstaged|staged) changes|Could not update working tree|Up-to-date check failed/i.test(status);
}

// The helper's own exit status (git itself says only 128 when a helper fails):
// written by the helper to the file named in this variable, for a script or a
// test that runs git with it.
export const REPORT_ENV = 'YOLOVM_REPORT_FILE';

export function formatReport(code: number): string {
  return JSON.stringify({ exit: code });
}
