// git plumbing shared by the remote helper and the commands, with plain git
// (no simple-git: the helper stays light): which ids are commits here, and
// `git status --porcelain -z` read the one way.
import { runSync } from './proc.js';

/** Those of `shas` that are commits in a repository (the current one, or `gitDir`), with one git process. */
export function commitsAmong(shas: readonly string[], at: { cwd?: string; gitDir?: string } = {}): string[] {
  const wanted = shas.filter((x) => /^[0-9a-f]{40}([0-9a-f]{24})?$/.test(x));
  if (wanted.length === 0) return [];
  const args = [...(at.gitDir ? ['--git-dir', at.gitDir] : []), 'cat-file', '--batch-check=%(objectname) %(objecttype)'];
  const r = runSync('git', args, { cwd: at.cwd, input: `${wanted.join('\n')}\n` });
  return r.stdout
    .split('\n')
    .filter((l) => l.endsWith(' commit'))
    .map((l) => l.split(' ')[0] ?? '');
}

export interface Change {
  /** git status's two-letter code: ` M`, `A `, `??`, `R `, ... */
  code: string;
  path: string;
  /** For renames and copies: the old path. */
  from?: string;
}

/** `git status --porcelain -z` records: `XY path`, and for renames and copies a second field, the old path. */
export function parseStatusZ(text: string): Change[] {
  const fields = text.split('\0');
  const changes: Change[] = [];
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i] ?? '';
    if (f.length < 4) continue;
    const change: Change = { code: f.slice(0, 2), path: f.slice(3) };
    if (/[RC]/.test(change.code)) change.from = fields[++i] ?? '';
    changes.push(change);
  }
  return changes;
}
