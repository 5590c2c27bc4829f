// What git yolo-push and git yolo-fetch share: running git through the
// yolovm:: helper with the settings already resolved, and learning the
// helper's own exit status (git reports 128 for all of them).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT, YolovmError, type ExitCode } from '../errors.js';
import { isQuiet, isVerbose } from '../log.js';
import { transfer, type Transfer } from '../git.js';
import type { Session } from '../session.js';

export interface HelperRun extends Transfer {
  /** The helper's own exit status when it failed (it has printed why). */
  helperExit: ExitCode | undefined;
}

/** The URL git is given: yolovm::<subpath>. */
export function vmUrl(subpath: string): string {
  return `yolovm::${subpath}`;
}

/** How the VM location is shown in summaries: debian@1.2.3.4:~/workspace/myapp. */
export function where(s: Session, subpath: string): string {
  return `${s.target.user}@${s.target.host}:${s.place(subpath).display}`;
}

/** git's own verbosity/progress flags matching ours. */
export function gitOutputFlags(): string[] {
  if (isQuiet()) return ['--quiet'];
  const flags = isVerbose() ? ['--verbose'] : [];
  // stderr reaches the terminal through a pipe, so git must be told.
  if (process.stderr.isTTY) flags.push('--progress');
  return flags;
}

export async function runThroughHelper(cwd: string, s: Session, args: readonly string[]): Promise<HelperRun> {
  const dir = mkdtempSync(join(tmpdir(), 'yolovm-'));
  const exitFile = join(dir, 'exit');
  try {
    const env = {
      ...process.env,
      // The address is resolved once, here: the helper does not ask terraform again.
      YOLOVM_HOST: s.host.value,
      YOLOVM_EXIT_FILE: exitFile,
      ...(isVerbose() ? { YOLOVM_VERBOSE: '1' } : {}),
    };
    const r = await transfer(cwd, args, env);
    let helperExit: ExitCode | undefined;
    try {
      const n = Number(readFileSync(exitFile, 'utf8'));
      if (n === EXIT.general || n === EXIT.ssh || n === EXIT.git) helperExit = n;
    } catch {
      helperExit = undefined;
    }
    return { ...r, helperExit };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function gitFailed(what: string, r: Transfer, hint: string): YolovmError {
  const fatal = r.stderr.split('\n').find((l) => l.startsWith('fatal: ') || l.startsWith('error: '));
  return new YolovmError(`${what}${fatal ? `: ${fatal.replace(/^(fatal|error): /, '')}` : ''}`, hint, EXIT.git);
}
