// What crossing back from the VM means for the host: which changed files run
// code when the user runs their usual tools (direnv, editors, git hooks, CI,
// make, npm, shell scripts). One place decides it, for every command.

/** Directories whose files run on the host (editor tasks, hooks, CI workflows), at any depth. */
const RUNNING_DIRS = ['.vscode', '.idea', '.githooks', '.husky', '.github/workflows'];
/** Files that run on the host by their name, at any depth. */
const RUNNING_FILES = ['.envrc', '.pre-commit-config.yaml', 'Makefile', 'makefile', 'GNUmakefile', 'package.json'];

/**
 * Why a changed file would run code on the host, or undefined. `becameExecutable`:
 * the change made it executable (mode 100755 where it was not).
 */
export function runsOnHost(path: string, becameExecutable = false): string | undefined {
  const name = path.slice(path.lastIndexOf('/') + 1);
  const inDir = RUNNING_DIRS.find((d) => path.startsWith(`${d}/`) || path.includes(`/${d}/`));
  if (inDir) return `${inDir}/`;
  if (RUNNING_FILES.includes(name)) return name;
  if (name.endsWith('.sh')) return '*.sh';
  if (becameExecutable) return 'became executable';
  return undefined;
}
