import { addCommonOptions, applyCommonOptions, newProgram, parseArgs, type CommonOptions } from '../cli.js';
import { runMain } from '../errors.js';
import { endChildrenOnSignals } from '../proc.js';
import { yoloFetch } from '../commands/yolo-fetch.js';

endChildrenOnSignals();
runMain(async () => {
  let code = 0;
  const program = newProgram('git yolo-fetch', 'Examples:\n  git yolo-fetch feature-auth myapp    # the agent commits, into local feature-auth\n  git yolo-fetch -n feature-auth myapp # what would come back\n\nSee also: git help yolo-fetch, README.md');
  addCommonOptions(program)
    .description('Fetch a branch from the VM workspace into the local branch of the same name, and show the commits that came back.')
    .argument('<branch>', 'branch to bring back (into the local branch of the same name)')
    .argument('[subpath]', 'path inside the VM workspace (default: the workspace root)')
    .option('-f, --force', 'take the VM version even when it is not a fast-forward (prints the old tip)')
    .option('-n, --dry-run', 'show what would happen; change nothing on either side')
    .action(async (branch: string, subpath: string | undefined, opts: CommonOptions & { force?: boolean; dryRun?: boolean }) => {
      applyCommonOptions(opts);
      code = await yoloFetch(branch, subpath, opts);
    });
  if (!(await parseArgs(program, process.argv.slice(2)))) return 0;
  return code;
});
