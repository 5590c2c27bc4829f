// What the last yolo-dir push sent to each VM location, so that a later
// `push --delete` removes only that: a file the agent made on the VM, or one
// that was there before yolovm, is never the push's to delete (unless --force).
// One record per VM location and instance in ~/.local/state/yolovm/pushes/.
import { sha256 } from '../core/builtins.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { classify, unescapeName } from './backups.js';
import { literalPattern, type SyncResult } from './rsync.js';
import { stateDir, writeText } from '../config/state.js';

export interface PushRecord {
  /** The VM location (`user@host:~/workspace/app`) and instance it went to. */
  where: string;
  instance: string;
  /** The local directory it came from. */
  local: string;
  time: string;
  /** Every name the VM had of ours after the push, as rsync lists them (`dir/` for directories). */
  entries: string[];
}

function recordFile(where: string, instance: string): string {
  const key = sha256(`${instance}\0${where}`, 'hex').slice(0, 32);
  return join(stateDir(), 'pushes', `${key}.json`);
}

export function lastPush(where: string, instance: string | undefined): PushRecord | undefined {
  try {
    const rec = JSON.parse(readFileSync(recordFile(where, instance ?? ''), 'utf8')) as PushRecord;
    return Array.isArray(rec.entries) && rec.where === where ? rec : undefined;
  } catch {
    return undefined;
  }
}

/**
 * After a push: what the VM has of ours is what this one sent (rsync's
 * itemized lines: an unchanged tree lists nothing, and 50,000 unchanged names
 * cost nothing), and what earlier ones sent (`last`, as read before it) that it
 * did not delete (names escaped as rsync writes them). A file that was on the
 * VM already, byte for byte, was not sent: --delete leaves it, as it leaves the agent's.
 */
export function recordPush(
  where: string,
  instance: string | undefined,
  local: string,
  last: PushRecord | undefined,
  r: Pick<SyncResult, 'listed' | 'changes'>,
): void {
  const gone = new Set(classify(r.changes).deleted);
  const entries = new Set((last?.entries ?? []).filter((e) => !gone.has(e) && !gone.has(`${e}/`)));
  for (const e of r.listed) entries.add(unescapeName(e));
  // Nothing new to remember (an unchanged tree pushed again): the record stands as it is.
  if (last?.local === local && gone.size === 0 && entries.size === last.entries.length) return;
  const rec: PushRecord = { where, instance: instance ?? '', local, time: new Date().toISOString(), entries: [...entries] };
  writeText(recordFile(where, instance ?? ''), `${JSON.stringify(rec)}\n`);
}

/**
 * The guard's rules (pure): each name the last push sent may be deleted
 * (`R`, risk), everything else is protected (`P /**`, the pattern rsync.ts
 * knows the VM's rsync names). Anchored literal names; a name holding a
 * newline cannot be a rule, so it stays protected.
 */
export function deleteOnlyRules(entries: readonly string[]): string {
  const risk = entries.filter((e) => !e.includes('\n') && !e.includes('\r')).map((e) => `R /${literalPattern(e)}\n`);
  return `${risk.join('')}P /**\n`;
}
