// The VM is hostile: a real sshd whose every session runs an "agent" first
// (ForceCommand, see the harness), which records what the session can reach,
// prints escape sequences, and puts an `sh` of its own first on PATH that lies
// or floods. Nothing it does may reach past the boundary.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdirSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  freePort,
  listening,
  makeRepo,
  run,
  signal,
  startVm,
  waitGone,
  waitUntil,
  write,
  type RunResult,
  type TestVm,
} from '../harness/vm.js';

let vm: TestVm;
let repo: string;
let agentPid: ChildProcess | undefined;
let env: Record<string, string>;
let forwardPort: number;
const ESC = '\x1b';

/** The agent: records each session's agent socket and what `ssh-add -l` there says; prints escape sequences. */
const RECORDER = [
  'printf "session sock=%s\\n" "${SSH_AUTH_SOCK:-none}" >>"$AGENT/record"',
  '[ -z "${SSH_AUTH_SOCK:-}" ] || ssh-add -l >>"$AGENT/record" 2>&1',
  // Writes the clipboard, clears the screen, moves up a line.
  'printf "\\033]52;c;cHduZWQ=\\007\\033[2J\\033[1Aremote says hi\\n" >&2',
].join('\n');

/** An agent whose `sh` (first on PATH) answers `mode` with `answer` (shell code writing to stdout). */
function lying(mode: string, answer: string): string {
  write(
    join(vm.dir, 'agent', 'bin', 'sh'),
    `#!/bin/sh\n# $1=-c $2=vm.sh $3=yolovm $4=mode\nif [ "$4" = ${mode} ]; then ${answer}; exit 0; fi\nexec /bin/sh "$@"\n`,
  );
  chmodSync(join(vm.dir, 'agent', 'bin', 'sh'), 0o755);
  return 'PATH=$AGENT/bin:$PATH; export PATH';
}

const y = (cmd: string, args: string[], cwd = repo): Promise<RunResult> => vm.run(cmd, args, { cwd, env });

/** No raw escape character on either stream; the agent's sequence arrived escaped on stderr. */
function assertEscaped(r: RunResult, what: string): void {
  assert.ok(!r.stdout.includes(ESC), `${what}: raw ESC on stdout: ${JSON.stringify(r.stdout)}`);
  assert.ok(!r.stderr.includes(ESC), `${what}: raw ESC on stderr: ${JSON.stringify(r.stderr)}`);
}

before(async () => {
  vm = await startVm({ hostile: true });
  repo = await makeRepo(vm, 'app');
  // The user's ~/.ssh/config as commonly written: forward the agent and a port, for every host.
  forwardPort = await freePort();
  const userConfig = join(vm.dir, 'home', '.ssh', 'config');
  write(
    userConfig,
    `Host *\n    User nobody-such\n    ForwardAgent yes\n    RemoteForward ${String(forwardPort)} 127.0.0.1:${String(vm.port)}\n    Include ${vm.sshConfig}\n`,
  );
  // An ssh-agent holding a key, as a user's desktop session has.
  const sock = join(vm.dir, 'agent.sock');
  agentPid = spawn('ssh-agent', ['-D', '-a', sock], { stdio: 'ignore' });
  await waitUntil(() => existsSync(sock), 'ssh-agent to listen');
  const key = join(vm.dir, 'github_key');
  spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'users-github-key', '-f', key]);
  const added = spawnSync('ssh-add', [key], { env: { ...process.env, SSH_AUTH_SOCK: sock }, encoding: 'utf8' });
  assert.equal(added.status, 0, added.stderr);
  env = { SSH_AUTH_SOCK: sock, YOLOVM_SSH: `ssh -F ${userConfig}` };
  vm.setAgent(RECORDER);
});

after(async () => {
  if (agentPid?.pid) {
    signal(agentPid.pid, 'SIGTERM');
    await waitGone([agentPid.pid], 5000);
  }
  await vm.stop();
});

describe('nothing is forwarded, ever, unless asked', () => {
  it('the recorder sees the host agent in a plain ssh -A session (so the checks below can fail)', async () => {
    const r = await run('ssh', ['-F', vm.sshConfig, '-A', '-o', 'ControlPath=none', `${String(vm.env.YOLOVM_USER)}@127.0.0.1`, 'true'], {
      ...vm.env,
      SSH_AUTH_SOCK: env.SSH_AUTH_SOCK,
    });
    assert.equal(r.code, 0, r.stderr);
    assert.match(vm.record(), /users-github-key/);
  });

  it('no yolovm session sees SSH_AUTH_SOCK or the host key, and no forwarded port opens on the VM', async () => {
    writeFileSync(join(vm.dir, 'agent', 'record'), '');
    const dir = join(vm.dir, 'home', 'plain');
    write(join(dir, 'a.txt'), 'a\n');
    const runs: [string, string[]][] = [
      ['git-yolo-push', ['main', 'app']],
      ['git', ['fetch', 'yolovm::app', 'main']],
      ['yolo-dir', ['push', dir, 'plain']],
      ['yolo-dir', ['pull', dir, 'plain']],
      ['yolovm', ['status']],
      ['yolovm', ['ssh', 'app', '--', 'true']],
      ['yolovm', ['doctor']],
    ];
    for (const [cmd, args] of runs) {
      const r = await y(cmd, args);
      assert.ok(r.code === 0 || (cmd === 'yolovm' && args[0] === 'doctor'), `${cmd} ${args.join(' ')}: ${r.stderr}`);
    }
    const record = vm.record();
    assert.ok((record.match(/^session /gm) ?? []).length >= runs.length, record);
    assert.doesNotMatch(record, /sock=(?!none)/, 'a session had an agent socket');
    assert.doesNotMatch(record, /users-github-key/);
    // The shared connection still lives (ControlPersist): a RemoteForward would be bound now.
    assert.ok(vm.masters().length > 0);
    assert.equal(await listening(forwardPort), false, `port ${String(forwardPort)} forwarded onto the VM`);
  });

  it('doctor says what a plain ssh by that config would lend, and that yolovm lends nothing', async () => {
    const r = await y('yolovm', ['doctor']);
    assert.match(r.stdout, /^ok +forwarding: yolovm's connections lend the VM nothing/m);
    assert.match(r.stdout, /^warn +your ssh config: a plain `ssh .*` would lend the VM .*your ssh agent \(ForwardAgent\)/m);
    assert.match(r.stdout, /^warn +your ssh config: .*a port on the VM into this machine \(RemoteForward /m);
    assert.match(r.stdout, /fix: .*ClearAllForwardings yes/);
  });

  it('yolovm ssh -A lends the agent when asked, and says so', async () => {
    writeFileSync(join(vm.dir, 'agent', 'record'), '');
    const r = await y('yolovm', ['ssh', '-A', 'app', '--', 'true']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /warning: lending the VM your ssh agent for this session/);
    assert.match(vm.record(), /users-github-key/);
  });

  it('ssh yolovm logs in as the VM user and lends nothing, with Host * / User / ForwardAgent yes first in ~/.ssh/config', async () => {
    const home = { HOME: join(vm.dir, 'home') };
    const w = await vm.run('yolovm', ['ssh-config'], { env: { ...env, ...home } });
    assert.equal(w.code, 0, w.stderr);
    writeFileSync(join(vm.dir, 'agent', 'record'), '');
    const r = await run('ssh', ['-F', join(vm.dir, 'home', '.ssh', 'config'), 'yolovm', 'whoami'], { ...vm.env, ...env, ...home });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), vm.env.YOLOVM_USER);
    assert.match(vm.record(), /sock=none/);
    const rm = await vm.run('yolovm', ['ssh-config', '--remove'], { env: { ...env, ...home } });
    assert.equal(rm.code, 0, rm.stderr);
  });
});

describe('what the VM says is shown escaped: no escape sequence reaches the terminal', () => {
  it("every command relays the agent's stderr escaped", async () => {
    const dir = join(vm.dir, 'home', 'esc');
    write(join(dir, 'f'), 'x\n');
    const runs: [string, string[]][] = [
      ['git-yolo-push', ['main', 'app']],
      ['git', ['push', 'yolovm::app', 'main']],
      ['git-yolo-fetch', ['main', 'app']],
      ['git-yolo-diff', ['main', 'app']],
      ['yolovm', ['status']],
      ['yolo-dir', ['push', dir, 'esc']],
      ['yolo-dir', ['ls']],
      ['yolo-dir', ['pull', dir, 'esc']],
    ];
    for (const [cmd, args] of runs) {
      const r = await y(cmd, args);
      assert.equal(r.code, 0, `${cmd} ${args.join(' ')}: ${r.stderr}`);
      assertEscaped(r, `${cmd} ${args.join(' ')}`);
      assert.match(r.stderr, /\\x1b\]52;c;cHduZWQ=\\x07\\x1b\[2J/, `${cmd}: the agent's text is shown, escaped`);
    }
  });

  it('commit subjects and file names from the agent are escaped in yolo-fetch and yolo-diff', async () => {
    write(join(vm.workspace, 'app', 'evil'), 'x\n');
    await vm.vmGit('app', ['add', 'evil']);
    const c = await vm.vmGit('app', ['commit', '-q', '-m', `fix\x1b]52;c;cHduZWQ=\x07\x1b[2J tests`]);
    assert.equal(c.code, 0, c.stderr);
    write(join(vm.workspace, 'app', `new\x1b[31mfile`), 'y\n');
    const diff = await y('git-yolo-diff', ['main', 'app']);
    assert.equal(diff.code, 0, diff.stderr);
    assertEscaped(diff, 'git yolo-diff');
    assert.match(diff.stdout, /fix\\x1b\]52;c;cHduZWQ=\\x07\\x1b\[2J tests/);
    assert.match(diff.stdout, /new\\x1b\[31mfile/);
    const fetch = await y('git-yolo-fetch', ['main', 'app']);
    assert.equal(fetch.code, 0, fetch.stderr);
    assertEscaped(fetch, 'git yolo-fetch');
    assert.match(fetch.stderr, /fix\\x1b\]52;c;cHduZWQ=\\x07\\x1b\[2J tests/);
  });
});

describe('bounded answers', () => {
  /** Peak resident memory of a command and its children, in MB (the kernel's count, via python3's getrusage). */
  async function peak(cmd: string, args: string[]): Promise<{ r: RunResult; mb: number }> {
    const script =
      'import resource, subprocess, sys\n' +
      'p = subprocess.run(sys.argv[1:], capture_output=True)\n' +
      'sys.stdout.buffer.write(p.stdout)\nsys.stderr.buffer.write(p.stderr)\n' +
      'print("peak-kb=%d" % resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr)\n' +
      'sys.exit(p.returncode)\n';
    const r = await run('python3', ['-c', script, cmd, ...args], { ...vm.env, ...env }, { cwd: repo, timeoutMs: 120_000 });
    const kb = Number(/peak-kb=(\d+)/.exec(r.stderr)?.[1] ?? 'NaN');
    return { r, mb: kb / 1024 };
  }

  it('a 400 MB flood answering the survey: a named error, exit 2, memory bounded', async (t) => {
    vm.setAgent(`${RECORDER}\n${lying('survey', 'yes xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx | head -c 400000000')}`);
    try {
      const { r, mb } = await peak('yolovm', ['status']);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /^error: The VM's answer to survey exceeded 32 MB$/m);
      assert.match(r.stderr, /^hint: /m);
      t.diagnostic(`yolovm status against a 400 MB flood peaked at ${mb.toFixed(0)} MB resident`);
      assert.ok(mb < 150, `yolovm status peaked at ${mb.toFixed(0)} MB`);
    } finally {
      vm.setAgent(RECORDER);
    }
  });

  for (const [mode, cmd, args, flood, answer = mode] of [
    ['push', 'git', ['push', 'yolovm::app', 'main'], 'yes | head -c 100000000'],
    // Empty pkt-lines that never reach a flush, as an advertisement.
    [
      'push',
      'git-yolo-push',
      ['main', 'app'],
      String.raw`printf 'repo\n:object-format sha1\n\n'; yes 0004 | tr -d '\n' | head -c 100000000`,
    ],
    ['snapshot', 'git-yolo-fetch', ['--dry-run', 'main', 'app'], 'yes | head -c 100000000'],
    // Beside a fetch, the snapshot's answer is marker lines on stderr.
    ['upload-pack', 'git-yolo-fetch', ['main', 'app'], 'yes yolovm:snapshot:QUFB | head -c 100000000 >&2', 'snapshot'],
    ['ls', 'yolo-dir', ['ls'], 'yes | head -c 100000000'],
  ] as const) {
    it(`a flood answering ${mode} (${cmd} ${args.join(' ')}${mode === 'push' && cmd !== 'git' ? ', in the advertisement' : ''}): refused, named`, async () => {
      vm.setAgent(`${RECORDER}\n${lying(mode, flood)}`);
      try {
        const r = await y(cmd, [...args]);
        assert.notEqual(r.code, 0);
        assert.match(r.stderr, new RegExp(`The VM's answer to ${answer} exceeded 32 MB`));
      } finally {
        vm.setAgent(RECORDER);
      }
    });
  }
});

describe('validated answers: a lie is refused, named, and nothing is written for it', () => {
  it('a snapshot beside the fetch that the fetch did not bring (the agent rewrote base64): refused, no wip ref moved', async () => {
    const p = await y('git-yolo-push', ['main', 'app']);
    assert.equal(p.code, 0, p.stderr);
    const wip = join(vm.workspace, 'app', 'wip.txt');
    write(wip, 'uncommitted\n');
    const wipRef = ['rev-parse', '-q', '--verify', 'refs/yolovm/default/app/wip'];
    const before = await y('git', wipRef);
    // Every command vm.sh runs is the agent's to replace: this base64 names another snapshot.
    const fake = join(vm.dir, 'agent', 'bin', 'base64');
    write(fake, `#!/bin/sh\nsed 's/^snapshot\\t[0-9a-f]*/snapshot\\t${'f'.repeat(40)}/' | /usr/bin/base64\n`);
    chmodSync(fake, 0o755);
    vm.setAgent(`${RECORDER}\nPATH=$AGENT/bin:$PATH; export PATH`);
    try {
      const r = await y('git-yolo-fetch', ['main', 'app']);
      assert.equal(r.code, 3, r.stderr);
      assert.match(r.stderr, /^error: The VM named a snapshot \(ffffffffffff\) that the fetch did not bring$/m);
      assert.equal((await y('git', wipRef)).stdout, before.stdout);
    } finally {
      rmSync(fake);
      rmSync(wip);
      vm.setAgent(RECORDER);
    }
  });

  it('a survey naming a path outside the workspace: yolovm save writes nothing', async () => {
    vm.setAgent(`${RECORDER}\n${lying('survey', String.raw`printf 'dir\0./../../../escape\0-\0'`)}`);
    try {
      const r = await y('yolovm', ['save']);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /The VM's answer to survey is not valid: path '\.\.\/\.\.\/\.\.\/escape' is not a relative path/);
      assert.ok(!existsSync(join(vm.dir, 'state', 'yolovm', 'saved')), 'nothing saved');
      assert.ok(!existsSync(join(vm.dir, 'escape')));
    } finally {
      vm.setAgent(RECORDER);
    }
  });

  it('an advertisement smuggling a protocol line to git: refused before git sees it', async () => {
    // receive-pack's first line (a ref, its capabilities), then a line that is no ref, as pkt-lines.
    const first = `${'a'.repeat(40)} refs/heads/main\\000report-status\\n`;
    const ad = `004b${first}000ffetch HEAD\\n0000`;
    vm.setAgent(`${RECORDER}\n${lying('push', `printf 'repo\\n:object-format sha1\\n\\n${ad}'`)}`);
    try {
      const r = await y('git', ['push', 'yolovm::app', 'main']);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /The VM's answer to push is not valid: the id of 'HEAD' .*'fetch' is not an object id/);
    } finally {
      vm.setAgent(RECORDER);
    }
  });
});

describe('pulls bring data, not devices', () => {
  it('no device, FIFO, socket, set-id or sticky bit, and no .git from the VM; links out of the tree named', async () => {
    const ws = join(vm.workspace, 'planted');
    mkdirSync(join(ws, 'bin'), { recursive: true });
    write(join(ws, 'bin', 'tool'), '#!/bin/sh\n');
    chmodSync(join(ws, 'bin', 'tool'), 0o4755);
    mkdirSync(join(ws, 'shared'));
    chmodSync(join(ws, 'shared'), 0o1777);
    spawnSync('mkfifo', [join(ws, 'fifo')]);
    const root = process.getuid?.() === 0;
    if (root) spawnSync('mknod', [join(ws, 'null'), 'c', '1', '3']);
    symlinkSync('/root/.ssh', join(ws, 'esc'));
    symlinkSync('../../../../etc', join(ws, 'bin', 'up'));
    symlinkSync('tool', join(ws, 'bin', 'inside'));
    write(join(ws, 'sub', '.git', 'config'), '[core]\n\tfsmonitor = touch /tmp/yolovm-pwned\n');
    write(join(ws, 'other', '.git'), 'gitdir: ../sub/.git\n');
    const local = join(vm.dir, 'home', 'pulled');
    const r = await y('yolo-dir', ['pull', '--no-default-excludes', local, 'planted']);
    assert.equal(r.code, 0, r.stderr);
    const names = (d: string): string[] =>
      readdirSync(d, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? [`${e.name}/`, ...names(join(d, e.name)).map((n) => `${e.name}/${n}`)] : [e.name],
      );
    const got = names(local).sort();
    assert.ok(!got.includes('fifo') && !got.includes('null'), got.join(' '));
    assert.ok(!got.some((n) => n.split('/').includes('.git')), `a .git came home: ${got.join(' ')}`);
    assert.equal(statSync(join(local, 'bin', 'tool')).mode & 0o7777, 0o755);
    assert.equal(statSync(join(local, 'shared')).mode & 0o7000, 0);
    assert.ok(lstatSync(join(local, 'esc')).isSymbolicLink(), 'links are mirrored, not dropped');
    assert.match(r.stderr, new RegExp(`Left out ${root ? '2 special files' : '1 special file'} \\(devices, FIFOs, sockets`));
    assert.match(r.stderr, /set-user-id, set-group-id and sticky bits of 2 files: (bin\/tool, shared|shared, bin\/tool)/);
    assert.match(
      r.stderr,
      /Review: 2 links pointing outside the directory:\n {2}(bin\/up -> \.\.\/\.\.\/\.\.\/\.\.\/etc\n {2}esc -> \/root\/\.ssh|esc -> \/root\/\.ssh\n {2}bin\/up -> \.\.\/\.\.\/\.\.\/\.\.\/etc)/,
    );
    assert.doesNotMatch(r.stderr, /inside/);
    assertEscaped(r, 'yolo-dir pull');
  });
});

describe("the VM's pace: work begun ahead is ended quietly", () => {
  it('a snapshot’s git add -A, still running when git status finds the tree clean, ends without a word or a file left', async () => {
    const p = await y('git', ['push', '-q', 'yolovm::quiet', 'main']);
    assert.equal(p.code, 0, p.stderr);
    // The agent's git takes its time over `add`, and says when it began and whether it finished; a program
    // that a signal ends (perl), as git is, not a shell, which would exit with a status of its own.
    const fake = join(vm.dir, 'agent', 'bin', 'git');
    const meet = join(vm.dir, 'agent', 'began');
    assert.equal(spawnSync('mkfifo', [meet]).status, 0);
    write(
      fake,
      [
        '#!/bin/sh',
        // git status meets the add at a FIFO (30 s at most), so the add is running when status says clean.
        'for a in "$@"; do [ "$a" != status ] || s=1; done',
        '[ "${s:-}" != 1 ] || timeout 30 cat "$AGENT/began" >/dev/null',
        '[ "$1" = add ] || exec /usr/bin/git "$@"',
        'echo "add began" >>"$AGENT/record"',
        `timeout 30 sh -c 'echo >"$1"' sh "$AGENT/began"`,
        // Then it waits for a signal: the one that ends it, or, after 30 s, its own alarm; then it says so and adds.
        `exec perl -MPOSIX -e '$SIG{ALRM} = sub { open(my $f, ">>", "$ENV{AGENT}/record"); print $f "add ended\\n"; close $f; exec("/usr/bin/git", @ARGV) }; alarm 30; POSIX::pause() while 1' -- "$@"`,
        '',
      ].join('\n'),
    );
    chmodSync(fake, 0o755);
    vm.setAgent(`${RECORDER}\nPATH=$AGENT/bin:$PATH; export PATH`);
    try {
      const r = await y('git-yolo-fetch', ['main', 'quiet']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(vm.record(), /^add began$/m, 'the add began beside git status');
      assert.doesNotMatch(vm.record(), /^add ended$/m, 'and was ended when status said clean');
      assert.doesNotMatch(r.stderr, /Terminated|Killed/);
      assert.deepEqual(
        readdirSync(vm.vmTmp).filter((f) => f.startsWith('yolovm-')),
        [],
      );
    } finally {
      rmSync(fake);
      rmSync(meet);
      vm.setAgent(RECORDER);
    }
  });
});
