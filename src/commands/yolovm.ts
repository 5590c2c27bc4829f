// yolovm status|save|clean|ssh|doctor: the VM workspace as a whole, so that
// destroying the VM never loses work (ssh-config is in ssh-config.ts).
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { EXIT, shown, YolovmError } from '../core/errors.js';
import { columns, hasControl, safeLine, stamp } from '../core/text.js';
import { encodeLocation, locationRefs } from '../git/handoff.js';
import { recordedFingerprint } from '../ssh/hostkeys.js';
import { info, notice, output, plural } from '../core/log.js';
import { CommandNotFound, finished, runAsync, runSync, start, runGit } from '../core/proc.js';
import { resolveSession, type Session } from '../vm/session.js';
import { meetVm, openSession } from './session.js';
import { shq, shqAll } from '../core/shell.js';
import { LEND_NOTHING, lentBy, plainSsh, sshArgs, sshNotFound, sshResolved } from '../ssh/ssh.js';
import { sshAlias } from '../ssh/config-block.js';
import { recordSaved, stateDir } from '../config/state.js';
import { assess, isUnsaved, NO_LOSS, survey, type SurveyEntry, type Unsaved } from '../workspace/survey.js';
import { runOnVm, VM_EXIT, vmFailure } from '../vm/vm.js';
import { parseSubpath } from '../config/subpath.js';
import { fetchFromVm } from '../remote/fetch.js';
import { pullFresh } from '../sync/mirror.js';

function describe(e: SurveyEntry, u: Unsaved): string {
  if (e.kind === 'dir')
    return e.changed === undefined
      ? 'never synced by yolo-dir'
      : e.changed
        ? 'changed since the last sync'
        : 'unchanged since the last sync';
  const parts: string[] = [];
  if (u.branches.length > 0) parts.push(`commits this host lacks on ${u.branches.join(', ')}`);
  if (u.refs.length > 0)
    parts.push(`${u.refs.map((r) => r.replace(/^refs\/(tags\/)?/, '')).join(', ')} (${plural(u.refs.length, 'ref')} this host lacks)`);
  if (u.stash > 0) parts.push(plural(u.stash, 'stash entry', 'stash entries'));
  if (u.lost > 0) parts.push(`${plural(u.lost, 'commit')} no branch holds (the VM's HEAD reflog)`);
  if (e.dirty) parts.push(`${plural(e.changes, 'uncommitted file')}${u.uncommitted ? '' : ' (saved)'}`);
  return parts.length > 0 ? parts.join('; ') : 'nothing this host lacks';
}

export interface StatusOptions {
  json?: boolean;
  check?: boolean;
}

export async function status(subpathArg: string | undefined, opts: StatusOptions): Promise<number> {
  const subpath = parseSubpath(subpathArg ?? '');
  const s = await openSession(true);
  const entries = await survey(s, subpath, true);
  const verdicts = assess(s, entries);
  const unsaved = entries.filter((e) => isUnsaved(verdicts.get(e) ?? noLoss));
  if (opts.json) {
    const rows = entries.map((e) => {
      const u = verdicts.get(e) ?? noLoss;
      return e.kind === 'repo'
        ? {
            kind: 'repo',
            path: e.subpath,
            branch: e.branch,
            branches: e.tips,
            uncommitted: e.changes,
            unsavedBranches: u.branches,
            refs: e.refs,
            unsavedRefs: u.refs,
            stash: e.stash.length,
            unsavedStash: u.stash,
            unsavedReflogCommits: u.lost,
            uncommittedUnsaved: u.uncommitted,
            pushedFrom: u.pushedFrom,
            unsaved: isUnsaved(u),
          }
        : { kind: 'dir', path: e.subpath, changed: e.changed ?? null, unsaved: isUnsaved(u) };
    });
    output(`${JSON.stringify({ vm: s.where(subpath), entries: rows, unsaved: unsaved.length }, null, 2)}\n`);
  } else {
    const out = [`${s.where(subpath)}:`];
    if (entries.length === 0) out.push('  (no projects)');
    const names = entries.map((e) => `${safeLine(e.subpath || '.')}/`);
    const col = await columns(names);
    for (const [i, e] of entries.entries()) {
      const u = verdicts.get(e) ?? noLoss;
      const name = col.pad(names[i] ?? '', col.widest);
      const kind = e.kind === 'repo' ? `git ${e.branch || '(detached)'}` : 'dir';
      out.push(`  ${isUnsaved(u) ? '!' : ' '} ${name} ${kind.padEnd(18)} ${describe(e, u)}`);
    }
    out.push(
      '',
      unsaved.length === 0
        ? `${plural(entries.length, 'project')}; nothing would be lost if the VM were destroyed now`
        : `${plural(entries.length, 'project')}; ${unsaved.length === 1 ? '1 holds' : `${String(unsaved.length)} hold`} work this host lacks (!): \`yolovm save\` brings it home`,
    );
    output(`${out.join('\n')}\n`);
  }
  return opts.check && unsaved.length > 0 ? EXIT.general : EXIT.ok;
}

const noLoss = NO_LOSS;

/** Bring everything home: repositories into the local repository they came from, or bundles; directories by rsync. */
export async function save(subpathArg: string | undefined, opts: { dryRun?: boolean } = {}): Promise<number> {
  const subpath = parseSubpath(subpathArg ?? '');
  const s = await openSession(true);
  // Snapshots as status makes them (objects, no ref): a dry run says what a save would do.
  const entries = await survey(s, subpath, true);
  const verdicts = assess(s, entries);
  if (opts.dryRun) return saveDryRun(s, entries, verdicts);
  const dated = join(stateDir(), 'saved', stamp());
  let saved = 0;
  const unsavable: string[] = [];
  for (const e of entries) {
    const u = verdicts.get(e) ?? noLoss;
    const label = safeLine(e.subpath || '(workspace root)');
    if (!isUnsaved(u)) {
      info(`${label}: nothing to save`);
      continue;
    }
    // The agent may name a directory so that no subpath can address it.
    if (hasControl(e.subpath)) {
      unsavable.push(shown(e.subpath));
      continue;
    }
    saved++;
    await saveEntry(s, e, u, dated, label);
  }
  info(
    saved === 0
      ? 'Nothing to save: the host already has everything.'
      : `Saved ${plural(saved, 'project')}; \`yolovm status --check\` now passes unless the agent changed something since.`,
  );
  if (unsavable.length > 0) throw cannotSave(unsavable);
  return EXIT.ok;
}

/** One project brought home: a directory by rsync, a repository into the one it came from, else a bundle. */
async function saveEntry(s: Session, e: SurveyEntry, u: Unsaved, dated: string, label: string): Promise<void> {
  if (e.kind === 'dir') {
    const local = join(dated, 'dirs', e.subpath);
    // Everything, into a fresh folder: nothing local there to protect.
    await pullFresh(s, e.subpath, local);
    recordSaved(s.where(e.subpath), { path: local });
    info(`${label}: files -> ${local} (restore: \`yolo-dir push ${shq(local)} ${shq(e.subpath)}\`)`);
    return;
  }
  const refs = locationRefs(e.subpath, s.cfg.vm.value);
  const into = u.pushedFrom[0];
  const specs = [`+refs/heads/*:${refs.base}/vm/*`, ...(e.snapshot ? [`+${e.snapshot}:${refs.wip}`] : []), ...extraSpecs(e, refs.base)];
  const extras = savedExtras(e);
  if (into) {
    await fetchInto(s, into, e.subpath, specs);
    info(
      `${label}: ${plural(Object.keys(e.tips).length, 'branch', 'branches')}${e.snapshot ? ' and the uncommitted work' : ''} -> ${into} as ${refs.base}/vm/*${e.snapshot ? ` and ${refs.wip}` : ''}`,
    );
    if (extras) info(`  and ${extras} -> ${refs.base}/{refs,stash,reflog}/...`);
    info(`  restore a branch: git --git-dir=${shq(into)} branch <name> ${refs.base}/vm/<name>`);
    return;
  }
  // Never pushed from here: a bundle of all its refs and the snapshot.
  // Named as in refs/yolovm/: reversibly encoded, no spaces or slashes.
  const bundle = join(dated, `${encodeLocation(e.subpath)}.bundle`);
  const mirror = join(dated, `.${String(process.pid)}.mirror`);
  mkdirSync(dated, { recursive: true });
  try {
    const clone = runGit(['init', '-q', '--bare', `--object-format=${s.cfg.objectFormat}`, mirror]);
    if (clone.code !== 0)
      throw new YolovmError(`Could not make ${mirror}: ${clone.stderr.trim()}`, 'Check free space and permissions there.');
    await fetchInto(s, mirror, e.subpath, [
      '+refs/*:refs/*',
      ...(e.snapshot ? [`+${e.snapshot}:refs/yolovm/wip`] : []),
      // (the other refs come with refs/*)
      ...extraSpecs(e, 'refs/yolovm').filter((spec) => !spec.includes(':refs/yolovm/refs/')),
    ]);
    const b = runGit(['--git-dir', mirror, 'bundle', 'create', '-q', bundle, '--all']);
    if (b.code !== 0)
      throw new YolovmError(`git bundle failed for ${label}: ${b.stderr.trim()}`, 'Run again with -v to see the commands run.', EXIT.git);
  } finally {
    rmSync(mirror, { recursive: true, force: true });
  }
  recordSaved(s.where(e.subpath), {
    path: bundle,
    heads: e.tips,
    wip: e.snapshot || undefined,
    objects: [...Object.values(e.refs), ...e.stash, ...e.lost],
  });
  info(`${label}: all refs${e.snapshot ? ' and the uncommitted work (refs/yolovm/wip)' : ''}${extras ? `, ${extras}` : ''} -> ${bundle}`);
  info(
    `  restore: git clone ${shq(bundle)} <dir>${e.snapshot ? `; then git -C <dir> fetch ${shq(bundle)} refs/yolovm/wip && git -C <dir> diff HEAD FETCH_HEAD | git -C <dir> apply` : ''}`,
  );
}

function cannotSave(names: readonly string[]): YolovmError {
  return new YolovmError(
    `Not saved: ${names.join(', ')}: a name with a control character, which no subpath can name`,
    'Rename it on the VM (`yolovm ssh -- mv ...`), then run `yolovm save` again; everything else was saved.',
  );
}

/** `yolovm save -n`: each project that holds unsaved work, what of it, and where it would go. */
function saveDryRun(s: Session, entries: readonly SurveyEntry[], verdicts: Map<SurveyEntry, Unsaved>): number {
  const lines: string[] = [];
  for (const e of entries) {
    const u = verdicts.get(e) ?? noLoss;
    if (!isUnsaved(u)) continue;
    const into =
      e.kind === 'dir'
        ? `a dated folder under ${join(stateDir(), 'saved')}`
        : u.pushedFrom[0]
          ? `${u.pushedFrom[0]} (${locationRefs(e.subpath, s.cfg.vm.value).base}/)`
          : `a bundle under ${join(stateDir(), 'saved')}`;
    lines.push(`  ${safeLine(e.subpath || '.')}: ${describe(e, u)} -> ${into}\n`);
  }
  output(lines.join(''));
  info(lines.length === 0 ? 'Dry run: nothing to save.' : `Dry run: would save ${plural(lines.length, 'project')}; nothing was written.`);
  return EXIT.ok;
}

/**
 * What a save brings besides the branches: every other ref as the VM names it
 * (under BASE/refs/), each stash entry (BASE/stash/<n>, stash@{n}), and each
 * commit only the VM's HEAD reflog reaches (BASE/reflog/<id>).
 */
function extraSpecs(e: SurveyEntry, base: string): string[] {
  if (e.kind !== 'repo') return [];
  return [
    ...Object.keys(e.refs).map((r) => `+${r}:${base}/${r}`),
    ...e.stash.map((sha, n) => `+${sha}:${base}/stash/${String(n)}`),
    ...e.lost.map((sha) => `+${sha}:${base}/reflog/${sha}`),
  ];
}

/** The extras a save brought, for its summary ('' when none). */
function savedExtras(e: SurveyEntry): string {
  if (e.kind !== 'repo') return '';
  const parts = [];
  const n = Object.keys(e.refs).length;
  if (n > 0) parts.push(plural(n, 'other ref'));
  if (e.stash.length > 0) parts.push(plural(e.stash.length, 'stash entry', 'stash entries'));
  if (e.lost.length > 0) parts.push(`${plural(e.lost.length, 'commit')} only the HEAD reflog holds`);
  return parts.join(', ');
}

/** Fetch from the VM location into a git directory. */
async function fetchInto(s: Session, gitDir: string, subpath: string, specs: string[]): Promise<void> {
  const r = await fetchFromVm(s, subpath, {
    gitArgs: ['--git-dir', gitDir],
    args: ['-q', '--no-tags', '--no-recurse-submodules', ...specs],
  });
  if (r.code !== 0) {
    const why = r.stderr.split('\n').find((l) => /^(fatal|error): /.test(l)) ?? `exit ${String(r.code)}`;
    throw new YolovmError(`Saving ${s.where(subpath)} failed: ${why}`, 'Nothing already saved is lost; run `yolovm save` again.', EXIT.git);
  }
}

export interface CleanOptions {
  force?: boolean;
  dryRun?: boolean;
}

export async function clean(subpathArg: string, opts: CleanOptions): Promise<number> {
  const subpath = parseSubpath(subpathArg);
  if (subpath === '' && !opts.force) {
    throw new YolovmError(
      'Refusing to delete the whole workspace',
      'Give the subpath to delete, or --force to delete everything in the workspace.',
    );
  }
  const s = await openSession(true);
  const entries = await survey(s, subpath, true);
  const verdicts = assess(s, entries);
  const unsaved = entries.filter((e) => isUnsaved(verdicts.get(e) ?? noLoss));
  if (unsaved.length > 0 && !opts.force) {
    throw new YolovmError(
      `${s.where(subpath)} holds work this host lacks: ${unsaved.map((e) => `${e.subpath || '.'} (${describe(e, verdicts.get(e) ?? noLoss)})`).join('; ')}`,
      '`yolovm save` it first, or delete it anyway with --force.',
    );
  }
  if (opts.dryRun) {
    info(`Would delete ${s.where(subpath)}${entries.length > 0 ? ` (${entries.map((e) => e.subpath || '.').join(', ')})` : ''}`);
    return EXIT.ok;
  }
  await runOnVm(s.target, s.place(subpath), { mode: 'clean' });
  info(`Deleted ${s.where(subpath)}${entries.length > 0 ? ` (${entries.map((e) => e.subpath || '.').join(', ')})` : ''}`);
  return EXIT.ok;
}

/** `cd` to a workspace place on the VM, in the remote shell's words (~/ is the VM user's home). */
function cdTo(s: Session, subpath: string): string {
  const base = s.place(subpath).base;
  const path = [base.replace(/^~\/?/, ''), subpath].filter((p) => p !== '').join('/');
  const rooted = base.startsWith('~') ? `"$HOME"${path ? `/${shq(path)}` : ''}` : shq(path.startsWith('/') ? path : `/${path}`);
  // A missing directory exits with a status of our own (a command's own exit statuses pass through).
  return `{ cd -- ${rooted} 2>/dev/null || exit ${String(NO_DIR)}; }`;
}

/** The remote shell's exit when the workspace directory is not there. */
const NO_DIR = 241;

/**
 * `yolovm ssh [subpath] [-- CMD...]` as commander hands it over, read again
 * against the command line: what follows `--` is the command, so
 * `yolovm ssh -- true` has no subpath (commander would take `true` for it).
 */
export function splitSshOperands(
  subpath: string | undefined,
  command: readonly string[],
  argv: readonly string[],
): [string | undefined, string[]] {
  const dd = argv.indexOf('--');
  const operands = subpath === undefined ? [...command] : [subpath, ...command];
  if (dd < 0) return [subpath, [...command]];
  const after = argv.length - dd - 1;
  const before = operands.length - after;
  return before > 0 ? [operands[0], operands.slice(1)] : [undefined, operands];
}

/**
 * The remote command after the `cd`: one word runs through the VM user's shell,
 * as `ssh host 'a; b'` does; several are quoted, each passed verbatim.
 */
export function remoteCommand(command: readonly string[]): string {
  if (command.length === 0) return 'exec "${SHELL:-/bin/sh}" -l';
  if (command.length === 1) return `exec "\${SHELL:-/bin/sh}" -c ${shq(command[0] ?? '')}`;
  return `exec ${shqAll(command)}`;
}

export interface SshOptions {
  /** -A: lend the VM the user's ssh agent for this one session (asked for, and said). */
  forwardAgent?: boolean;
}

export async function sshTo(subpathArg: string | undefined, command: readonly string[], opts: SshOptions = {}): Promise<number> {
  const subpath = parseSubpath(subpathArg ?? '');
  const s = await openSession(true);
  const remote = `${cdTo(s, subpath)} && ${remoteCommand(command)}`;
  const program = s.target.command[0] ?? 'ssh';
  const args = sshArgs(s.target, remote);
  if (opts.forwardAgent) {
    // A connection of its own (a shared one never forwards): -A wins over ForwardAgent=no, the first
    // ControlPath over the shared one. Said even with -q.
    args.unshift('-A', '-o', 'ControlMaster=no', '-o', 'ControlPath=none');
    notice(
      'warning: lending the VM your ssh agent for this session: while it lasts, anything on the VM can use your keys (`ssh-add -l` there lists them)',
    );
  }
  // A terminal for an interactive shell (and for a command run from one).
  if (process.stdin.isTTY) args.unshift('-t');
  const child = start(program, args, { stdio: 'inherit' });
  let code: number;
  try {
    code = await finished(child, program);
  } catch (err) {
    throw err instanceof CommandNotFound ? sshNotFound(program) : err;
  }
  if (code === NO_DIR) throw vmFailure(VM_EXIT.missing, s.place(subpath)) ?? new Error('missing');
  return code === 255 ? EXIT.ssh : code;
}

/** One link of the chain: ok, or what is wrong and the fix (`warn`: it works, but look). */
interface Link {
  name: string;
  ok: boolean;
  warn?: boolean;
  detail: string;
  fix?: string;
}

/** What a connection would lend the VM, asked of `ssh -G` (which connects nowhere). */
function lent(argv: readonly string[], destination: string): string[] | undefined {
  const resolved = sshResolved(argv, destination);
  return resolved === undefined ? undefined : lentBy(resolved);
}

/** yolovm's own connections lend nothing; say whether a plain `ssh user@address` by the user's config would. */
function forwarding(s: Session): Link[] {
  const links: Link[] = [];
  const ours = lent(s.target.command, s.target.destination);
  links.push(
    ours === undefined || ours.length === 0
      ? { name: 'forwarding', ok: true, detail: "yolovm's connections lend the VM nothing (no agent, X11 or forwarded port)" }
      : {
          name: 'forwarding',
          ok: false,
          detail: `yolovm's connections would lend the VM ${ours.join(', ')}`,
          fix: `take -A, -X or -R out of ${s.cfg.sshCommand.source}`,
        },
  );
  const plain = lent(plainSsh(s.cfg), s.target.destination);
  if (plain && plain.length > 0) {
    links.push({
      name: 'your ssh config',
      ok: true,
      warn: true,
      detail: `a plain \`ssh ${s.target.destination}\` would lend the VM ${plain.join(', ')}`,
      fix: `turn that off for the VM's address in ~/.ssh/config (\`Host ${s.target.host}\` with \`ForwardAgent no\`, \`ClearAllForwardings yes\`), or use \`ssh ${sshAlias(s.cfg.vm.value)}\` (yolovm ssh-config), which lends nothing`,
    });
  }
  return links;
}

function tool(name: string, args: string[]): Link {
  try {
    const r = runSync(name, args);
    return { name: `local ${name}`, ok: r.code === 0, detail: (r.stdout || r.stderr).split('\n')[0]?.trim() ?? '' };
  } catch {
    return {
      name: `local ${name}`,
      ok: false,
      detail: 'not installed',
      fix: `install it (\`sudo apt-get install ${name === 'ssh' ? 'openssh-client' : name}\`)`,
    };
  }
}

function describeHostKeys(s: Session): string {
  const k = s.target.hostKeys;
  if (!k)
    return `OpenSSH's own checking and your known_hosts (${s.cfg.hostKeys.value === 'ssh' ? s.cfg.hostKeys.source : 'no VM instance id: the address is not from a local terraform state'})`;
  const fp = recordedFingerprint(k);
  if (k.pinned) return `pinned to ${fp ?? '?'} (${k.pinned.source})`;
  return `VM instance ${k.instance ?? '?'}: ${fp ? `trusted ${fp}` : 'first contact: its key will be trusted and shown'} (${k.file})`;
}

/**
 * When the user's ssh config reaches the VM through a jump host (ProxyJump),
 * that link on its own: a login to the jump host as their ssh would make it,
 * its host key checked as OpenSSH checks it (not yolovm's per-VM keys).
 */
async function jumpLink(s: Session): Promise<Link | undefined> {
  const resolved = sshResolved(s.target.command, s.target.destination);
  const jump = /^proxyjump (.+)$/m.exec(resolved ?? '')?.[1]?.trim();
  if (!jump || jump === 'none') return undefined;
  const first = jump.split(',')[0] ?? jump;
  const ssh = plainSsh(s.cfg);
  const r = await runAsync(ssh[0] ?? 'ssh', [
    ...ssh.slice(1),
    ...LEND_NOTHING,
    '-o',
    'BatchMode=yes',
    '-o',
    'ConnectTimeout=5',
    '-o',
    'ControlPath=none',
    first,
    'true',
  ]);
  if (r.code === 0)
    return { name: `jump host ${first}`, ok: true, detail: 'reached and logged in (its host key checked by your known_hosts)' };
  const why =
    r.stderr
      .split('\n')
      .find(
        (l) =>
          l.trim() !== '' &&
          !l.startsWith('@@@') &&
          !/^(Warning|IT IS POSSIBLE|Someone could|It is also|The fingerprint|Please contact|Add correct|Offending|Host key for|\s)/.test(
            l,
          ),
      ) ?? `exit ${String(r.code)}`;
  const changed = /REMOTE HOST IDENTIFICATION HAS CHANGED|Host key verification failed/.test(r.stderr);
  return {
    name: `jump host ${first}`,
    ok: false,
    detail: `the VM is reached through ${first} (ProxyJump), which fails: ${safeLine(changed ? `its host key changed (${why.trim()})` : why.trim())}`,
    fix: changed
      ? `check the jump host's key; if it was re-installed on purpose: ssh-keygen -R <its address>, then \`ssh ${first}\` once`
      : `check that \`ssh ${first}\` works (is it up? reachable?)`,
  };
}

export async function doctor(): Promise<number> {
  const links: Link[] = [
    { name: 'local node', ok: true, detail: process.version },
    tool('git', ['--version']),
    tool('ssh', ['-V']),
    tool('rsync', ['--version']),
  ];
  let s: Session | undefined;
  try {
    s = resolveSession(true);
    links.push({ name: 'VM address', ok: true, detail: `${s.host.value} (from ${s.host.source})` });
    links.push({ name: 'host keys', ok: true, detail: describeHostKeys(s) });
    links.push(...forwarding(s));
  } catch (err) {
    if (!(err instanceof YolovmError)) throw err;
    links.push({ name: 'VM address', ok: false, detail: err.message, fix: err.hint });
  }
  const jump = s ? await jumpLink(s) : undefined;
  if (jump) links.push(jump);
  if (s) {
    try {
      s = await meetVm(s);
      const { stdout } = await runOnVm(s.target, s.place(''), { mode: 'doctor' });
      const facts = new Map(stdout.split('\n').map((l) => [l.split('\t')[0] ?? '', l.split('\t').slice(1)] as const));
      links.push({
        name: 'ssh',
        ok: true,
        detail: `logged in as ${facts.get('user')?.[0] ?? '?'} at ${s.target.host} (host key and authentication ok)`,
      });
      const [ws = '', wsState = ''] = facts.get('workspace') ?? [];
      links.push(
        wsState === 'writable'
          ? { name: 'VM workspace', ok: true, detail: `${ws} (writable)` }
          : {
              name: 'VM workspace',
              ok: wsState === 'missing',
              detail: `${ws} (${wsState}${wsState === 'missing' ? ': the first push creates it' : ''})`,
              fix: 'make it writable for the VM user',
            },
      );
      for (const t of ['git', 'rsync'] as const) {
        const v = facts.get(t)?.[0] ?? '';
        links.push(
          v
            ? { name: `VM ${t}`, ok: true, detail: v }
            : { name: `VM ${t}`, ok: false, detail: 'not installed', fix: `on the VM: \`sudo apt-get install ${t}\`` },
        );
      }
    } catch (err) {
      if (!(err instanceof YolovmError)) throw err;
      links.push({ name: 'ssh', ok: false, detail: err.message, fix: err.hint });
    }
  }
  for (const l of links) {
    output(`${l.warn ? 'warn' : l.ok ? 'ok  ' : 'FAIL'}  ${l.name}: ${l.detail}\n`);
    if ((!l.ok || l.warn) && l.fix) output(`      fix: ${l.fix}\n`);
  }
  const failed = links.filter((l) => !l.ok);
  output(
    failed.length === 0
      ? '\nEverything yolovm needs is in place.\n'
      : `\n${plural(failed.length, 'link')} broken: ${failed.map((l) => l.name).join(', ')}\n`,
  );
  return failed.length === 0 ? EXIT.ok : EXIT.general;
}
