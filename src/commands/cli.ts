// Shared command-line handling for git yolo-push, git yolo-fetch and yolo-dir:
// commander, with its errors turned into ours (one line, a hint, exit 1).
import { Command, CommanderError } from 'commander';
import { checkVmName, setVmRequest } from '../config/config.js';
import { YolovmError } from '../core/errors.js';
import { info, setQuiet, setVerbose } from '../core/log.js';
import { notARepository } from '../git/plumbing.js';
import { runGit } from '../core/proc.js';
import { VERSION } from '../core/version.js';

export interface CommonOptions {
  verbose?: boolean;
  quiet?: boolean;
  vm?: string;
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
    .option('--vm <name>', 'which VM: one configured under yolovm.<name>.* (default: $YOLOVM_VM, else the default VM)');
}

export function applyCommonOptions(opts: CommonOptions): void {
  if (opts.verbose) setVerbose(true);
  if (opts.quiet) setQuiet(true);
  if (opts.vm !== undefined) setVmRequest(checkVmName(opts.vm, '--vm'));
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
  program.action(
    async (branch: string | undefined, subpath: string | undefined, opts: CommonOptions & Record<string, boolean | undefined>) => {
      applyCommonOptions(opts);
      code = await spec.action(branch ?? currentBranch(spec.name), subpath, opts);
    },
  );
  return (await parseArgs(program, argv)) ?? code;
}
