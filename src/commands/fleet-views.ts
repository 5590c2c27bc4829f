// The commands whose fleet form is more than each VM's output under its name:
// `yolovm status --json` over several VMs (one JSON document), `yolovm ssh` over
// several (a command, never a shell), `git yolo-diff --compare` (one row per VM).
import { EXIT, YolovmError } from '../core/errors.js';
import { output } from '../core/log.js';
import { safeLine } from '../core/text.js';
import { allVmNames } from '../config/vms.js';
import { applyCommonOptions, fleetNames, type CommonOptions } from './cli.js';
import { fanOut, fleetExit, summarize, type VmRun } from './fleet.js';
import type { AttemptRow } from './yolo-diff.js';

function quietly(opts: CommonOptions): void {
  applyCommonOptions({ verbose: opts.verbose, quiet: opts.quiet });
}

/** Each VM's JSON answer, parsed (null when it failed or said something else). */
function parsedRuns(runs: readonly VmRun[]): { vm: string; code: number; result: unknown }[] {
  return runs.map((r) => {
    let result: unknown = null;
    try {
      result = r.code === 0 || r.stdout.trim().startsWith('{') || r.stdout.trim().startsWith('[') ? JSON.parse(r.stdout) : null;
    } catch {
      result = null;
    }
    return { vm: r.vm, code: r.code, result };
  });
}

/** `yolovm status` over several VMs; undefined for one. */
export async function statusAcross(opts: CommonOptions & { json?: boolean }): Promise<number | undefined> {
  const names = fleetNames(opts);
  if (!names) {
    applyCommonOptions(opts);
    return undefined;
  }
  quietly(opts);
  if (!opts.json) return summarize(await fanOut(names, process.argv.slice(2)), 'yolovm status');
  const runs = await fanOut(names, process.argv.slice(2), { collect: true });
  output(`${JSON.stringify(parsedRuns(runs), null, 2)}\n`);
  return fleetExit(runs.map((r) => r.code));
}

/** `yolovm ssh` over several VMs: a command in each, then each exit status and time; undefined for one VM. */
export async function sshAcross(opts: CommonOptions & { forwardAgent?: boolean }, command: readonly string[]): Promise<number | undefined> {
  const names = fleetNames(opts);
  if (!names) {
    applyCommonOptions(opts);
    return undefined;
  }
  quietly(opts);
  if (command.length === 0)
    throw new YolovmError(
      'A shell on several VMs at once is not possible',
      'Give a command after --, e.g. `yolovm ssh --all-vms app -- npm test`.',
    );
  if (opts.forwardAgent) throw new YolovmError('-A lends your ssh agent to one VM at a time', 'Name one VM with --vm <name>.');
  return summarize(await fanOut(names, process.argv.slice(2)), 'yolovm ssh');
}

/** The --compare table: one row per VM, its attempt or why it could not be reached. */
export function compareTable(rows: readonly (AttemptRow | { vm: string; error: string })[]): string[] {
  // VM names are ASCII (config.ts VM_NAME): plain padding keeps string-width out of git yolo-diff's start-up.
  const w = Math.max(...['vm', ...rows.map((r) => r.vm)].map((n) => n.length));
  const head = `${'vm'.padEnd(w)}  commits  files     +lines   -lines  uncommitted  host-running  tip`;
  return [
    head,
    ...rows.map((r) => {
      if ('error' in r) return safeLine(`${r.vm.padEnd(w)}  unreachable: ${r.error}`);
      const n = (x: number, width: number) => String(x).padStart(width);
      return safeLine(
        `${r.vm.padEnd(w)}  ${n(r.commits, 7)}  ${n(r.files, 5)}  ${n(r.added, 9)}  ${n(r.removed, 7)}  ${n(r.uncommitted, 11)}  ${n(r.hostRunning, 12)}  ${r.tip} ${r.subject}`,
      );
    }),
  ];
}

/** `git yolo-diff --compare [branch]`: every named VM (all when none is named and several are known). */
export async function compareAttempts(opts: CommonOptions & { json?: boolean }): Promise<number> {
  quietly(opts);
  const names = fleetNames(opts) ?? (opts.vm !== undefined ? [opts.vm] : allVmNames(true));
  const runs = await fanOut(
    names,
    process.argv.slice(2).filter((a) => a !== '--compare' && a !== '--json'),
    { collect: true, extra: ['--row'] },
  );
  const rows = runs.map((r) => {
    const last = r.stdout.trim().split('\n').pop() ?? '';
    try {
      return r.code === 0 ? (JSON.parse(last) as AttemptRow) : { vm: r.vm, error: r.error ?? `exit ${String(r.code)}` };
    } catch {
      return { vm: r.vm, error: 'no answer' };
    }
  });
  if (opts.json)
    output(
      `${JSON.stringify(
        rows.map((r) => ({ ...r, reachable: !('error' in r) })),
        null,
        2,
      )}\n`,
    );
  else output(`${compareTable(rows).join('\n')}\n`);
  const code = fleetExit(runs.map((r) => r.code));
  return code === 0 ? EXIT.ok : code;
}
