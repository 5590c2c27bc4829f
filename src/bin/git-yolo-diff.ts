import { addCommonOptions, applyCommonOptions, newProgram, parseArgs, type CommonOptions } from '../commands/cli.js';
import { diffRow, yoloDiff, type DiffOptions } from '../commands/yolo-diff.js';
import { compareAttempts } from '../commands/fleet-views.js';
import { Option } from 'commander';
import { runMain } from '../core/errors.js';
import { endChildrenOnSignals } from '../core/proc.js';

endChildrenOnSignals();
runMain(async () => {
  let code = 0;
  const program = newProgram(
    'git yolo-diff',
    "Examples:\n  git yolo-diff                    # the branch the VM has checked out, at the remembered location\n  git yolo-diff feature-auth myapp\n  git yolo-diff -p feature-auth    # the whole patch, through git's pager\n  git yolo-diff --compare feature-auth   # every VM's attempt, one row each\n\nSee also: git help yolo-diff, README.md",
  );
  addCommonOptions(program)
    .description(
      "What the agent changed since the hand-off (the commit last pushed to the VM): its commits, then every file created, edited, deleted or renamed up to the VM's work tree, uncommitted work included. Changes no local branch and no work tree.",
    )
    .argument('[branch]', 'the VM branch to review (default: the one checked out on the VM)')
    .argument('[subpath]', 'path inside the VM workspace (default: the location remembered for this repository, else the workspace root)')
    .option('-p, --patch', 'show the whole patch (git diff, with its pager and colours)')
    .option('--stat', 'show git diff --stat')
    .option('--name-status', 'show git diff --name-status')
    .option(
      '--compare',
      'one row per VM (--vm a,b, --all-vms; every known VM by default): commits, files, lines, uncommitted and host-running files, tip',
    )
    .option('--json', 'with --compare: machine-readable rows')
    .addOption(new Option('--row', 'one JSON line for --compare').hideHelp())
    .action(
      async (
        branch: string | undefined,
        subpath: string | undefined,
        opts: CommonOptions & DiffOptions & { compare?: boolean; json?: boolean; row?: boolean },
      ) => {
        if (opts.compare) {
          code = await compareAttempts(opts);
          return;
        }
        applyCommonOptions(opts);
        code = opts.row ? await diffRow(branch, subpath) : await yoloDiff(branch, subpath, opts);
      },
    );
  return (await parseArgs(program, process.argv.slice(2))) ?? code;
});
