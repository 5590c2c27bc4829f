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

// Files that look like secrets: they stay home unless asked (`yolo-dir push
// --include-secrets`, or `git config yolovm.allowSecrets` patterns). Names are
// matched at any depth; a trailing `/` means a directory and all in it.
const SECRET_NAMES = [
  '.env',
  '.env.*',
  '*.pem',
  '*.key',
  '*.p12',
  '*.pfx',
  'id_rsa*',
  'id_ed25519*',
  'id_ecdsa*',
  '.npmrc',
  '.pypirc',
  '.netrc',
  '.git-credentials',
  '*.tfstate*',
  'credentials*.json',
  '.aws/',
  '.ssh/',
  '.gnupg/',
];
/** Examples and templates of .env files are not secrets. */
const NOT_SECRET = ['.env*.example', '.env*.sample', '.env*.template'];

/** A name pattern (only `*` is special) as a regular expression over one path segment. */
function segment(glob: string): RegExp {
  return new RegExp(`^${glob.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replaceAll('*', '.*')}$`);
}

const secretFiles = SECRET_NAMES.filter((p) => !p.endsWith('/')).map(segment);
const secretDirs = SECRET_NAMES.filter((p) => p.endsWith('/')).map((p) => segment(p.slice(0, -1)));
const notSecret = NOT_SECRET.map(segment);

/** Whether a path (relative, `/`-separated) looks like a secret, unless `allowed` (globs over the whole path or the name) says otherwise. */
export function isSecretLike(path: string, allowed: readonly string[] = []): boolean {
  const parts = path.split('/').filter((p) => p !== '');
  const name = parts[parts.length - 1] ?? '';
  if (allowed.some((g) => segment(g).test(path) || segment(g).test(name))) return false;
  if (parts.slice(0, -1).some((d) => secretDirs.some((re) => re.test(d)))) return true;
  if (notSecret.some((re) => re.test(name))) return false;
  return secretFiles.some((re) => re.test(name)) || secretDirs.some((re) => re.test(name));
}

/** The same rules as rsync filters (first match wins): templates pass, secrets stay; `allowed` patterns pass first. */
export function secretFilters(allowed: readonly string[] = []): string[] {
  return [...allowed.map((g) => `+ ${g}`), ...NOT_SECRET.map((g) => `+ ${g}`), ...SECRET_NAMES.map((g) => `- ${g}`)];
}

/** rsync filters that keep only secret-like files (templates out), for asking the VM which of them differ. */
export function onlySecretsFilters(): string[] {
  return [...NOT_SECRET.map((g) => `- ${g}`), ...SECRET_NAMES.map((g) => (g.endsWith('/') ? `+ ${g}***` : `+ ${g}`)), '+ */', '- *'];
}
