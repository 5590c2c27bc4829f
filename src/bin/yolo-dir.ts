import { addCommonOptions, applyCommonOptions, fanOutIfFleet, newProgram, parseArgs, type CommonOptions } from '../commands/cli.js';
import { YolovmError } from '../core/errors.js';
import { dirBackups, dirLs, dirPull, dirPush, dirUndo, type DirOptions } from '../commands/yolo-dir.js';
import { runMain } from '../core/errors.js';
import { endChildrenOnSignals } from '../core/proc.js';

endChildrenOnSignals();
runMain(async () => {
  let code = 0;
  const collect = (v: string, all: string[]) => [...all, v];
  const program = newProgram(
    'yolo-dir',
    'Examples:\n  yolo-dir push ./my-project myapp    # -> ~/workspace/myapp/\n  yolo-dir pull ./my-project myapp    # <- exact mirror; replaced files kept in a backup\n  yolo-dir push --all-vms ./my-project myapp   # to every VM of the fleet\n  yolo-dir ls\n\nSee also: README.md',
  ).description('Sync a directory with the VM workspace over rsync (for projects that are not git repositories).');
  // -v and -q work before the command too (`yolo-dir -v push ...`).
  addCommonOptions(program);
  const common = (opts: CommonOptions) => {
    applyCommonOptions({ ...program.opts<CommonOptions>(), ...opts });
  };
  const sync = (name: 'push' | 'pull', description: string) =>
    addCommonOptions(program.command(name))
      .description(description)
      .argument('<local-dir>', name === 'push' ? 'directory whose contents to send' : 'directory to mirror into (created if missing)')
      .argument('[subpath]', 'path inside the VM workspace (default: the workspace root)')
      .option('-n, --dry-run', 'list what would change (itemized); change nothing on either side')
      .option('--exclude <pattern>', 'also exclude files matching PATTERN (repeatable)', collect, [])
      .option('--no-default-excludes', 'do not exclude .git/, node_modules/, __pycache__/, .venv/')
      .option('--no-gitignore', 'inside a git work tree, also sync what git ignores (by default it stays here)')
      .option('--compress-level <n>', 'compression level, 0-9');
  sync('push', 'copy a directory’s contents into ~/workspace/<subpath>/')
    .option('--delete', 'also delete VM files that are gone locally (only what an earlier push sent)')
    .option('-f, --force', 'push into a workspace that holds other projects; let --delete remove any VM file not here')
    .option('--include-secrets', 'also send secret-like files (.env, *.pem, id_*, .aws/, ...), held back by default')
    .option('-w, --watch', 'keep pushing changes as they happen (Ctrl-C stops)')
    .action(async (dir: string, subpath: string | undefined, opts: CommonOptions & DirOptions) => {
      const all = { ...program.opts<CommonOptions>(), ...opts };
      if (opts.watch && (all.allVms || all.vm?.includes(',')))
        throw new YolovmError('--watch follows one VM', 'Name one with --vm <name>, or push once to several without --watch.');
      code = (await fanOutIfFleet(all, 'yolo-dir push')) ?? (await dirPush(dir, subpath, opts));
    });
  sync('pull', 'mirror ~/workspace/<subpath>/ into a local directory; nothing local is lost')
    .option('-f, --force', 'pull even when it would replace or delete most of the local tree')
    .option('--keep-days <n>', 'prune pull backups older than this (default 30)')
    .action(async (dir: string, subpath: string | undefined, opts: CommonOptions & DirOptions) => {
      common(opts);
      code = await dirPull(dir, subpath, opts);
    });
  addCommonOptions(program.command('backups'))
    .description('list pull backups (what each pull replaced or deleted), newest first')
    .option('--keep-days <n>', 'first prune backups older than this many days')
    .action((opts: CommonOptions & DirOptions) => {
      common(opts);
      code = dirBackups(opts);
    });
  addCommonOptions(program.command('undo'))
    .description('put a directory back exactly as it was before a pull (default: the newest pull not undone)')
    .argument('[backup]', 'a backup name from `yolo-dir backups`')
    .option('-f, --force', 'undo even if the directory changed since the pull')
    .option('-n, --dry-run', 'list what would be removed and put back; change nothing')
    .action((backup: string | undefined, opts: CommonOptions & DirOptions) => {
      common(opts);
      code = dirUndo(backup, opts);
    });
  addCommonOptions(program.command('ls'))
    .description('list the workspace: for each git repository, its branch and whether it has uncommitted changes')
    .argument('[subpath]', 'path inside the VM workspace')
    .action(async (subpath: string | undefined, opts: CommonOptions) => {
      common(opts);
      code = await dirLs(subpath);
    });
  return (await parseArgs(program, process.argv.slice(2))) ?? code;
});
