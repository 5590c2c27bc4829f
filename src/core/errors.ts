// One error type for everything a user can cause or fix. Each carries the exit
// code from docs/contract.md and a hint: one line saying what is wrong, one what to do.
import { safeLine, safeText } from './text.js';

export const EXIT = {
  ok: 0,
  general: 1, // bad arguments, preconditions not met
  ssh: 2, // VM not reachable, authentication failed, host key changed
  git: 3, // push rejected, fetch failed, non-fast-forward
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** A user-supplied name for a message: quoted, control characters escaped, so an error stays one line. */
export function shown(name: string): string {
  return `'${safeLine(name)}'`;
}

export class YolovmError extends Error {
  constructor(
    message: string,
    readonly hint: string,
    readonly exitCode: ExitCode = EXIT.general,
    /** The VM script's exit status this error explains (VM_EXIT in vm.ts), so no one matches message text. */
    readonly vmStatus?: number,
  ) {
    super(message);
    this.name = 'YolovmError';
  }
}

/** A failure something else (the helper, git) has already explained: exit quietly with its status. */
export class Reported extends Error {
  constructor(readonly exitCode: ExitCode) {
    super('already reported');
  }
}

export function printError(err: unknown): ExitCode {
  if (err instanceof Reported) return err.exitCode;
  if (err instanceof YolovmError) {
    // A message may quote the VM (an ssh error line, a name): shown safely.
    process.stderr.write(`error: ${safeText(err.message)}\nhint: ${safeText(err.hint)}\n`);
    if (process.env.YOLOVM_DEBUG === '1' && err.stack) process.stderr.write(`${err.stack}\n`);
    return err.exitCode;
  }
  // A bug, not a user error: say so, and keep the trace for the report.
  const detail = err instanceof Error ? (process.env.YOLOVM_DEBUG === '1' ? (err.stack ?? err.message) : err.message) : String(err);
  process.stderr.write(`error: internal error: ${safeText(detail)}\nhint: run again with YOLOVM_DEBUG=1 and report the output\n`);
  return EXIT.general;
}

/** The one top-level handler every entry point goes through. */
export function runMain(main: () => Promise<number | undefined>): void {
  // `yolo-dir ls | head`: a reader that stops early is not an error.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
  main().then(
    (code) => {
      process.exitCode = code ?? 0;
    },
    (err: unknown) => {
      process.exitCode = printError(err);
    },
  );
}
