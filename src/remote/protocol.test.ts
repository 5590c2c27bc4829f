// The remote-helper protocol: commands, options, push specs, list answers, and recorded transcripts.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import * as proto from './protocol.js';
import { YolovmError } from '../core/errors.js';

// The recorded transcripts, from build/src/remote/ (tests run built).
const FIXTURES = new URL('../../../test/fixtures/', import.meta.url);

const SHA1 = 'a'.repeat(64); // a SHA-256 id, as the list below says
const OLD = 'b'.repeat(40);

/** Replays a transcript git recorded (GIT_TRANSPORT_HELPER_DEBUG=1) against our answers. */
function replay(name: string): { commands: proto.HelperCommand[]; statuses: string[] } {
  const lines = readFileSync(new URL(name, FIXTURES), 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('Debug: Remote helper: '));
  const commands: proto.HelperCommand[] = [];
  const statuses: string[] = [];
  const opts = proto.defaultOptions();
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (line.startsWith('Debug: Remote helper: <- ')) {
      const answer = line.slice('Debug: Remote helper: <- '.length);
      if (/^(ok|error) refs\//.test(answer)) statuses.push(answer);
      continue;
    }
    const cmd = proto.parseCommand(line.slice('Debug: Remote helper: -> '.length));
    commands.push(cmd);
    // Where our answer is pure, it must be what git got.
    const recorded: string[] = [];
    for (let j = i + 1; j < lines.length && (lines[j] ?? '').startsWith('Debug: Remote helper: <- '); j++)
      recorded.push((lines[j] ?? '').slice(25));
    if (cmd.kind === 'capabilities') assert.equal(recorded.map((r) => `${r}\n`).join(''), proto.CAPABILITIES);
    if (cmd.kind === 'option') assert.equal(proto.applyOption(opts, cmd.name, cmd.value), recorded[0]);
    if (cmd.kind === 'connect' && cmd.service === 'git-receive-pack') assert.equal(recorded[0], 'fallback');
  }
  return { commands, statuses };
}

describe('list answers from a hostile VM: refused, naming the field', () => {
  const table: [string, string, RegExp][] = [
    ['an unknown state', 'junk\n', /state 'junk'/],
    ['refs after none', `none\n${OLD} refs/heads/x\n`, /no repository/],
    ['a short id', 'repo\n:object-format sha1\nabc refs/heads/main\n', /'abc' is not an object id/],
    ['an id of the other algorithm', `repo\n:object-format sha1\n${SHA1} refs/heads/main\n`, /not an object id/],
    ['a ref name git refuses', `repo\n:object-format sha1\n${OLD} refs/heads/a..b\n`, /not a ref name/],
    ['a ref with a control character', `repo\n:object-format sha1\n${OLD} refs/heads/a\x1b[2J\n`, /\\x1b/],
    ['a one-level ref', `repo\n:object-format sha1\n${OLD} main\n`, /not a ref name/],
    ['a helper command smuggled in', `repo\n:object-format sha1\n${OLD} refs/heads/a\n:option x\n`, /not an object id/],
    ['an unknown object format', 'repo\n:object-format md5\n', /object format 'md5'/],
    ['a HEAD to a bad name', 'repo\n:object-format sha1\n@refs/heads/../x HEAD\n', /HEAD target/],
    ['a work tree state that is not one', 'repo weird\n', /work tree state/],
    ['a branch name git refuses in the state', 'repo clean -x\n', /work tree state/],
  ];
  for (const [name, answer, why] of table) {
    it(name, () => {
      assert.throws(
        () => proto.parseList(answer),
        (e: Error) => e instanceof YolovmError && e.exitCode === 2 && why.test(e.message),
      );
    });
  }
  it('an honest answer passes', () => {
    assert.equal(
      proto.parseList(`repo clean main\n:object-format sha1\n${OLD} refs/heads/main\n${OLD} refs/tags/v1\n@refs/heads/main HEAD\n`).refs
        .length,
      3,
    );
    assert.equal(proto.parseList(`repo\n:object-format sha1\n${OLD} HEAD\n`).refs.length, 1, 'a detached HEAD');
  });
});

describe('parseCommand', () => {
  const table: [string, proto.HelperCommand][] = [
    ['capabilities', { kind: 'capabilities' }],
    ['', { kind: 'end' }],
    ['list', { kind: 'list', forPush: false }],
    ['list for-push', { kind: 'list', forPush: true }],
    ['option verbosity 2', { kind: 'option', name: 'verbosity', value: '2' }],
    ['option push-option "a b"', { kind: 'option', name: 'push-option', value: '"a b"' }],
    ['push +refs/heads/a:refs/heads/b', { kind: 'push', spec: '+refs/heads/a:refs/heads/b' }],
    ['connect git-upload-pack', { kind: 'connect', service: 'git-upload-pack' }],
    ['fetch abc refs/heads/x', { kind: 'unknown', line: 'fetch abc refs/heads/x' }],
  ];
  for (const [line, want] of table)
    it(JSON.stringify(line), () => {
      assert.deepEqual(proto.parseCommand(line), want);
    });
});

describe('options', () => {
  it('accepts the push options git dies without, refuses the rest', () => {
    const o = proto.defaultOptions();
    assert.equal(proto.applyOption(o, 'dry-run', 'true'), 'ok');
    assert.equal(proto.applyOption(o, 'atomic', 'true'), 'ok');
    assert.equal(proto.applyOption(o, 'cas', '"refs/heads/a:\\141bc"'), 'ok');
    assert.equal(proto.applyOption(o, 'push-option', '"x\\ty"'), 'ok');
    assert.equal(proto.applyOption(o, 'push-option', 'no-checkout'), 'ok');
    assert.equal(proto.applyOption(o, 'verbosity', '0'), 'ok');
    assert.equal(proto.applyOption(o, 'progress', 'maybe'), 'error invalid value for progress');
    assert.equal(proto.applyOption(o, 'depth', '1'), 'unsupported');
    assert.deepEqual(o, {
      verbosity: 0,
      progress: false,
      dryRun: true,
      atomic: true,
      cas: ['--force-with-lease=refs/heads/a:abc'],
      pushOptions: ['x\ty'],
      noCheckout: true,
      objectFormat: false,
    });
    assert.deepEqual(proto.sendPackArgs(o, 'stateless', 'ssh://u@h/yolovm', ['x']).slice(0, 4), [
      'send-pack',
      '--helper-status',
      '--thin',
      '--stateless-rpc',
    ]);
    assert.deepEqual(proto.sendPackArgs(o, { receivePack: 'RP' }, 'ssh://u@h/yolovm', ['refs/heads/a:refs/heads/a']), [
      'send-pack',
      '--helper-status',
      '--thin',
      '--receive-pack=RP',
      '--dry-run',
      '--atomic',
      '--quiet',
      '--force-with-lease=refs/heads/a:abc',
      '--push-option=x\ty',
      '--no-progress',
      'ssh://u@h/yolovm',
      'refs/heads/a:refs/heads/a',
    ]);
  });

  it('unquotes C-style values, including octal UTF-8 bytes', () => {
    assert.equal(proto.unquoteC('plain'), 'plain');
    assert.equal(proto.unquoteC('"a\\"b\\\\c\\n"'), 'a"b\\c\n');
    assert.equal(proto.unquoteC('"\\303\\274"'), 'ü');
  });
});

describe('push specs', () => {
  it('parses force, delete and renames', () => {
    assert.deepEqual(proto.parsePushSpec('+refs/heads/a:refs/heads/b'), { force: true, src: 'refs/heads/a', dst: 'refs/heads/b' });
    assert.deepEqual(proto.parsePushSpec(':refs/heads/gone'), { force: false, src: '', dst: 'refs/heads/gone' });
    assert.deepEqual(proto.parsePushSpec('refs/tags/v1'), { force: false, src: 'refs/tags/v1', dst: 'refs/tags/v1' });
  });
  it('a new repository points HEAD at the first branch pushed', () => {
    const specs = ['refs/tags/v1:refs/tags/v1', ':refs/heads/x', 'refs/heads/a:refs/heads/feature', 'refs/heads/b:refs/heads/b'].map(
      proto.parsePushSpec,
    );
    assert.equal(proto.headForNewRepository(specs), 'refs/heads/feature');
    assert.equal(proto.headForNewRepository([proto.parsePushSpec('refs/tags/v1')]), '');
  });
  it('fills in a status for refs send-pack said nothing about', () => {
    const specs = ['refs/heads/a', 'refs/heads/b'].map(proto.parsePushSpec);
    assert.deepEqual(proto.missingStatuses(['ok refs/heads/a'], specs, 'gone'), ['error refs/heads/b gone']);
  });
  it('recognises updateInstead refusing a dirty work tree', () => {
    assert.ok(proto.isDirtyWorktreeRejection('error refs/heads/main "Working directory has unstaged changes"'));
    assert.ok(!proto.isDirtyWorktreeRejection('error refs/heads/main non-fast forward'));
  });
});

describe('list', () => {
  it('parses the VM answer and formats it for git', () => {
    const got = proto.parseList(`repo dirty feature/x\n:object-format sha256\n${SHA1} refs/heads/main\n@refs/heads/main HEAD\n`);
    assert.deepEqual(got, {
      state: 'repo',
      head: { state: 'dirty', branch: 'feature/x' },
      objectFormat: 'sha256',
      refs: [`${SHA1} refs/heads/main`, '@refs/heads/main HEAD'],
    });
    assert.equal(proto.formatListFor(got.refs, 'sha256'), `:object-format sha256\n${SHA1} refs/heads/main\n@refs/heads/main HEAD\n\n`);
    assert.equal(proto.formatListFor([], undefined), '\n', 'only when git asked for it');
    assert.equal(proto.formatList(got.refs), `${SHA1} refs/heads/main\n@refs/heads/main HEAD\n\n`);
    assert.deepEqual(proto.parseList('none\n'), { state: 'none', head: undefined, objectFormat: undefined, refs: [] });
    assert.deepEqual(proto.parseList('repo clean \n').head, { state: 'clean', branch: '' }, 'detached HEAD');
    assert.deepEqual(proto.parseHead('bare main'), { state: 'bare', branch: 'main' });
    assert.equal(proto.parseHead('weird'), undefined);
    assert.equal(proto.formatList([]), '\n');
    assert.throws(() => proto.parseList('garbage'));
  });
});

describe('recorded transcripts', () => {
  it('a push with --force-with-lease and --atomic', () => {
    const { commands, statuses } = replay('push-transcript.txt');
    assert.ok(commands.some((c) => c.kind === 'option' && c.name === 'cas'));
    assert.ok(commands.some((c) => c.kind === 'push' && c.spec === 'refs/heads/main:refs/heads/main'));
    assert.deepEqual(proto.parseStatuses(statuses.join('\n')), statuses);
    assert.ok(statuses.includes('ok refs/heads/main'));
  });
  it('a fetch over connect', () => {
    const { commands } = replay('fetch-transcript.txt');
    assert.deepEqual(commands.at(-1), { kind: 'connect', service: 'git-upload-pack' });
  });
});

describe('object format', () => {
  it('git asks for it; list then says it first', () => {
    const o = proto.defaultOptions();
    assert.equal(proto.applyOption(o, 'object-format', 'true'), 'ok');
    assert.equal(o.objectFormat, true);
    assert.match(proto.CAPABILITIES, /^object-format$/m);
  });
});

describe('list for-push', () => {
  it('advertises what receive-pack does: no HEAD', () => {
    const refs = ['@refs/heads/main HEAD', 'aaa refs/heads/main', 'bbb refs/tags/v1'];
    assert.deepEqual(proto.refsForPush(refs), ['aaa refs/heads/main', 'bbb refs/tags/v1']);
    assert.deepEqual(proto.refsForPush(['ccc HEAD', 'ccc refs/heads/x']), ['ccc refs/heads/x']);
  });
});

describe('send-pack failures without a status per ref', () => {
  const table: [string, string[], string | undefined][] = [
    [
      'its own complaint, then the hang-up it causes',
      ["error: unable to delete 'HEAD': remote ref does not exist", 'fatal: the remote end hung up unexpectedly'],
      "unable to delete 'HEAD': remote ref does not exist",
    ],
    ['push options refused', ['fatal: the receiving end does not support push options'], 'the receiving end does not support push options'],
    ['a lost connection alone', ['fatal: the remote end hung up unexpectedly'], undefined],
    [
      'a broken pipe while sending the pack',
      ["fatal: sha1 file '<stdout>' write error: Broken pipe", 'error: pack-objects died of signal 13'],
      undefined,
    ],
    [
      'remote lines are not send-pack’s',
      ['remote: error: something on the VM', 'fatal: Could not read from remote repository.'],
      undefined,
    ],
    ['nothing said', [], undefined],
  ];
  for (const [what, lines, want] of table)
    it(what, () => {
      assert.equal(proto.sendPackComplaint(lines), want);
    });
});
