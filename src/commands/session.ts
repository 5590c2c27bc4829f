// The session every command opens: vm/session.ts meets the VM (shared
// connection, first host key) and writes nothing of the user's; the one user
// file a command may touch on the way, the ssh-config block of ours, is
// refreshed here, in the command layer, where a reader looks for effects.
import type { Config } from '../config/config.js';
import { refreshSshConfig } from '../ssh/config-block.js';
import { meetVm as meet, openSession as open, type Session } from '../vm/session.js';
import { openRepo, type Repo } from '../git/repo.js';

/** Open a session; an ssh-config block of ours follows a re-created VM instance. */
export async function openSession(inRepository: boolean, cfg?: Config): Promise<Session> {
  return followed(await open(inRepository, cfg));
}

/**
 * The repository around us and the session, asked for at once (two git
 * processes side by side); outside a repository that is the error said.
 */
export async function repoAndSession(): Promise<{ repo: Repo; s: Session }> {
  const [repo, s] = await Promise.allSettled([openRepo(), openSession(true)]);
  if (repo.status === 'rejected') throw repo.reason;
  if (s.status === 'rejected') throw s.reason;
  return { repo: repo.value, s: s.value };
}

/** meetVm (`now`: the VM contacted here), then the same refresh. */
export async function meetVm(s: Session, now = false): Promise<Session> {
  return followed(await meet(s, now));
}

function followed(s: Session): Session {
  refreshSshConfig(s);
  return s;
}
