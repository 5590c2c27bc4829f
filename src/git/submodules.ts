// Submodules on the VM. A push sends the superproject only, so the VM has each
// submodule as an empty directory, and the agent's `git submodule update --init`
// there would clone from a URL that points at this host or at nothing. With
// --recurse-submodules each initialised submodule's recorded commit goes to the
// VM repository's own `.git/modules/<name>`, where git looks before it clones:
// `git submodule update --init` then works on the VM offline. Back home, the
// commits the agent made inside a submodule are named with the command that fetches them.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { commitsAmong } from './plumbing.js';
import { runGit, runGitAsync } from '../core/proc.js';

export interface Submodule {
  name: string;
  path: string;
  /** The commit the superproject records for it ('' when the tree has no gitlink there). */
  commit: string;
  /** Its local git directory, when it is initialised here. */
  gitDir: string | undefined;
}

/** `git config -z --get-regexp` records of .gitmodules: name and path of each submodule (pure). */
export function parseModulePaths(z: string): { name: string; path: string }[] {
  const out: { name: string; path: string }[] = [];
  for (const rec of z.split('\0')) {
    const nl = rec.indexOf('\n');
    const m = /^submodule\.(.+)\.path$/.exec(nl < 0 ? rec : rec.slice(0, nl));
    if (m?.[1] && nl > 0) out.push({ name: m[1], path: rec.slice(nl + 1) });
  }
  return out;
}

/** What `commit`'s .gitmodules names (one git process; none without one). `git` is how to reach the repository. */
export function modulesAt(git: readonly string[], commit: string): { name: string; path: string }[] {
  const cfg = runGit([...git, 'config', '-z', '--blob', `${commit}:.gitmodules`, '--get-regexp', '^submodule\\..*\\.path$']);
  return cfg.code === 0 ? parseModulePaths(cfg.stdout) : [];
}

/** The submodules of `commit` in the work tree at `top`, with their recorded commits and local git directories. */
export function submodulesOf(top: string, commit: string): Submodule[] {
  const modules = modulesAt(['-C', top], commit);
  if (modules.length === 0) return [];
  const tree = runGit(['-C', top, 'ls-tree', '--full-tree', '-z', commit, '--', ...modules.map((m) => m.path)]);
  const links = new Map<string, string>();
  for (const rec of tree.stdout.split('\0')) {
    const m = /^160000 commit ([0-9a-f]+)\t(.*)$/s.exec(rec);
    if (m?.[1] && m[2] !== undefined) links.set(m[2], m[1]);
  }
  return modules.map((m) => ({ ...m, commit: links.get(m.path) ?? '', gitDir: localGitDir(top, m.path) }));
}

function localGitDir(top: string, path: string): string | undefined {
  if (!existsSync(join(top, path, '.git'))) return undefined;
  const r = runGit(['-C', join(top, path), 'rev-parse', '--absolute-git-dir']);
  return r.code === 0 ? r.stdout.trim() : undefined;
}

/** Where a submodule's repository goes on the VM: inside the superproject's git directory. */
export function vmModulePlace(superSubpath: string, name: string): string {
  return [superSubpath, '.git', 'modules', name].filter((p) => p !== '').join('/');
}

/** The submodules whose recorded commit this host can send (initialised, the commit there). */
export function sendable(subs: readonly Submodule[]): { ready: Submodule[]; not: { sub: Submodule; why: string }[] } {
  const ready: Submodule[] = [];
  const not: { sub: Submodule; why: string }[] = [];
  for (const sub of subs) {
    if (sub.commit === '') not.push({ sub, why: 'the commit records no submodule there' });
    else if (!sub.gitDir) not.push({ sub, why: 'not initialised here (`git submodule update --init` first)' });
    else if (commitsAmong([sub.commit], { gitDir: sub.gitDir }).length === 0)
      not.push({ sub, why: `its commit ${sub.commit.slice(0, 7)} is not in ${sub.gitDir}` });
    else ready.push(sub);
  }
  return { ready, not };
}

/**
 * The submodules the VM's commit moved to a commit this host's submodule
 * lacks: the agent's work inside them, with where it is on the VM.
 */
export async function movedOnVm(top: string, from: string, to: string): Promise<Submodule[]> {
  const r = await runGitAsync(['-C', top, 'diff-tree', '-r', '-z', '--no-commit-id', from, to]);
  if (r.code !== 0) return [];
  const moved = new Set<string>();
  const fields = r.stdout.split('\0');
  for (let i = 0; i + 1 < fields.length; i += 2) {
    if (/^:\d+ 160000 /.test(fields[i] ?? '')) moved.add(fields[i + 1] ?? '');
  }
  if (moved.size === 0) return [];
  return submodulesOf(top, to).filter(
    (sub) => moved.has(sub.path) && sub.commit !== '' && !(sub.gitDir && commitsAmong([sub.commit], { gitDir: sub.gitDir }).length > 0),
  );
}
