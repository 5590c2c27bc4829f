// Many commands at once against one VM whose sshd keeps OpenSSH's default
// MaxStartups (10:30:100) and MaxSessions (10), as a Debian VM's does: started
// together with no shared connection yet, they open one connection between
// them (one authentication) and none fails; a session or handshake sshd
// refuses is tried again.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeRepo, startVm, waitUntil, type RunResult, type TestVm } from '../harness/vm.js';

let vm: TestVm;
let repo: string;

/** `n` commands of four kinds, started together; what each returned. */
async function crowd(n: number): Promise<{ kind: string; r: RunResult }[]> {
  const kinds: [string, string, string[]][] = [
    ['git fetch', 'git', ['fetch', '-q', 'yolovm::app', 'main']],
    ['yolovm status', 'yolovm', ['status']],
    ['git yolo-diff', 'git', ['yolo-diff', 'main', 'app']],
    ['yolo-dir ls', 'yolo-dir', ['ls']],
  ];
  return Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const [kind, cmd, args] = kinds[i % kinds.length] ?? ['', 'true', []];
      return { kind, r: await vm.run(cmd, args, { cwd: repo, timeoutMs: 120_000 }) };
    }),
  );
}

const failures = (results: { kind: string; r: RunResult }[]) =>
  results.filter((x) => x.r.code !== 0).map((x) => `${x.kind}: exit ${String(x.r.code)}: ${x.r.stderr.trim()}`);

before(async () => {
  vm = await startVm();
  repo = await makeRepo(vm, 'app');
  const r = await vm.run('git', ['push', 'yolovm::app', 'main'], { cwd: repo });
  assert.equal(r.code, 0, r.stderr);
  // Uncommitted work on the VM: every yolo-diff at once saves it into the same ref here.
  writeFileSync(join(vm.workspace, 'app', 'wip.txt'), 'the agent is busy\n');
});
after(async () => {
  await vm.stop();
});

describe('many commands at once, OpenSSH default limits', () => {
  for (const n of [20, 50]) {
    it(`${String(n)} commands started together, cold: none fails, one authentication`, async () => {
      await vm.endShared();
      const before = vm.authCount();
      const results = await crowd(n);
      assert.deepEqual(failures(results), []);
      assert.equal(vm.authCount() - before, 1, 'authentications');
      assert.equal(vm.masters().length, 1, 'shared connections');
    });
  }

  it('20 commands over a warm shared connection: none fails, no authentication', async () => {
    const before = vm.authCount();
    const results = await crowd(20);
    assert.deepEqual(failures(results), []);
    assert.equal(vm.authCount() - before, 0);
  });
});

describe('an ssh command with -v', () => {
  it('a cold command ends: the shared connection opens on its own, its messages shown from a log, not through a pipe it would hold', async () => {
    await vm.endShared();
    const auths = vm.authCount();
    const env = { YOLOVM_SSH: `ssh -v -F ${vm.sshConfig}` };
    // (Opened by the command's own session, OpenSSH's master would keep that session's stderr for its 5 minutes.)
    const r = await vm.run('yolo-dir', ['ls'], { cwd: repo, env, timeoutMs: 30_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /app\/ +git: main/);
    assert.match(r.stderr, /^debug1: /m, "ssh's -v output is shown");
    assert.equal(vm.masters().length, 1, 'the shared connection stays');
    const warm = await vm.run('git', ['fetch', '-q', 'yolovm::app', 'main'], { cwd: repo, env, timeoutMs: 30_000 });
    assert.equal(warm.code, 0, warm.stderr);
    assert.equal(vm.authCount() - auths, 1, 'one authentication');
    await vm.endShared();
    // Nothing listening: ssh's lines, then ours saying what they mean.
    const refused = await vm.run('yolo-dir', ['ls'], {
      cwd: repo,
      env: { YOLOVM_SSH: `ssh -v -F ${vm.sshConfig} -p 1` },
      timeoutMs: 30_000,
    });
    assert.equal(refused.code, 2, refused.stderr);
    assert.match(refused.stderr, /^error: Cannot connect to VM at 127\.0\.0\.1: connection refused$/m);
  });
});

describe('refusals are tried again', () => {
  it('past a MaxSessions lower than ours (1 here), every command still gets through', async () => {
    const tight = await startVm({ sshdExtra: ['MaxSessions 1'] });
    try {
      const app = await makeRepo(tight, 'app');
      let r = await tight.run('git', ['push', 'yolovm::app', 'main'], { cwd: app });
      assert.equal(r.code, 0, r.stderr);
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          tight.run(i % 2 ? 'yolovm' : 'git', i % 2 ? ['status'] : ['fetch', '-q', 'yolovm::app', 'main'], { cwd: app }),
        ),
      );
      assert.deepEqual(
        results.filter((x) => x.code !== 0).map((x) => x.stderr),
        [],
      );
      r = await tight.run('yolo-dir', ['ls'], { cwd: app });
      assert.equal(r.code, 0, r.stderr);
    } finally {
      await tight.stop();
    }
  });

  it('a handshake dropped past MaxStartups is tried again, and gets through once the crowd is gone', async () => {
    const tight = await startVm({ sshdExtra: ['MaxStartups 2'] });
    const held: Socket[] = [];
    /** Someone else's connection that never authenticates: true while it holds a startup slot. */
    const hold = async (): Promise<boolean> => {
      const s = connect(tight.port, '127.0.0.1');
      held.push(s);
      const first = await new Promise<string>((res) =>
        s.once('data', (d: Buffer) => {
          res(d.toString());
        }),
      );
      return first.startsWith('SSH-');
    };
    try {
      // The harness's own probe (is sshd listening?) holds a startup slot until sshd sees it close.
      await waitUntil(() => /Connection closed by 127\.0\.0\.1 port/.test(tight.sshdLog()), "sshd to end the harness's probe", 30_000);
      // Fill the slots: until sshd drops one of these.
      while (await hold());
      // Watched as it runs: the retry is what this waits for, then the crowd goes.
      const child = spawn('yolo-dir', ['ls'], { cwd: join(tight.dir, 'home'), env: { ...tight.env, YOLOVM_VERBOSE: '1' } });
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      child.stdout.resume();
      const done = new Promise<number>((res) =>
        child.on('close', (code) => {
          res(code ?? 1);
        }),
      );
      await waitUntil(
        () => /sshd refused \(MaxStartups\): again in \d+ ms/.test(stderr),
        'yolovm to retry a dropped handshake',
        30_000,
      ).catch((err: unknown) => {
        throw new Error(`${(err as Error).message}; its stderr so far:\n${stderr}\nsshd:\n${tight.sshdLog()}`);
      });
      for (const h of held) h.destroy();
      assert.equal(await done, 0, stderr);
      // The command's own session opens the connection (no `ssh true` before it), and was tried again.
      assert.ok((stderr.match(/^yolovm: this session opens the shared connection$/gm) ?? []).length >= 2, stderr);
      assert.doesNotMatch(stderr, /^yolovm: \+ ssh .* true$/m);
    } finally {
      for (const h of held) h.destroy();
      await tight.stop();
    }
  });
});
