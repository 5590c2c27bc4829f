// Pure parts of the remote helper: the address in a URL, and which VM it names.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { YolovmError } from '../core/errors.js';
import { addressFromUrl, splitAddress } from './remote-helper.js';
import { configuredVms, parseGitConfigZ, resolveConfig } from '../config/config.js';

const git = (...entries: [string, string][]) => parseGitConfigZ(entries.map(([k, v]) => `file:.git/config\0${k}\n${v}\0`).join(''));

describe('URLs', () => {
  it('takes the address after yolovm:: or yolovm://', () => {
    assert.equal(addressFromUrl('myapp'), 'myapp');
    assert.equal(addressFromUrl('yolovm://path/to/repo'), 'path/to/repo');
    assert.equal(addressFromUrl('yolovm::x'), 'x');
    assert.equal(addressFromUrl(''), '');
  });
});

describe('choosing a VM', () => {
  const cfg = git(
    ['yolovm.host', '10.0.0.1'],
    ['yolovm.sshcommand', 'ssh -F default'],
    ['yolovm.Agent2.terraformoutput', 'vm_ips[1]'],
    ['yolovm.Agent2.user', 'agent'],
    ['yolovm.b.host', '10.0.0.2'],
    ['yolovm.subpath', 'app'],
    ['yolovm.b.subpath', 'other'],
  );
  it('configured names keep their case; section and key do not matter', () => {
    assert.deepEqual(configuredVms(cfg), ['Agent2', 'b']);
    assert.deepEqual(configuredVms(git(['yolovm.x.unknownkey', '1'], ['yolovm.a b.host', 'h'])), [], 'only known keys, only valid names');
  });
  it('a named VM: its own settings first, never the default VM’s address; the rest inherited', () => {
    const c = resolveConfig({ YOLOVM_HOST: '10.9.9.9', YOLOVM_USER: 'envuser' }, cfg, { name: 'Agent2', source: '--vm' });
    assert.equal(c.vm.value, 'Agent2');
    assert.equal(c.host, undefined, 'YOLOVM_HOST and yolovm.host belong to the default VM');
    assert.equal(c.terraformOutput.value, 'vm_ips[1]');
    assert.equal(c.user.value, 'agent', 'its own setting beats the environment');
    assert.equal(c.sshCommand.value, 'ssh -F default', 'inherited from the default VM');
    assert.equal(c.subpath, undefined);
    const b = resolveConfig({ YOLOVM_VM: 'b' }, cfg);
    assert.deepEqual([b.vm.value, b.vm.source, b.host?.value, b.subpath?.value], ['b', '$YOLOVM_VM', '10.0.0.2', 'other']);
  });
  it('the default VM as before; --vm beats YOLOVM_VM', () => {
    const c = resolveConfig({ YOLOVM_HOST: '10.9.9.9', YOLOVM_VM: 'b' }, cfg, { name: 'default', source: '--vm' });
    assert.deepEqual([c.vm.value, c.host?.value, c.subpath?.value], ['default', '10.9.9.9', 'app']);
  });
  it('a name not configured is one the fleet may have: found (or refused) when the address is looked up', () => {
    const c = resolveConfig({}, cfg, { name: 'c', source: '--vm' });
    assert.deepEqual([c.vm.value, c.vm.fleet, c.host], ['c', true, undefined]);
    assert.equal(resolveConfig({}, cfg, { name: 'Agent2', source: '--vm' }).vm.fleet, undefined, 'its own terraform output');
    assert.equal(
      resolveConfig({}, git(['yolovm.w.workspace', '/w']), { name: 'w', source: '--vm' }).vm.fleet,
      true,
      'configured, but no address of its own',
    );
  });
  const refused: [string, RegExp][] = [
    ['-oProxyCommand=x', /^Invalid VM name/],
    ['a b', /^Invalid VM name/],
    ['../x', /^Invalid VM name/],
    ['a\nb', /^Invalid VM name 'a\\x0ab'/],
    ['', /^Invalid VM name/],
  ];
  for (const [name, message] of refused) {
    it(`refuses ${JSON.stringify(name)}`, () => {
      assert.throws(
        () => resolveConfig({}, cfg, { name, source: '--vm' }),
        (e: unknown) => e instanceof YolovmError && message.test(e.message) && /Configured VMs: default, Agent2, b\./.test(e.hint),
      );
    });
  }
  const urls: [string, { vm?: string; subpath: string }][] = [
    ['yolovm::b:proj', { vm: 'b', subpath: 'proj' }],
    ['yolovm::b:', { vm: 'b', subpath: '' }],
    ['yolovm::default:x:y', { vm: 'default', subpath: 'x:y' }],
    ['yolovm::c:proj', { subpath: 'c:proj' }],
    ['yolovm::b', { subpath: 'b' }],
    ['yolovm://b:p/q', { vm: 'b', subpath: 'p/q' }],
  ];
  for (const [url, want] of urls) {
    it(`URL ${url}`, () => {
      assert.deepEqual(splitAddress(addressFromUrl(url), ['b']), want);
    });
  }
});
