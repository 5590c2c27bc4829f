import { runBranchCommand } from '../commands/cli.js';
import { packOnceForFleet, yoloPush } from '../commands/yolo-push.js';
import { runMain } from '../core/errors.js';
import { endChildrenOnSignals } from '../core/proc.js';

endChildrenOnSignals();
runMain(() =>
  runBranchCommand(
    {
      name: 'git yolo-push',
      description:
        'Push a local branch to the VM workspace (creating the repository there on first push), check it out on the VM, and say what moved.',
      branchHelp: 'local branch to push (to the same name on the VM)',
      forceHelp: 'overwrite the VM branch even if it has commits the local one lacks',
      examples:
        '  git yolo-push feature-auth myapp     # -> ~/workspace/myapp, checked out there\n  git yolo-push main                   # -> ~/workspace itself\n  git yolo-push -n feature-auth myapp  # what would move\n  git yolo-push --all-vms feature-auth app  # to every VM of the fleet, in parallel',
      options: [
        ['--no-checkout', 'push without changing which branch the VM work tree is on'],
        ['--no-verify', 'skip the pre-push hook (as git push --no-verify)'],
        ['--recurse-submodules', "also send each submodule's recorded commit, so `git submodule update --init` works on the VM"],
        ['--no-recurse-submodules', 'do not send submodules (when git config yolovm.recurseSubmodules is true)'],
      ],
      fleetExtra: [],
      fleetBefore: packOnceForFleet,
      action: yoloPush,
    },
    process.argv.slice(2),
  ),
);
