// yolovm ssh: its operands, and the remote command built from them (never re-parsed by a shell).
import { remoteCommand, splitSshOperands } from './yolovm.js';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

describe('yolovm ssh operands and remote command', () => {
  const table: [string, string | undefined, string[], string[], [string | undefined, string[]]][] = [
    ['a shell in the root', undefined, [], ['ssh'], [undefined, []]],
    ['a shell in a subpath', 'app', [], ['ssh', 'app'], ['app', []]],
    ['-- CMD, no subpath', 'true', [], ['ssh', '--', 'true'], [undefined, ['true']]],
    ['-- CMD ARGS, no subpath', 'git', ['log', '-1'], ['ssh', '--vm', 'b', '--', 'git', 'log', '-1'], [undefined, ['git', 'log', '-1']]],
    ['subpath -- CMD', 'app', ['git', 'log'], ['ssh', 'app', '--', 'git', 'log'], ['app', ['git', 'log']]],
    [
      "a second -- is the command's",
      'app',
      ['git', 'log', '--', 'f'],
      ['ssh', 'app', '--', 'git', 'log', '--', 'f'],
      ['app', ['git', 'log', '--', 'f']],
    ],
  ];
  for (const [name, subpath, command, argv, want] of table) {
    it(name, () => {
      assert.deepEqual(splitSshOperands(subpath, command, argv), want);
    });
  }
  it("one string through the VM user's shell; several quoted verbatim", () => {
    assert.equal(remoteCommand([]), 'exec "${SHELL:-/bin/sh}" -l');
    assert.equal(remoteCommand(['echo $HOME; ls *.md']), `exec "\${SHELL:-/bin/sh}" -c 'echo $HOME; ls *.md'`);
    assert.equal(remoteCommand(['printf', '%s', '$(x)']), "exec printf %s '$(x)'");
  });
});
