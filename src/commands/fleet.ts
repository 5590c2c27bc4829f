// Fan-out: one command, several VMs (`--vm a,b`, `--all-vms`). Each VM gets a
// process of its own (this same command with `--vm <name>`), so each has its own
// shared connection, host key and session slots, and one slow or dead VM holds
// back nobody; at most `jobs` run at once. Every line a VM's process prints is
// prefixed with the VM's name; a summary names each outcome; the exit code is
// 0 only when every VM succeeded, else the most severe one (see `severity`).
import { performance } from 'node:perf_hooks';
import { YolovmError } from '../core/errors.js';
import { Lines } from '../core/lines.js';
import { info, notice } from '../core/log.js';
import { finished, start } from '../core/proc.js';
import { safeLine } from '../core/text.js';

export interface VmRun {
  vm: string;
  code: number;
  ms: number;
  /** Its stdout, when collected (not printed). */
  stdout: string;
  /** Its last error line, for the summary. */
  error: string | undefined;
}

export interface FanOutOptions {
  /** Arguments after ours for each VM's process (e.g. --row). */
  extra?: readonly string[];
  /** Keep each VM's stdout for the caller instead of printing it. */
  collect?: boolean;
  /** How many VMs at once (YOLOVM_FLEET_JOBS, default 8). */
  jobs?: number;
}

/** Our command line without the fleet options: --all-vms, --vm LIST, --vm=LIST (never after `--`). */
export function withoutFleetOptions(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    if (a === '--') {
      out.push(...argv.slice(i));
      break;
    }
    if (a === '--all-vms' || a.startsWith('--vm=')) continue;
    if (a === '--vm') {
      i++;
      continue;
    }
    out.push(a);
  }
  return out;
}

/** How bad an exit is, for the fleet's own exit code: interrupted, then ssh (2), git (3), usage (1). */
export function severity(code: number): number {
  if (code === 0) return 0;
  if (code >= 128) return 5;
  return ({ 2: 4, 3: 3, 1: 2 } as Record<number, number>)[code] ?? 1;
}

/** The exit code of a fleet run: 0 when all succeeded, else the most severe failure. */
export function fleetExit(codes: readonly number[]): number {
  return codes.reduce((worst, c) => (severity(c) > severity(worst) ? c : worst), 0);
}

export function jobsSetting(env: NodeJS.ProcessEnv = process.env): number {
  const n = Number(env.YOLOVM_FLEET_JOBS ?? '');
  return Number.isInteger(n) && n >= 1 && n <= 64 ? n : 8;
}

/** Run this command once per VM, in parallel; print each VM's lines prefixed; return every outcome. */
export async function fanOut(vms: readonly string[], argv: readonly string[], o: FanOutOptions = {}): Promise<VmRun[]> {
  if (vms.length === 0) throw new YolovmError('No VM to run on', 'List the VMs with `yolovm vms`; name them with --vm a,b.');
  // VM names are ASCII (config.ts VM_NAME): plain padding, and no string-width in the push and diff bundles.
  const width = Math.max(...vms.map((v) => v.length));
  const script = process.argv[1] ?? '';
  const args = [...withoutFleetOptions(argv)];
  // Our own options go before a `--` (yolovm ssh ... -- CMD): after it they would be the command's.
  const cut = args.indexOf('--');
  const runs: VmRun[] = [];
  let next = 0;
  const one = async (vm: string): Promise<VmRun> => {
    const mine = ['--vm', vm, ...(o.extra ?? [])];
    const argvFor = cut < 0 ? [...args, ...mine] : [...args.slice(0, cut), ...mine, ...args.slice(cut)];
    const t0 = performance.now();
    const child = start(process.execPath, [script, ...argvFor], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, YOLOVM_FLEET_MEMBER: vm },
    });
    const tag = `${vm.padEnd(width)} | `;
    let stdout = '';
    let error: string | undefined;
    const out = new Lines({ line: (l) => process.stdout.write(`${tag}${l}\n`) });
    const err = new Lines({
      line: (l) => {
        if (/^error: /.test(l)) error = l.slice('error: '.length);
        process.stderr.write(`${tag}${l}\n`);
      },
    });
    child.stdout?.setEncoding('utf8').on('data', (d: string) => {
      if (o.collect) stdout += d;
      else out.push(d);
    });
    child.stderr?.setEncoding('utf8').on('data', (d: string) => {
      err.push(d);
    });
    const code = await finished(child, process.execPath);
    out.end();
    err.end();
    return { vm, code, ms: performance.now() - t0, stdout, error };
  };
  const worker = async () => {
    while (next < vms.length) {
      const vm = vms[next++] ?? '';
      runs.push(await one(vm));
    }
  };
  await Promise.all(Array.from({ length: Math.min(o.jobs ?? jobsSetting(), vms.length) }, worker));
  return vms.map((vm) => runs.find((r) => r.vm === vm) as VmRun);
}

/** The closing table: each VM, its outcome and time; the fleet's exit code. */
export function summarize(runs: readonly VmRun[], what: string): number {
  const failed = runs.filter((r) => r.code !== 0);
  const width = Math.max(...runs.map((r) => r.vm.length));
  const lines = runs.map((r) => {
    const outcome = r.code === 0 ? 'ok' : `exit ${String(r.code)}`;
    const why = r.code !== 0 && r.error ? `  ${safeLine(r.error).slice(0, 160)}` : '';
    return `  ${r.vm.padEnd(width)}  ${outcome.padEnd(7)}  ${(r.ms / 1000).toFixed(1).padStart(5)} s${why}`;
  });
  const head = `${what} on ${String(runs.length)} VMs: ${failed.length === 0 ? 'all succeeded' : `${String(runs.length - failed.length)} succeeded, ${String(failed.length)} failed (${failed.map((r) => r.vm).join(', ')})`}`;
  // Said even with -q when something failed: the one place that says which VM.
  (failed.length > 0 ? notice : info)([head, ...lines].join('\n'));
  return fleetExit(runs.map((r) => r.code));
}
