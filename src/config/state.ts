// What yolovm keeps on the host outside repositories, in $XDG_STATE_HOME/yolovm
// (~/.local/state/yolovm): which local repositories were pushed to each VM
// location (so workspace-wide commands know where a VM repository came from),
// and what `yolovm save` brought home. Written whole and atomically. Also the
// read/write helpers for the other host files yolovm edits (its known_hosts, ~/.ssh/config).
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

export function stateDir(): string {
  return join(process.env.XDG_STATE_HOME || join(homedir(), '.local', 'state'), 'yolovm');
}

/** What `yolovm save` stored for a VM location that no local repository was pushed to. */
export interface Saved {
  /** Where it went: a git bundle, or a directory. */
  path: string;
  /** Branch tips and the snapshot of uncommitted work, as saved (repositories). */
  heads?: Record<string, string>;
  wip?: string;
  /** Every other object it saved: other refs' tips, stash entries, lost commits. */
  objects?: string[];
}

export interface State {
  /** VM location (`user@host:~/workspace/myapp`) -> git directories pushed to it. */
  pushedFrom: Record<string, string[]>;
  saved: Record<string, Saved>;
}

const file = () => join(stateDir(), 'locations.json');

export function readState(): State {
  try {
    const parsed = JSON.parse(readFileSync(file(), 'utf8')) as Partial<State>;
    return { pushedFrom: parsed.pushedFrom ?? {}, saved: parsed.saved ?? {} };
  } catch {
    return { pushedFrom: {}, saved: {} };
  }
}

function writeState(state: State): void {
  mkdirSync(stateDir(), { recursive: true });
  const tmp = `${file()}.${String(process.pid)}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(tmp, file());
}

/** Remember that the repository at `gitDir` pushed to VM location `where` (once). */
export function rememberPush(where: string, gitDir: string): void {
  const state = readState();
  const repos = state.pushedFrom[where] ?? [];
  if (repos.includes(gitDir)) return;
  state.pushedFrom[where] = [...repos, gitDir];
  writeState(state);
}

/** The local git directories pushed to `where` that still exist. */
export function pushedFrom(state: State, where: string): string[] {
  return (state.pushedFrom[where] ?? []).filter((d) => existsSync(d));
}

export function recordSaved(where: string, saved: Saved): void {
  const state = readState();
  state.saved[where] = saved;
  writeState(state);
}

/** A file's text, or undefined when it cannot be read (missing). */
export function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** Write the file whole and atomically, keeping its mode (0600 for a new one). */
export function writeText(file: string, text: string): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const mode = existsSync(file) ? statSync(file).mode & 0o777 : 0o600;
  const tmp = `${file}.yolovm-${String(process.pid)}.tmp`;
  writeFileSync(tmp, text, { mode });
  chmodSync(tmp, mode);
  renameSync(tmp, file);
}
