// One SSH connection to the VM, shared by every yolovm process, however many
// start at once. A Debian VM's sshd keeps OpenSSH's defaults: past 10
// unauthenticated connections (MaxStartups 10:30:100) it drops new handshakes,
// and it allows 10 sessions on one connection (MaxSessions 10). So:
//
//   - the first session any process needs opens it: that ssh (ControlMaster=auto,
//     ControlPersist) authenticates, leaves the master behind and runs its own
//     command over it, no `ssh true` first (one session less, two round trips
//     on a distant VM). Its process holds a lock beside the control socket until
//     the socket is there; the others, and its own other sessions, wait for the
//     socket and multiplex over it;
//   - a handshake sshd drops (MaxStartups) or a session it refuses on the
//     shared connection (MaxSessions) is tried again, with backoff, for a
//     bounded time, and then named as what it is: the VM was not lost.
import { closeSync, existsSync, linkSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { EXIT, YolovmError } from '../core/errors.js';
import { debug } from '../core/log.js';

/** How long a process waits for another to open the connection, and retries refusals. */
export const WAIT_MS = 30_000;

/** What sshd refused, from ssh's stderr (pure): a dropped handshake, a refused session, or neither. */
export function refusal(stderr: string): 'startups' | 'sessions' | undefined {
  if (
    /Session open refused by peer|open failed: administratively prohibited|mux_client_request_session: session request failed/.test(stderr)
  )
    return 'sessions';
  // sshd closes a connection over MaxStartups before it sends its banner.
  if (
    /kex_exchange_identification: (read: Connection reset by peer|Connection closed by remote host)|banner exchange: Connection to \S+ port \d+: Connection reset/.test(
      stderr,
    )
  )
    return 'startups';
  return undefined;
}

/** The message once retrying has not got past a refusal. */
export function refusedError(kind: 'startups' | 'sessions', host: string): YolovmError {
  return kind === 'startups'
    ? new YolovmError(
        `The VM's sshd at ${host} refused more connections (MaxStartups: too many handshakes at once), for ${String(WAIT_MS / 1000)} s`,
        'The VM is up. Something else is opening many SSH connections to it; run again, or raise MaxStartups in its sshd_config.',
        EXIT.ssh,
      )
    : new YolovmError(
        `The VM's sshd at ${host} refused more sessions on the shared connection (MaxSessions), for ${String(WAIT_MS / 1000)} s`,
        'The VM is up; too many commands are running on it at once. Run again, or raise MaxSessions in its sshd_config.',
        EXIT.ssh,
      );
}

/**
 * Run `attempt` until it is not refused by sshd (see `refusal`), waiting a
 * little longer each time (with jitter, so a crowd does not come back at once),
 * for WAIT_MS at most. `refused` says whether a result was refused, and how.
 */
export async function retryRefused<R>(
  attempt: () => Promise<R>,
  refused: (r: R) => 'startups' | 'sessions' | undefined,
  host: string,
): Promise<R> {
  const deadline = Date.now() + WAIT_MS;
  for (let wait = 20; ; wait = Math.min(wait * 2, 1000)) {
    const r = await attempt();
    const kind = refused(r);
    if (kind === undefined) return r;
    if (Date.now() + wait > deadline) throw refusedError(kind, host);
    debug(`sshd refused (${kind === 'startups' ? 'MaxStartups' : 'MaxSessions'}): again in ${String(wait)} ms`);
    await sleep(wait / 2 + Math.random() * wait);
  }
}

/** A lock file taken by this process (its pid inside), or false when another holds it. */
function takeLock(lock: string): boolean {
  try {
    const fd = openSync(lock, 'wx', 0o600);
    writeSync(fd, `${String(process.pid)}\n`);
    closeSync(fd);
    return true;
  } catch {
    return false;
  }
}

/** A lock whose holder is gone (its pid no longer runs), or that is older than any honest wait. */
function staleLock(lock: string): boolean {
  try {
    const pid = Number(readFileSync(lock, 'utf8').trim());
    if (Date.now() - statSync(lock).mtimeMs > WAIT_MS) return true;
    if (!Number.isInteger(pid) || pid <= 0) return false; // being written
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/** Give back a lock or slot of ours; another process may have judged it stale and removed it: not an error. */
function release(lock: string): void {
  try {
    unlinkSync(lock);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

/**
 * Remove `lock` when it is stale (see staleLock); whether it was. Two processes
 * may judge the same stale lock at once, and a third take it afresh in between:
 * so the lock is first renamed aside, and the one renamed is checked again; a
 * fresh one caught that way is put back (link fails when yet another took it).
 */
function removeIfStale(lock: string): boolean {
  if (!staleLock(lock)) return false;
  const aside = `${lock}.stale-${String(process.pid)}`;
  try {
    renameSync(lock, aside);
  } catch {
    return true; // another process removed it first
  }
  if (!staleLock(aside)) {
    try {
      linkSync(aside, lock);
    } catch {
      /* taken meanwhile: that holder's lock is lost, a slot over the count at worst */
    }
  }
  release(aside);
  return true;
}

/** This process's session that is opening the shared connection at a socket: it settles once the socket is there, or that session ended. */
const opening = new Map<string, Promise<void>>();

/**
 * Before a session over the shared connection at `socket`: nothing to do when
 * it is there. Else this session opens it (a function to call when the session
 * ends is returned), under the lock beside the socket; or another session, of
 * this process or another, holds the lock, and this one waits for the socket.
 */
async function shareOrOpen(socket: string): Promise<(() => void) | undefined> {
  const lock = `${socket}.lock`;
  const deadline = Date.now() + WAIT_MS;
  for (let wait = 10; ; wait = Math.min(wait * 2, 100)) {
    if (existsSync(socket)) return undefined;
    const ours = opening.get(socket);
    if (ours) {
      await ours;
      continue;
    }
    if (takeLock(lock)) {
      if (!existsSync(socket)) return opensIt(socket, lock);
      release(lock);
      return undefined;
    }
    if (removeIfStale(lock)) continue;
    // Past the wait, go on alone: ssh opens a connection of its own (and says why, if it cannot).
    if (Date.now() > deadline) return undefined;
    await sleep(wait);
  }
}

/** This session opens the connection: the lock goes once the socket is there (the master listens after authentication) or the session ended. */
function opensIt(socket: string, lock: string): () => void {
  debug('this session opens the shared connection');
  let settle = () => {};
  opening.set(
    socket,
    new Promise<void>((resolve) => {
      settle = resolve;
    }),
  );
  let done = false;
  const finish = () => {
    if (done) return;
    done = true;
    clearInterval(watch);
    opening.delete(socket);
    release(lock);
    settle();
  };
  const watch = setInterval(() => {
    if (existsSync(socket)) finish();
  }, 5);
  watch.unref();
  return finish;
}

/**
 * At most this many sessions at once over one shared connection, across all
 * processes: under sshd's default MaxSessions (10), leaving room for the user's
 * own `ssh yolovm`. Past MaxSessions, ssh would open a connection of its own
 * (one more handshake and authentication, and MaxStartups is near).
 */
export const SESSIONS = 8;

/**
 * Run `run` (one ssh session over the shared connection at `socket`) holding
 * one of SESSIONS slots beside the socket; a process waits for a free slot
 * (WAIT_MS at most, then goes on without one). Where the connection is not
 * open yet, this session opens it, or waits for the one that does (shareOrOpen).
 */
export async function withSession<T>(socket: string | undefined, run: () => Promise<T>): Promise<T> {
  if (socket === undefined) return run();
  const opened = await shareOrOpen(socket);
  const slot = await takeSlot(socket);
  try {
    return await run();
  } finally {
    if (slot !== undefined) release(slot);
    opened?.();
  }
}

async function takeSlot(socket: string): Promise<string | undefined> {
  const slots = Array.from({ length: SESSIONS }, (_, i) => `${socket}.s${String(i)}`);
  const deadline = Date.now() + WAIT_MS;
  for (let wait = 5; ; wait = Math.min(wait * 2, 50)) {
    // Start at a different slot each time: a crowd spreads out instead of racing for slot 0.
    const first = Math.floor(Math.random() * SESSIONS);
    for (let i = 0; i < SESSIONS; i++) {
      const slot = slots[(first + i) % SESSIONS] ?? '';
      if (takeLock(slot)) return slot;
    }
    for (const slot of slots) removeIfStale(slot);
    if (Date.now() > deadline) {
      debug(`no free session slot after ${String(WAIT_MS / 1000)} s: going on without one`);
      return undefined;
    }
    await sleep(wait / 2 + Math.random() * wait);
  }
}
