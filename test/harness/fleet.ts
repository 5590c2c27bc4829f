// A fleet of stand-in VMs for end-to-end tests and the benchmark: `n` real sshd
// instances on 127.0.0.1 (each its own port, host key, client key, VM HOME and
// workspace), one host side that reaches them as vm-0 ... vm-<n-1> through its
// own ssh config, and a terraform state with `count = n` libvirt_domain
// instances named agent-0 ... whose addresses are those host names. Only
// processes started here are ended here, by pid.
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import SSHConfig from 'ssh-config';
import { mastersIn, run, signal, startVm, waitGone, type RunOpts, type RunResult, type TestVm } from './vm.js';

export interface TestFleet {
  dir: string;
  vms: TestVm[];
  /** The VM names yolovm finds in the terraform state: agent-0, agent-1, ... */
  names: string[];
  /** The host side: HOME, PATH with our commands, the fleet's ssh config, YOLOVM_TERRAFORM_DIR. */
  env: NodeJS.ProcessEnv;
  tfDir: string;
  sshConfig: string;
  /** The libvirt_domain ids, per VM (host keys are per instance). */
  instances: string[];
  run(cmd: string, args: readonly string[], opts?: RunOpts): Promise<RunResult>;
  /** Successful SSH authentications so far, every VM together. */
  authCount(): number;
  /** The shared connections our commands left (pids). */
  masters(): number[];
  endShared(): Promise<void>;
  stop(): Promise<void>;
}

export async function startFleet(n: number): Promise<TestFleet> {
  const vms = await Promise.all(Array.from({ length: n }, () => startVm({ homeCwd: true })));
  const dir = mkdtempSync('/tmp/yf-');
  const home = join(dir, 'home');
  const runtime = join(dir, 'run');
  const tfDir = join(dir, 'tf');
  mkdirSync(home);
  mkdirSync(tfDir);
  mkdirSync(runtime, { mode: 0o700 });
  const names = vms.map((_, i) => `agent-${String(i)}`);
  const instances = vms.map(() => randomUUID());
  const cfg = SSHConfig.parse('');
  vms.forEach((vm, i) => {
    cfg.append({
      Host: `vm-${String(i)}`,
      HostName: '127.0.0.1',
      Port: String(vm.port),
      IdentityFile: vm.clientKey,
      IdentitiesOnly: 'yes',
      UserKnownHostsFile: join(dir, 'known_hosts'),
      GlobalKnownHostsFile: '/dev/null',
      StrictHostKeyChecking: 'yes',
    });
  });
  const sshConfig = join(dir, 'ssh_config');
  writeFileSync(sshConfig, SSHConfig.stringify(cfg));
  // For plain ssh (a benchmark's floor): each VM's key as OpenSSH records it. yolovm keeps its own, per instance.
  writeFileSync(join(dir, 'known_hosts'), vms.map((vm) => `[127.0.0.1]:${String(vm.port)} ${vm.hostKey()}\n`).join(''));
  writeFileSync(
    join(tfDir, 'terraform.tfstate'),
    JSON.stringify({
      version: 4,
      terraform_version: '1.11.4',
      outputs: {},
      resources: [
        {
          mode: 'managed',
          type: 'libvirt_domain',
          name: 'agent',
          instances: vms.map((_, i) => ({
            index_key: i,
            attributes: { id: instances[i], name: names[i], network_interface: [{ addresses: [`vm-${String(i)}`] }] },
          })),
        },
      ],
    }),
  );
  const env: NodeJS.ProcessEnv = { ...(vms[0]?.env ?? {}) };
  delete env.YOLOVM_HOST;
  delete env.YOLOVM_WORKSPACE;
  Object.assign(env, {
    HOME: home,
    XDG_RUNTIME_DIR: runtime,
    XDG_STATE_HOME: join(dir, 'state'),
    GIT_CONFIG_GLOBAL: join(home, '.gitconfig'),
    XDG_CONFIG_HOME: join(home, '.config'),
    YOLOVM_SSH: `ssh -F ${sshConfig}`,
    YOLOVM_TERRAFORM_DIR: tfDir,
  });
  const masters = () => mastersIn(runtime, sshConfig);
  const endShared = async () => {
    const pids = masters();
    for (const pid of pids) signal(pid, 'SIGTERM');
    await waitGone(pids, 5000);
  };
  return {
    dir,
    vms,
    names,
    env,
    tfDir,
    sshConfig,
    instances,
    run: (cmd, args, opts) => run(cmd, args, env, opts),
    authCount: () => vms.reduce((sum, vm) => sum + vm.authCount(), 0),
    masters,
    endShared,
    async stop() {
      await endShared();
      await Promise.all(vms.map((vm) => vm.stop()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
