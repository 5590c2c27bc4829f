// Running git through the yolovm:: helper (git yolo-fetch does): git's output
// flags matching ours, the settings resolved once, and the helper's own exit
// status learned from its report file (git reports 128 for all of them).
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT, YolovmError, type ExitCode } from '../core/errors.js';
import { debug, isQuiet, isVerbose } from '../core/log.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { transfer, type Transfer } from '../git/repo.js';
import { DEFAULT_VM } from '../config/config.js';
import { FOUND_ENV, type Session } from '../vm/session.js';
import { parseReport, REPORT_ENV } from './protocol.js';

export interface HelperRun extends Transfer {
  /** The helper's own exit status when it failed (it has printed why). */
  helperExit: ExitCode | undefined;
}

/** The URL git is given: yolovm::<subpath>, or yolovm::<name>:<subpath> for a named VM. */
export function vmUrl(s: Session, subpath: string): string {
  return s.cfg.vm.value === DEFAULT_VM ? `yolovm::${subpath}` : `yolovm::${s.cfg.vm.value}:${subpath}`;
}

/** git's own verbosity/progress flags matching ours. */
export function gitOutputFlags(): string[] {
  if (isQuiet()) return ['--quiet'];
  const flags = isVerbose() ? ['--verbose'] : [];
  // stderr reaches the terminal through a pipe, so git must be told.
  if (process.stderr.isTTY) flags.push('--progress');
  return flags;
}

/** Run git with the yolovm:: helper; stderr lines matching `hide` are kept from the user (we say it better). */
export async function runThroughHelper(cwd: string, s: Session, args: readonly string[], hide?: RegExp): Promise<HelperRun> {
  const dir = mkdtempSync(join(tmpdir(), 'yolovm-'));
  const reportFile = join(dir, 'report.json');
  try {
    const env = {
      ...process.env,
      // The VM is found once, here: the helper does not ask terraform again.
      YOLOVM_VM: s.cfg.vm.value,
      [FOUND_ENV]: JSON.stringify({ ...s.found, vm: s.cfg.vm.value }),
      [REPORT_ENV]: reportFile,
      ...(isVerbose() ? { YOLOVM_VERBOSE: '1' } : {}),
    };
    const r = await transfer(cwd, args, env, hide);
    const helperExit = parseReport(existsSync(reportFile) ? readFileSync(reportFile, 'utf8') : undefined);
    return { ...r, helperExit };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * A fetch through the helper into refs/yolovm/, tried again when another
 * yolovm command in the same repository moved one of those refs while it ran
 * (`cannot lock ref ... is at X but expected Y`): both wrote what the VM has,
 * so the next try finds it there. A few tries at most.
 */
export async function fetchThroughHelper(cwd: string, s: Session, args: readonly string[], hide?: RegExp): Promise<HelperRun> {
  // Those lines are ours to judge (and in r.stderr when the last try fails too).
  const race = "cannot lock ref 'refs/yolovm/|\\(unable to update local ref\\)";
  const quiet = new RegExp(hide ? `${hide.source}|${race}` : race);
  for (let attempt = 1; ; attempt++) {
    const r = await runThroughHelper(cwd, s, args, quiet);
    if (r.code === 0 || attempt >= 5 || !/cannot lock ref 'refs\/yolovm\//.test(r.stderr)) return r;
    debug(`another command moved a ref under refs/yolovm/ meanwhile: fetching again (try ${String(attempt + 1)})`);
    await sleep(20 * attempt + Math.random() * 50);
  }
}

export function gitFailed(what: string, r: Transfer, hint: string): YolovmError {
  const fatal = r.stderr.split('\n').find((l) => l.startsWith('fatal: ') || l.startsWith('error: '));
  return new YolovmError(`${what}${fatal ? `: ${fatal.replace(/^(fatal|error): /, '')}` : ''}`, hint, EXIT.git);
}
