import { addCommonOptions, applyCommonOptions, newProgram, parseArgs, type CommonOptions } from '../cli.js';
import { runMain } from '../errors.js';
import { endChildrenOnSignals } from '../proc.js';
import { yoloPush } from '../commands/yolo-push.js';

endChildrenOnSignals();
runMain(async () => {
  let code = 0;
  const program = newProgram('git yolo-push', 'Examples:\n  git yolo-push feature-auth myapp     # -> ~/workspace/myapp, checked out there\n  git yolo-push main                   # -> ~/workspace itself\n  git yolo-push -n feature-auth myapp  # what would move\n\nSee also: git help yolo-push, README.md');
  addCommonOptions(program)
    .description('Push a local branch to the VM workspace (creating the repository there on first push), check it out on the VM, and say what moved.')
    .argument('<branch>', 'local branch to push (to the same name on the VM)')
    .argument('[subpath]', 'path inside the VM workspace (default: the workspace root)')
    .option('-f, --force', 'overwrite the VM branch even if it has commits the local one lacks')
    .option('-n, --dry-run', 'show what would happen; change nothing on either side')
    .action(async (branch: string, subpath: string | undefined, opts: CommonOptions & { force?: boolean; dryRun?: boolean }) => {
      applyCommonOptions(opts);
      code = await yoloPush(branch, subpath, opts);
    });
  if (!(await parseArgs(program, process.argv.slice(2)))) return 0;
  return code;
});
