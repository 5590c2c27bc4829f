// yolovm ssh-config [--remove]: a `Host yolovm` block (yolovm-<name> for a named
// VM) in ~/.ssh/config. The ssh-config package reads the file (is there a block
// of the user's own by that name? what does ssh end up using?); the file is
// edited as text by ssh-config.ts, so nothing outside our block changes.
import SSHConfig from 'ssh-config';
import { askedVm, configuredVms, DEFAULT_VM, loadConfig, readGitConfig, vmRequest } from '../config/config.js';
import { EXIT, YolovmError } from '../core/errors.js';
import { info, output } from '../core/log.js';
import { resolveSession, trustFirstKey } from '../vm/session.js';
import { carriedFor, renderBlock, sshAlias, userSshConfig, withBlock, withoutBlock } from '../ssh/config-block.js';
import { readText, writeText } from '../config/state.js';

export interface SshConfigOptions {
  remove?: boolean;
  /** -n: print the file as it would be, write nothing. */
  dryRun?: boolean;
}

type Line = { type: number; param?: string; value?: unknown; config?: Line[] };

/** Whether a Host block of the user's own names `alias` exactly (ours already taken out). */
function ownBlocksFor(text: string, alias: string): boolean {
  const parsed = SSHConfig.parse(text) as unknown as Line[];
  return parsed.some((l) => {
    if (l.param?.toLowerCase() !== 'host') return false;
    const values = Array.isArray(l.value) ? (l.value as { val?: string }[]).map((v) => v.val ?? '') : String(l.value).split(/\s+/);
    return values.includes(alias);
  });
}

/** What ssh will use for `alias` after our edit: an earlier block of the user's wins (first value counts). */
function overridden(text: string, alias: string, want: Record<string, string>): string[] {
  const computed = SSHConfig.parse(text).compute(alias) as Record<string, unknown>;
  return Object.entries(want)
    .filter(([k, v]) => {
      const got = computed[k];
      return got !== undefined && String(Array.isArray(got) ? got[0] : got) !== v;
    })
    .map(([k]) => `${k} ${String(computed[k])}`);
}

export async function sshConfig(opts: SshConfigOptions): Promise<number> {
  const file = userSshConfig();
  const gitConfig = readGitConfig(true);
  // Without --vm / YOLOVM_VM: every configured VM.
  const one = askedVm(process.env, vmRequest());
  const vms = one ? [loadConfig(true, one, gitConfig).vm.value] : [DEFAULT_VM, ...configuredVms(gitConfig)];
  let text = readText(file) ?? '';
  const before = text;
  for (const vm of vms) {
    const alias = sshAlias(vm);
    if (opts.remove) {
      const next = withoutBlock(text, alias);
      info(
        next === text
          ? `No Host ${alias} block of yolovm's in ${file}`
          : `${opts.dryRun ? 'Would remove' : 'Removed'} Host ${alias} from ${file}`,
      );
      text = next;
      continue;
    }
    if (ownBlocksFor(withoutBlock(text, alias), alias)) {
      throw new YolovmError(
        `${file} already has a Host ${alias} block of its own`,
        `Rename or remove that block, then run \`yolovm ssh-config\` again (yolovm writes its own, marked).`,
      );
    }
    let s;
    try {
      s = resolveSession(true, loadConfig(true, { name: vm, source: vm === DEFAULT_VM ? 'default' : 'configured' }, gitConfig));
    } catch (err) {
      // Writing every VM's block: one without an address yet is skipped, not fatal.
      if (one || !(err instanceof YolovmError) || vms.length === 1) throw err;
      info(`Skipped Host ${alias}: ${err.message}`);
      continue;
    }
    // `ssh yolovm` checks strictly: a VM instance not met yet is met now, so its key is known.
    // (A dry run meets no one: it records no key.)
    if (!opts.dryRun)
      await trustFirstKey(s).catch((err: unknown) => {
        if (!(err instanceof YolovmError)) throw err;
        info(`  note: ${err.message}; \`ssh ${alias}\` works once yolovm has reached this VM`);
      });
    const next = withBlock(text, alias, renderBlock(s, carriedFor(s)));
    const lost = overridden(next, alias, { HostName: s.target.host, User: s.target.user });
    info(
      `${next === text ? 'Up to date' : opts.dryRun ? 'Would write' : 'Wrote'}: Host ${alias} in ${file} (VM at ${s.target.host}); \`ssh ${alias}\` reaches it`,
    );
    if (lost.length > 0) info(`  note: an earlier block in ${file} wins for ${alias}: ${lost.join(', ')}`);
    text = next;
  }
  if (opts.dryRun) {
    // The whole file as it would be (our blocks first): nothing is written.
    output(text);
    info(`Dry run: ${text === before ? 'nothing would change in' : 'would write'} ${file}`);
  } else if (text !== before) writeText(file, text);
  return EXIT.ok;
}
