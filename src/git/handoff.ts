// What the host remembers about a VM repository, in the local repository under
// refs/yolovm/ (never only on the VM: the agent can rewrite anything there).
//
//   refs/yolovm/<vm>/<location>/handoff/<branch>   the commit last pushed to the VM
//   refs/yolovm/<vm>/<location>/vm/<branch>        the VM's branch, as last fetched for review
//   refs/yolovm/<vm>/<location>/wip                the last snapshot of the VM's uncommitted work
//
// <location> is the workspace subpath, encoded into one ref component,
// reversibly: bytes other than [A-Za-z0-9-] become %XX, and the workspace
// root is `_` (an encoded name never is).
import { runGit } from '../core/proc.js';

export function encodeLocation(subpath: string): string {
  if (subpath === '') return '_';
  let out = '';
  for (const byte of Buffer.from(subpath, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9-]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

export function decodeLocation(component: string): string {
  if (component === '_') return '';
  const bytes: number[] = [];
  for (let i = 0; i < component.length; i++) {
    if (component[i] === '%') {
      bytes.push(parseInt(component.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(component.charCodeAt(i));
  }
  return Buffer.from(bytes).toString('utf8');
}

/** The refs kept for one VM location. */
/** The refs kept for one location of one VM (`default`, or its configured name). */
export function locationRefs(subpath: string, vm: string) {
  const base = `refs/yolovm/${vm}/${encodeLocation(subpath)}`;
  return {
    base,
    handoff: (branch: string) => `${base}/handoff/${branch}`,
    vmBranch: (branch: string) => `${base}/vm/${branch}`,
    wip: `${base}/wip`,
  };
}

export interface HandedOff {
  branch: string;
  /** The commit pushed; '' for a deleted branch (its record goes too). */
  sha: string;
}

/**
 * Record what was handed to the VM at `subpath`, in the repository git runs in
 * (GIT_DIR or the current directory), with one `git update-ref --stdin`.
 */
export function recordHandoffs(vm: string, subpath: string, pushed: readonly HandedOff[], cwd?: string): void {
  if (pushed.length === 0) return;
  const refs = locationRefs(subpath, vm);
  const lines = pushed.map((p) => (p.sha === '' ? `delete ${refs.handoff(p.branch)}\n` : `update ${refs.handoff(p.branch)} ${p.sha}\n`));
  const r = runGit(['update-ref', '-m', `yolovm: pushed to ${subpath || 'the workspace root'}`, '--stdin'], {
    cwd,
    input: lines.join(''),
  });
  if (r.code !== 0) throw new Error(r.stderr.trim());
}
