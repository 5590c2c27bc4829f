// A VM directory as rsync names it, and `yolovm save`'s pull of a plain
// directory into a fresh folder: everything comes (secrets, what git ignores,
// the default excludes), data only (rsync.PULL_BRINGS_DATA_ONLY), and the VM
// marks the directory synced, so `yolovm status` sees it saved.
import { mkdirSync } from 'node:fs';
import { rsyncBase } from '../config/subpath.js';
import type { Session } from '../vm/session.js';
import { runOnVm } from '../vm/vm.js';
import { rsyncArgs, rsyncFailure, runRsync, type SyncResult } from './rsync.js';

/** The VM path rsync is given for a workspace subpath (relative to the VM user's home, or absolute). */
export function vmPath(s: Session, subpath: string): string {
  const base = rsyncBase(s.place('').base);
  return subpath === '' ? base : `${base}/${subpath}`;
}

/** Pull the VM's `subpath` whole into `local`, a new directory (nothing there to protect). */
export async function pullFresh(s: Session, subpath: string, local: string): Promise<SyncResult> {
  await runOnVm(s.target, s.place(subpath), { mode: 'dir-pull' });
  mkdirSync(local, { recursive: true });
  const args = rsyncArgs(s.target, {
    direction: 'pull',
    local,
    remote: vmPath(s, subpath),
    excludes: [],
    delete: false,
    dryRun: false,
    progress: false,
  });
  const r = await runRsync(args, false, s.target);
  if (r.code !== 0) throw rsyncFailure(r, s.target, s.place(subpath));
  return r;
}
