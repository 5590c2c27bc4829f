// Shared command-line handling for git yolo-push, git yolo-fetch and yolo-dir:
// commander, with its errors turned into ours (one line, a hint, exit 1).
import { Command, CommanderError, Option } from 'commander';
import { checkVmName, setVmRequest } from '../config/config.js';
import { YolovmError } from '../core/errors.js';
import { info, setQuiet, setVerbose } from '../core/log.js';
import { notARepository } from '../git/plumbing.js';
import { runGit } from '../core/proc.js';
import { VERSION } from '../core/version.js';
import { allVmNames } from '../config/vms.js';
import { fanOut, summarize } from './fleet.js';

export interface CommonOptions {
  verbose?: boolean;
  quiet?: boolean;
  vm?: string;
  allVms?: boolean;
}

export function newProgram(name: string, usageHint: string): Command {
  const program = new Command(name);
  // Before .command(): commander copies these settings into subcommands.
  program.exitOverride();
  program.configureOutput({
    writeOut: (s) => process.stdout.write(s),
    writeErr: (s) => process.stderr.write(s),
    outputError: () => undefined,
  });
  program.showSuggestionAfterError(true);
  program.helpOption('-h, --help', 'show this help');
  program.version(`${name} (yolovm) ${VERSION}`, '-V, --version', 'show the version');
  program.addHelpText('afterAll', `\n${usageHint}`);
  return program;
}

export function addCommonOptions(cmd: Command): Command {
  return cmd
    .option('-v, --verbose', 'show settings and the commands run')
    .option('-q, --quiet', 'print only errors')
    .option('--vm <name>', 'which VM (`yolovm vms` lists them; a,b: several at once, where the command allows)')
    .option('--all-vms', 'every VM `yolovm vms` lists, at once (where the command allows)');
}

/** The VMs a fleet option names: `--vm a,b` or `--all-vms`; undefined for one VM. */
export function fleetNames(opts: CommonOptions): string[] | undefined {
  if (opts.allVms) {
    if (opts.vm !== undefined) throw new YolovmError('--all-vms and --vm name the VMs twice', 'Give one of them.');
    return allVmNames(true);
  }
  if (opts.vm?.includes(',')) {
    const names = [...new Set(opts.vm.split(',').filter((n) => n !== ''))];
    for (const n of names) checkVmName(n, '--vm');
    return names;
  }
  return undefined;
}

/**
 * The options every command shares. `fleet`: what to do for several VMs (the
 * command fans out, fleet.ts); a command without it refuses a list.
 */
export function applyCommonOptions(opts: CommonOptions): void {
  if (opts.verbose) setVerbose(true);
  if (opts.quiet) setQuiet(true);
  if (opts.allVms || opts.vm?.includes(','))
    throw new YolovmError('This command works on one VM at a time', 'Name one with --vm <name> (`yolovm vms` lists them).');
  if (opts.vm !== undefined) setVmRequest(checkVmName(opts.vm, '--vm'));
}

/**
 * For a command that works on several VMs at once: with --vm a,b or --all-vms,
 * run it on each (fleet.ts) and give the fleet's exit code; else undefined, and
 * the options are applied for one VM.
 */
export async function fanOutIfFleet(
  opts: CommonOptions,
  what: string,
  extra: readonly string[] = [],
  before?: () => void,
): Promise<number | undefined> {
  if (opts.verbose) setVerbose(true);
  if (opts.quiet) setQuiet(true);
  const names = fleetNames(opts);
  if (!names) {
    applyCommonOptions(opts);
    return undefined;
  }
  if (names.length > 1) before?.();
  return summarize(await fanOut(names, process.argv.slice(2), { extra: names.length > 1 ? extra : [] }), what);
}

/**
 * Parse argv and run the action. Returns undefined when the action ran, or the
 * exit code when commander printed help instead (0 for -h, 1 when a command was missing).
 */
export async function parseArgs(program: Command, argv: readonly string[]): Promise<number | undefined> {
  try {
    await program.parseAsync(argv, { from: 'user' });
    return undefined;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.help' || err.code === 'commander.version') return err.exitCode;
      // Point at the help of the subcommand that was being parsed, if any.
      const sub = program.commands.find((c) => argv.includes(c.name()));
      const name = sub ? `${program.name()} ${sub.name()}` : program.name();
      throw new YolovmError(err.message.replace(/^error: /, ''), `Run \`${name} -h\` for usage.`);
    }
    throw err;
  }
}

export interface BranchCommand {
  name: string; // as typed: `git yolo-push`
  description: string;
  branchHelp: string;
  forceHelp: string;
  examples: string;
  /** Options of this command alone: [flags, description]. */
  options?: [string, string][];
  /** Options only fan-out passes (not in -h): [flags, description]. */
  hiddenOptions?: [string, string][];
  /** Several VMs at once: the arguments each VM's run gets besides --vm (undefined: one VM only). */
  fleetExtra?: string[];
  /** Done once before a fan-out over several VMs (git yolo-push packs what it sends once). */
  fleetBefore?: () => void;
  action: (branch: string, subpath: string | undefined, opts: Record<string, boolean | undefined>) => Promise<number>;
}

/** No branch given: the one checked out here, said (as `git push` with push.default=current). */
function currentBranch(command: string): string {
  const r = runGit(['symbolic-ref', '-q', '--short', 'HEAD']);
  const branch = r.stdout.trim();
  if (r.code === 128) throw notARepository();
  if (r.code !== 0 || branch === '')
    throw new YolovmError('No branch given, and HEAD is not on a branch (detached)', `Name the branch: \`${command} <branch>\`.`);
  info(`Using the current branch '${branch}'`);
  return branch;
}

/** The whole command line of git yolo-push / git yolo-fetch: `<branch> [subpath]` and the shared options. */
export async function runBranchCommand(spec: BranchCommand, argv: readonly string[]): Promise<number> {
  let code = 0;
  const program = newProgram(spec.name, `Examples:\n${spec.examples}\n\nSee also: ${spec.name.replace('git ', 'git help ')}, README.md`);
  addCommonOptions(program)
    .description(spec.description)
    .argument('[branch]', `${spec.branchHelp} (default: the current branch)`)
    .argument('[subpath]', 'path inside the VM workspace (default: the location remembered for this repository, else the workspace root)')
    .option('-f, --force', spec.forceHelp)
    .option('-n, --dry-run', 'show what would happen; change nothing on either side');
  for (const [flags, description] of spec.options ?? []) program.option(flags, description);
  for (const [flags, description] of spec.hiddenOptions ?? []) program.addOption(new Option(flags, description).hideHelp());
  program.action(
    async (branch: string | undefined, subpath: string | undefined, opts: CommonOptions & Record<string, boolean | undefined>) => {
      if (spec.fleetExtra) {
        const fleet = await fanOutIfFleet(opts, spec.name, spec.fleetExtra, spec.fleetBefore);
        if (fleet !== undefined) {
          code = fleet;
          return;
        }
      } else applyCommonOptions(opts);
      code = await spec.action(branch ?? currentBranch(spec.name), subpath, opts);
    },
  );
  return (await parseArgs(program, argv)) ?? code;
}
