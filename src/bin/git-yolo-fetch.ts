import { runBranchCommand } from '../commands/cli.js';
import { yoloFetch } from '../commands/yolo-fetch.js';
import { runMain } from '../core/errors.js';
import { endChildrenOnSignals } from '../core/proc.js';

endChildrenOnSignals();
runMain(() =>
  runBranchCommand(
    {
      name: 'git yolo-fetch',
      description: 'Fetch a branch from the VM workspace into the local branch of the same name, and show the commits that came back.',
      branchHelp: 'branch to bring back (into the local branch of the same name)',
      forceHelp: 'take the VM version even when it is not a fast-forward (prints the old tip)',
      examples:
        "  git yolo-fetch feature-auth myapp    # the agent commits, into local feature-auth\n  git yolo-fetch -n feature-auth myapp # what would come back\n  git yolo-fetch --vm agent-2 feature-auth  # adopt one VM's attempt\n  git yolo-fetch --all-vms feature-auth # every attempt into refs/yolovm/<vm>/, no local branch moves",
      options: [
        ['--wip', "also apply the VM's uncommitted work to the local work tree (refused, changing nothing, where it meets local changes)"],
      ],
      hiddenOptions: [['--refs-only', 'fetch into refs/yolovm/ only; move no local branch (fan-out over several VMs)']],
      fleetExtra: ['--refs-only'],
      action: yoloFetch,
    },
    process.argv.slice(2),
  ),
);
