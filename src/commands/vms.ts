// yolovm vms [--check]: every VM this host knows (config/vms.ts), one line
// each: name, address, instance, where it came from; --check asks each, in
// parallel, whether it answers over ssh.
import { EXIT } from '../core/errors.js';
import { output } from '../core/log.js';
import { columns, safeLine } from '../core/text.js';
import { completionVmNames, knownVms, type KnownVm } from '../config/vms.js';
import { loadConfig } from '../config/config.js';
import { resolveSession } from '../vm/session.js';
import { meetVm } from './session.js';
import { YolovmError } from '../core/errors.js';

export interface VmsOptions {
  check?: boolean;
  json?: boolean;
}

/** Whether one VM answers: its shared connection opened (and a first host key trusted), or why not. */
async function reach(vm: KnownVm): Promise<string> {
  if (vm.address === undefined) return 'no address';
  try {
    await meetVm(resolveSession(true, loadConfig(true, { name: vm.name, source: 'yolovm vms --check' })), true);
    return 'reachable';
  } catch (err) {
    if (err instanceof YolovmError) return `unreachable: ${err.message}`;
    throw err;
  }
}

export async function vms(opts: VmsOptions): Promise<number> {
  const all = knownVms(true);
  const reached = opts.check ? await Promise.all(all.map(reach)) : [];
  if (opts.json) {
    output(
      `${JSON.stringify(
        all.map((v, i) => ({ ...v, ...(opts.check ? { check: reached[i] } : {}) })),
        null,
        2,
      )}\n`,
    );
  } else {
    const names = await columns(all.map((v) => v.name));
    const addresses = await columns(all.map((v) => v.address ?? '-'));
    const lines = all.map((v, i) => {
      const where =
        v.address === undefined ? `- ${v.why ?? ''}` : `${addresses.pad(v.address, addresses.widest)}  ${v.instance ?? '(no instance id)'}`;
      return safeLine(`${names.pad(v.name, names.widest)}  ${where}  ${v.from}${opts.check ? `  ${reached[i] ?? ''}` : ''}`);
    });
    output(`${lines.join('\n')}\n`);
  }
  if (!opts.check) return EXIT.ok;
  return reached.every((r) => r === 'reachable') ? EXIT.ok : EXIT.ssh;
}

/** `yolovm complete vms`: the words tab completion offers (local files only, never the VM). */
export function completeWords(what: string): void {
  if (what === 'vms') output(`${completionVmNames().join('\n')}\n`);
}
