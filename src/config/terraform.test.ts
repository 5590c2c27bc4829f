// Finding the VM address: real state files, and the real terraform binary where installed.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { YolovmError } from '../core/errors.js';
import {
  checkAddress,
  findVm,
  fleetFromShow,
  fleetFromState,
  localStatePath,
  outputFromState,
  validateHost,
  parseOutputName,
  stateFacts,
} from './terraform.js';
import type { Config } from './config.js';
import { resolveConfig } from './config.js';

const vmAddress = (cfg: Config) => findVm(cfg).host;

const root = mkdtempSync(join(tmpdir(), 'yolovm-tf-'));
after(() => {
  rmSync(root, { recursive: true, force: true });
});

function tfDir(name: string, outputs: Record<string, unknown>): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  const state = {
    version: 4,
    terraform_version: '1.11.4',
    outputs: Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, { value: v, type: 'string' }])),
  };
  writeFileSync(join(dir, 'terraform.tfstate'), JSON.stringify(state));
  return dir;
}

function cfgFor(dir: string, env: Record<string, string> = {}) {
  return resolveConfig({ YOLOVM_TERRAFORM_DIR: dir, ...env }, new Map());
}

describe('address checks', () => {
  it('accepts host names and addresses', () => {
    for (const h of ['192.168.122.10', 'vm.local', 'fe80::1', '[fe80::1]', 'yolo_vm']) assert.ok(validateHost(h, 'test'));
  });
  it('refuses anything ssh could read as an option or a second word', () => {
    for (const h of ['-oProxyCommand=x', 'a b', 'a;b', '$(x)', 'user@host', 'a\nb', '']) {
      assert.throws(() => validateHost(h, 'test'), YolovmError);
    }
  });
  it('treats empty and "IP not yet assigned" as no address', () => {
    for (const v of ['', '  \n', 'IP not yet assigned']) {
      assert.throws(
        () => checkAddress(v, 'x'),
        (e: unknown) => e instanceof YolovmError && /VM IP not available/.test(e.message) && /terraform apply/.test(e.hint),
      );
    }
  });
});

describe('state files', () => {
  it('reads the output from the local state without starting terraform', () => {
    const dir = tfDir('plain', { vm_ip: '192.168.122.44' });
    const got = vmAddress(cfgFor(dir, { PATH: '/nonexistent' }));
    assert.equal(got.value, '192.168.122.44');
    assert.match(got.source, /terraform\.tfstate/);
  });
  it('uses the configured output name', () => {
    const dir = tfDir('named', { vm_ip: '10.0.0.1', other_ip: '10.0.0.2' });
    assert.equal(vmAddress(cfgFor(dir, { YOLOVM_TERRAFORM_OUTPUT: 'other_ip' })).value, '10.0.0.2');
  });
  it('says clearly when there is no address yet', () => {
    for (const [name, outputs] of [
      ['unassigned', { vm_ip: 'IP not yet assigned' }],
      ['empty', { vm_ip: '' }],
      ['absent', {}],
    ] as const) {
      const dir = tfDir(name, outputs);
      assert.throws(
        () => vmAddress(cfgFor(dir)),
        (e: unknown) => e instanceof YolovmError && e.exitCode === 1 && /VM IP not available/.test(e.message),
      );
    }
  });
  it('refuses a non-string output', () => {
    assert.throws(() => outputFromState(JSON.stringify({ outputs: { vm_ip: { value: ['a'] } } }), 'vm_ip'), /not a string/);
  });
  it('follows the selected terraform workspace and a local backend path', () => {
    const dir = join(root, 'ws');
    mkdirSync(join(dir, '.terraform'), { recursive: true });
    writeFileSync(join(dir, '.terraform', 'environment'), 'staging');
    assert.equal(localStatePath(dir), join(dir, 'terraform.tfstate.d', 'staging', 'terraform.tfstate'));
    const b = join(root, 'backend');
    mkdirSync(join(b, '.terraform'), { recursive: true });
    writeFileSync(
      join(b, '.terraform', 'terraform.tfstate'),
      JSON.stringify({ backend: { type: 'local', config: { path: 'state/vm.tfstate' } } }),
    );
    assert.equal(localStatePath(b), join(b, 'state', 'vm.tfstate'));
    writeFileSync(join(b, '.terraform', 'terraform.tfstate'), JSON.stringify({ backend: { type: 's3', config: {} } }));
    assert.equal(localStatePath(b), undefined);
  });
  it('names a missing terraform directory', () => {
    assert.throws(
      () => vmAddress(cfgFor(join(root, 'nope'))),
      (e: unknown) => e instanceof YolovmError && /Terraform directory '.*nope' not found/.test(e.message),
    );
  });
  it('YOLOVM_HOST wins over terraform', () => {
    const dir = tfDir('override', { vm_ip: '10.1.1.1' });
    const got = vmAddress(cfgFor(dir, { YOLOVM_HOST: '127.0.0.1' }));
    assert.deepEqual(got, { value: '127.0.0.1', source: '$YOLOVM_HOST' });
  });
});

describe('the terraform binary', () => {
  const hasTerraform = spawnSync('terraform', ['version'], { stdio: 'ignore' }).status === 0;
  if (hasTerraform) {
    it('reads the same address terraform output prints, and asks terraform when there is no state file', () => {
      const dir = join(root, 'real');
      mkdirSync(dir);
      writeFileSync(join(dir, 'main.tf'), 'variable "ip" {\n  default = "192.0.2.7"\n}\noutput "vm_ip" {\n  value = var.ip\n}\n');
      const tf = (...a: string[]) =>
        spawnSync('terraform', a, { cwd: dir, encoding: 'utf8', env: { ...process.env, TF_IN_AUTOMATION: '1' } });
      assert.equal(tf('init', '-input=false', '-no-color').status, 0);
      assert.equal(tf('apply', '-auto-approve', '-input=false', '-no-color').status, 0);
      assert.equal(tf('output', '-raw', 'vm_ip').stdout, '192.0.2.7');
      assert.equal(vmAddress(cfgFor(dir)).value, '192.0.2.7');
      // Without a state file, terraform itself is asked, and its answer is explained.
      rmSync(join(dir, 'terraform.tfstate'));
      assert.throws(
        () => vmAddress(cfgFor(dir)),
        (e: unknown) => e instanceof YolovmError && /terraform output vm_ip failed/.test(e.message),
      );
    });
  } else {
    it('without terraform or a state file, says terraform is missing', () => {
      const dir = join(root, 'no-tf');
      mkdirSync(dir);
      assert.throws(
        () => vmAddress(cfgFor(dir)),
        (e: unknown) => e instanceof YolovmError && /terraform is not installed/.test(e.message),
      );
    });
  }
});

describe('terraform state: outputs, instance, published key', () => {
  const domain = (id: string, ip: string, index?: number) => ({
    ...(index === undefined ? {} : { index_key: index }),
    attributes: { id, network_interface: [{ addresses: [ip] }] },
  });
  const state = (instances: unknown[], outputs: Record<string, unknown> = {}) =>
    JSON.stringify({
      outputs: Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, { value: v }])),
      resources: [
        { mode: 'data', type: 'libvirt_domain', instances: [domain('data-source', '10.0.0.1')] },
        { mode: 'managed', type: 'libvirt_domain', name: 'vm', instances },
      ],
    });
  it('one VM: its id', () => {
    assert.deepEqual(stateFacts(state([domain('u1', '10.0.0.1')]), '10.0.0.1', 'vm_host_key'), { instance: 'u1' });
  });
  it('several (count): the one with the address', () => {
    const s = state([domain('u0', '10.0.0.1', 0), domain('u1', '10.0.0.2', 1)], { vm_ips: ['10.0.0.1', '10.0.0.2'] });
    assert.equal(outputFromState(s, 'vm_ips[1]'), '10.0.0.2');
    assert.equal(stateFacts(s, '10.0.0.2', 'vm_host_key').instance, 'u1');
    assert.match(stateFacts(s, '10.0.0.3', 'vm_host_key').noInstance ?? '', /none of the 2/);
  });
  it('no libvirt_domain: no instance; a published key is read', () => {
    const s = JSON.stringify({ outputs: { vm_host_key: { value: 'ssh-ed25519 AAAA host\n' } } });
    assert.deepEqual(stateFacts(s, '10.0.0.1', 'vm_host_key'), {
      hostKey: 'ssh-ed25519 AAAA host',
      noInstance: 'the state has no libvirt_domain',
    });
  });
  it('output names: plain, list element, map element; anything else refused', () => {
    assert.deepEqual(parseOutputName('vm_ip', 'x'), { name: 'vm_ip' });
    assert.deepEqual(parseOutputName('vm_ips[2]', 'x'), { name: 'vm_ips', index: 2 });
    assert.deepEqual(parseOutputName('vm_ips["agent2"]', 'x'), { name: 'vm_ips', index: 'agent2' });
    for (const bad of ['-x', 'a b', 'a[', 'a[-1]', 'a;b', 'a[1][2]']) assert.throws(() => parseOutputName(bad, 'x'), YolovmError);
    assert.equal(outputFromState(JSON.stringify({ outputs: { m: { value: { agent2: '10.0.0.7' } } } }), 'm["agent2"]'), '10.0.0.7');
  });
});

describe('the fleet in a terraform state', () => {
  const domain = (name: string, index: unknown, id: string, addresses: unknown[], domainName?: unknown) => ({
    index_key: index,
    attributes: { id, name: domainName, network_interface: [{ addresses }] },
  });
  const state = (instances: unknown[], resName = 'agent') =>
    JSON.stringify({
      resources: [
        { type: 'libvirt_domain', mode: 'managed', name: resName, instances },
        { type: 'libvirt_volume', name: 'disk', instances: [{}] },
      ],
    });
  const cases: [string, string, { name: string; address: string; instance: string; resource: string }[]][] = [
    [
      'count: named by each domain name',
      state([domain('agent', 0, 'u0', ['192.168.122.10'], 'agent-0'), domain('agent', 1, 'u1', ['192.168.122.11'], 'agent-1')]),
      [
        { name: 'agent-0', address: '192.168.122.10', instance: 'u0', resource: 'libvirt_domain.agent[0]' },
        { name: 'agent-1', address: '192.168.122.11', instance: 'u1', resource: 'libvirt_domain.agent[1]' },
      ],
    ],
    [
      'for_each, a name that is no VM name: the resource address made one',
      state([domain('agent', 'fast one', 'u2', ['10.0.0.2'], 'yolo vm!')]),
      [{ name: 'agent-fast-one', address: '10.0.0.2', instance: 'u2', resource: 'libvirt_domain.agent["fast one"]' }],
    ],
    ['no address yet: not a VM', state([domain('agent', 0, 'u3', [], 'a')]), []],
    [
      'an address ssh could read as an option is skipped',
      state([domain('agent', 0, 'u4', ['-oProxyCommand=x', '10.0.0.4'], 'a')]),
      [{ name: 'a', address: '10.0.0.4', instance: 'u4', resource: 'libvirt_domain.agent[0]' }],
    ],
    [
      'two domains of one name are told apart',
      state([domain('agent', 0, 'u5', ['10.0.0.5'], 'same'), domain('agent', 1, 'u6', ['10.0.0.6'], 'same')]),
      [
        { name: 'same', address: '10.0.0.5', instance: 'u5', resource: 'libvirt_domain.agent[0]' },
        { name: 'agent-1', address: '10.0.0.6', instance: 'u6', resource: 'libvirt_domain.agent[1]' },
      ],
    ],
    [
      'the name default stays the default VM',
      state([domain('agent', 0, 'u7', ['10.0.0.7'], 'default')]),
      [{ name: 'agent-0', address: '10.0.0.7', instance: 'u7', resource: 'libvirt_domain.agent[0]' }],
    ],
  ];
  for (const [name, text, want] of cases)
    it(name, () => {
      assert.deepEqual(fleetFromState(text), want);
    });
  it('terraform show -json: the same fleet, child modules included', () => {
    const show = {
      values: {
        root_module: {
          resources: [
            {
              type: 'libvirt_domain',
              mode: 'managed',
              name: 'agent',
              index: 0,
              values: { id: 'u0', name: 'agent-0', network_interface: [{ addresses: ['10.0.0.1'] }] },
            },
          ],
          child_modules: [
            {
              resources: [
                {
                  type: 'libvirt_domain',
                  name: 'w',
                  values: { id: 'u9', name: 'worker', network_interface: [{ addresses: ['10.0.0.9'] }] },
                },
              ],
            },
          ],
        },
      },
    };
    assert.deepEqual(
      fleetFromShow(JSON.stringify(show)).map((v) => [v.name, v.address, v.instance]),
      [
        ['agent-0', '10.0.0.1', 'u0'],
        ['worker', '10.0.0.9', 'u9'],
      ],
    );
  });
});
