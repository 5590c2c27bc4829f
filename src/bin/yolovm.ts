import { addCommonOptions, applyCommonOptions, fanOutIfFleet, newProgram, parseArgs, type CommonOptions } from '../commands/cli.js';
import { completeWords, vms, type VmsOptions } from '../commands/vms.js';
import { demo } from '../commands/demo.js';
import { statusAcross, sshAcross } from '../commands/fleet-views.js';
import {
  clean,
  doctor,
  save,
  splitSshOperands,
  sshTo,
  status,
  type CleanOptions,
  type SshOptions,
  type StatusOptions,
} from '../commands/yolovm.js';
import { sshConfig, type SshConfigOptions } from '../commands/ssh-config.js';
import { runMain } from '../core/errors.js';
import { endChildrenOnSignals } from '../core/proc.js';

endChildrenOnSignals();
runMain(async () => {
  let code = 0;
  const program = newProgram(
    'yolovm',
    'Examples:\n  yolovm status                 # what is on the VM, and what the host lacks\n  yolovm status --check && terraform destroy\n  yolovm save                   # bring everything home\n  yolovm ssh myapp              # a shell in ~/workspace/myapp\n  yolovm ssh myapp -- git log -1\n  yolovm doctor\n  yolovm vms --check            # every VM of the fleet, and whether it answers\n  yolovm status --all-vms\n  yolovm ssh --all-vms app -- npm test   # in each VM, then a table of exit status and time\n  yolovm demo                   # no VM yet? a local stand-in to try the loop\n  yolovm ssh-config              # then: ssh yolovm\n\nSee also: man yolovm, README.md',
  ).description('The VM workspace as a whole: what is there, what destroying the VM would lose, bringing it all home.');
  addCommonOptions(program);
  const common = (opts: CommonOptions) => {
    applyCommonOptions({ ...program.opts<CommonOptions>(), ...opts });
  };
  /** Several VMs at once (--vm a,b, --all-vms): each VM's run, then the summary; undefined for one VM. */
  const fleet = (opts: CommonOptions, what: string) => fanOutIfFleet({ ...program.opts<CommonOptions>(), ...opts }, what);
  addCommonOptions(program.command('status'))
    .description(
      'every project in the workspace: branch, commits this host lacks, uncommitted files; plain directories changed since their last sync',
    )
    .argument('[subpath]', 'only this part of the workspace')
    .option('--json', 'machine-readable output')
    .option('--check', 'exit 1 when destroying the VM now would lose anything')
    .action(async (subpath: string | undefined, opts: CommonOptions & StatusOptions) => {
      const across = await statusAcross({ ...program.opts<CommonOptions>(), ...opts });
      if (across !== undefined) {
        code = across;
        return;
      }
      code = await status(subpath, opts);
    });
  addCommonOptions(program.command('save'))
    .description(
      'bring everything home: into the local repository each project was pushed from (refs/yolovm/), else a bundle or a dated folder',
    )
    .argument('[subpath]', 'only this part of the workspace')
    .option('-n, --dry-run', 'say what would be saved and where; nothing is saved (the VM makes snapshots, as status does)')
    .action(async (subpath: string | undefined, opts: CommonOptions & { dryRun?: boolean }) => {
      code = (await fleet(opts, 'yolovm save')) ?? (await save(subpath, opts));
    });
  addCommonOptions(program.command('clean'))
    .description('delete a workspace path on the VM; refused while it holds work this host lacks')
    .argument('<subpath>', 'the workspace path to delete')
    .option('-f, --force', 'delete even unsaved work (and allow the whole workspace)')
    .option('-n, --dry-run', 'say what would be deleted; delete nothing')
    .action(async (subpath: string, opts: CommonOptions & CleanOptions) => {
      common(opts);
      code = await clean(subpath, opts);
    });
  addCommonOptions(program.command('ssh'))
    .description('a shell on the VM in a workspace directory, over the shared connection; `-- CMD...` runs one command there')
    .argument('[subpath]', 'workspace directory to start in')
    .argument('[command...]', 'after --: a command and its arguments, passed verbatim')
    .option('-A, --forward-agent', 'lend the VM your ssh agent for this session (yolovm never does otherwise)')
    .action(async (subpath: string | undefined, command: string[], opts: CommonOptions & SshOptions) => {
      const [where, what] = splitSshOperands(subpath, command, process.argv.slice(2));
      const across = await sshAcross({ ...program.opts<CommonOptions>(), ...opts }, what);
      if (across !== undefined) {
        code = across;
        return;
      }
      code = await sshTo(where, what, opts);
    });
  addCommonOptions(program.command('ssh-config'))
    .description(
      'write a `Host yolovm` block (yolovm-<name> per named VM) into ~/.ssh/config, so `ssh yolovm`, scp and editors reach the current VM; commands keep it current',
    )
    .option('--remove', 'remove the block(s) again')
    .option('-n, --dry-run', 'print the file as it would be; write nothing')
    .action(async (opts: CommonOptions & SshConfigOptions) => {
      common(opts);
      code = await sshConfig(opts);
    });
  addCommonOptions(program.command('doctor'))
    .description('check each link from terraform to git and rsync on the VM, and say which is broken and how to fix it')
    .action(async (opts: CommonOptions) => {
      code = (await fleet(opts, 'yolovm doctor')) ?? (await doctor());
    });
  addCommonOptions(program.command('vms'))
    .description('every VM this host knows: the default one, those configured (yolovm.<name>.*), and the fleet in the terraform state')
    .option('--check', 'also ask each, in parallel, whether it answers over ssh (exit 2 when one does not)')
    .option('--json', 'machine-readable output')
    .action(async (opts: CommonOptions & VmsOptions) => {
      common(opts);
      code = await vms(opts);
    });
  addCommonOptions(program.command('demo'))
    .description('a stand-in VM on this machine (a local sshd, the named VM `demo`) to try the loop without terraform; no isolation')
    .option('--stop', 'end it and remove every trace (its directory, git config yolovm.demo.*)')
    .action(async (opts: CommonOptions & { stop?: boolean }) => {
      common(opts);
      code = await demo(opts);
    });
  // For tab completion (completion/yolovm.bash): words from local files only, never the VM.
  program
    .command('complete', { hidden: true })
    .argument('<what>', 'vms')
    .action((what: string) => {
      completeWords(what);
    });
  return (await parseArgs(program, process.argv.slice(2))) ?? code;
});
