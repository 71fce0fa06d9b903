// labUp: hosts as network + mount namespaces with their own sshd on a lab-only bridge (see README.md).
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { downOnExit, forget } from './cleanup.js';
import { writeHostFiles } from './host-files.js';
import { hostInitScript } from './host-init.js';
import { writeInventory } from './inventory.js';
import { makeHostKey, makeKey, writeKnownHosts } from './keys.js';
import { createNetwork } from './net.js';
import { bridgeAddress, bridgeName, checkHostName, checkLabName, hostAddress, labDir, maxHosts, nsName, podCidr, serviceCidr, vethName } from './paths.js';
import { PATH, run, sleep, type RunResult } from './run.js';
import { checkStandinPresent, standinKubeconfig, startStandin } from './standin.js';
import { processStart, writeState, type HostState, type LabState } from './state.js';
import { claimSubnet } from './subnet.js';
import { labSupport } from './support.js';
import { labDown } from './teardown.js';
import { quote as q } from '../../src/transports/shell.js';

export type HostGroups = Record<string, string[]>;

export const defaultHosts: HostGroups = { cp1: ['control_plane'], w1: ['workers'], w2: ['workers'], b1: ['build'] };
/** Groups whose hosts run containerd from the start. */
export const containerdGroups = ['control_plane', 'workers'];

export interface LabOptions {
  name: string;
  hosts?: HostGroups;
  /** Start the Kubernetes API stand-in (test/standin) inside the first control_plane host. */
  standin?: boolean;
  /** Leave the lab running when this process exits (`npm run lab`, `lab:up`); tests leave this off. */
  persist?: boolean;
}

export interface LabHost {
  name: string;
  address: string;
  groups: string[];
  ns: string;
}


export class Lab {
  readonly dir: string;
  readonly inventoryPath: string;
  readonly keyPath: string;
  readonly knownHostsPath: string;
  /** The machine's own address on the lab bridge (where the runner connects from). */
  readonly gateway: string;
  readonly hosts: Record<string, LabHost>;
  /** The stand-in's Service cluster IPs and pod addresses (on the lab's /24, above the hosts'). */
  readonly serviceCidr: string;
  readonly podCidr: string;
  /** Where the stand-in's kubeconfig is, inside the control-plane host (when started). */
  readonly kubeconfig = standinKubeconfig;

  constructor(readonly name: string, private state: LabState) {
    this.dir = labDir(name);
    this.inventoryPath = join(this.dir, 'inventory.yaml');
    this.keyPath = join(this.dir, 'id_ed25519');
    this.knownHostsPath = join(this.dir, 'known_hosts');
    this.gateway = bridgeAddress(state.subnet);
    this.serviceCidr = serviceCidr(state.subnet);
    this.podCidr = podCidr(state.subnet);
    this.hosts = Object.fromEntries(
      Object.entries(state.hosts).map(([h, s]) => [h, { name: h, address: s.address, groups: s.groups, ns: s.ns }]),
    );
  }

  /** Runs `sh -c command` inside the host's namespaces (not through sshd or the runner). */
  exec(host: string, command: string, opts: { stdin?: string | Buffer } = {}): Promise<RunResult> {
    const pid = this.initPid(host);
    return run('nsenter', ['-t', String(pid), '-n', '-m', '-u', '--', '/bin/sh', '-c', command], {
      stdin: opts.stdin,
      env: { PATH, HOME: '/root', LANG: 'C.UTF-8' },
    });
  }

  /** Like exec, but a non-zero exit throws with the command's output. */
  async sh(host: string, command: string, opts: { stdin?: string | Buffer } = {}): Promise<string> {
    const r = await this.exec(host, command, opts);
    if (r.code !== 0) throw new Error(`lab ${this.name}: on ${host}, \`${command}\` exited ${r.code}: ${r.stderr.trim() || r.stdout.trim()}`);
    return r.stdout;
  }

  /** File content on the host, or null when it does not exist. */
  async readFile(host: string, path: string): Promise<string | null> {
    const r = await this.exec(host, `[ -e ${q(path)} ] || exit 44; cat -- ${q(path)}`);
    if (r.code === 44) return null;
    if (r.code !== 0) throw new Error(`lab ${this.name}: cannot read ${path} on ${host}: ${r.stderr.trim()}`);
    return r.stdout;
  }

  async writeFile(host: string, path: string, content: string | Buffer, mode?: number): Promise<void> {
    const chmod = mode === undefined ? '' : ` && chmod ${mode.toString(8)} ${q(path)}`;
    await this.sh(host, `mkdir -p ${q(dirname(path))} && cat > ${q(path)}${chmod}`, { stdin: content });
  }

  /** Stops the host's sshd listener: new connections are refused until startSsh. */
  async stopSsh(host: string): Promise<void> {
    await this.sh(host, 'p=$(cat /run/sshd.pid 2>/dev/null) || exit 0; kill "$p" 2>/dev/null; while kill -0 "$p" 2>/dev/null; do sleep 0.02; done; rm -f /run/sshd.pid');
  }

  async startSsh(host: string): Promise<void> {
    await this.sh(host, '[ -s /run/sshd.pid ] && kill -0 "$(cat /run/sshd.pid)" 2>/dev/null || /usr/sbin/sshd -f /etc/ssh/sshd_config -E /var/log/sshd.log');
  }

  /** Runs a command through the host's real sshd with the lab key, as any client would. */
  ssh(host: string, command: string, opts: { stdin?: string } = {}): Promise<RunResult> {
    return run('ssh', [...this.sshOptions(), `root@${this.address(host)}`, command], { stdin: opts.stdin });
  }

  sshOptions(): string[] {
    return ['-i', this.keyPath, '-o', `UserKnownHostsFile=${this.knownHostsPath}`, '-o', 'StrictHostKeyChecking=yes',
      '-o', 'BatchMode=yes', '-o', 'IdentitiesOnly=yes', '-o', 'ConnectTimeout=5', '-F', '/dev/null'];
  }

  address(host: string): string {
    const h = this.hosts[host];
    if (!h) throw new Error(`lab ${this.name} has no host '${host}' (it has ${Object.keys(this.hosts).join(', ')})`);
    return h.address;
  }

  /** The actions the service shim recorded on the host (`<time> containerd restart` lines). */
  async serviceLog(host: string): Promise<string[]> {
    const text = (await this.readFile(host, '/var/log/service-restarts.log')) ?? '';
    return text.split('\n').filter(Boolean);
  }

  async down(): Promise<void> {
    await labDown(this.name);
    forget(this.name);
  }

  private initPid(host: string): number {
    const pid = this.state.hosts[host]?.initPid;
    if (!pid) throw new Error(`lab ${this.name} has no running host '${host}' (it has ${Object.keys(this.hosts).join(', ')})`);
    return pid;
  }
}

export async function labUp(opts: LabOptions): Promise<Lab> {
  const support = labSupport({ standin: !!opts.standin });
  if (!support.ok) throw new Error(`lab: cannot run here: ${support.reason}`);
  const name = opts.name;
  checkLabName(name);
  const groups = opts.hosts ?? defaultHosts;
  const hostNames = Object.keys(groups);
  if (!hostNames.length) throw new Error('lab: hosts must name at least one host');
  if (hostNames.length > maxHosts) throw new Error(`lab: at most ${maxHosts} hosts`);
  hostNames.forEach(checkHostName);
  if (opts.standin) {
    checkStandinPresent();
    if (!hostNames.some((h) => groups[h]!.includes('control_plane'))) throw new Error('lab: standin: true needs a host in group control_plane');
  }

  await labDown(name);
  if (!opts.persist) downOnExit(name);
  const dir = labDir(name);
  mkdirSync(dir, { recursive: true });
  const subnet = claimSubnet(name);
  const state: LabState = {
    name,
    owner: { pid: process.pid, start: processStart(process.pid) ?? '' },
    persist: !!opts.persist,
    subnet,
    bridge: bridgeName(subnet),
    hosts: Object.fromEntries(
      hostNames.map((h, i) => [h, { groups: groups[h]!, ns: nsName(name, h), address: hostAddress(subnet, i), veth: vethName(subnet, i) }]),
    ),
  };
  writeState(state);
  try {
    await bringUp(state, dir);
    const lab = new Lab(name, state);
    if (opts.standin) {
      const cp = hostNames.find((h) => groups[h]!.includes('control_plane'))!;
      state.standinPid = await startStandin({
        initPid: state.hosts[cp]!.initPid!,
        address: state.hosts[cp]!.address,
        nodeName: cp,
        podCidr: podCidr(subnet),
        serviceCidr: serviceCidr(subnet),
        logPath: join(dir, 'standin.log'),
      });
      writeState(state);
    }
    return lab;
  } catch (e) {
    await labDown(name).catch(() => {});
    throw e;
  }
}

const timing = process.env.LAB_TIMING ? (label: string, t0: number) => process.stderr.write(`lab: ${label} ${Date.now() - t0} ms\n`) : () => {};

async function bringUp(state: LabState, dir: string): Promise<void> {
  const t0 = Date.now();
  const hosts = Object.entries(state.hosts);
  const keyPath = join(dir, 'id_ed25519');
  const [labKey, ...hostKeys] = await Promise.all([
    makeKey(keyPath, `regplay-lab-${state.name}`),
    ...hosts.map(([h]) => makeHostKey(join(dir, h, 'hostkey'), h)),
  ]);
  // The one change to the machine: a mountpoint for the hosts' private /registry.
  mkdirSync('/registry', { recursive: true });
  for (const [h, s] of hosts) {
    writeHostFiles({
      host: h,
      hostDir: join(dir, h),
      address: s.address,
      peers: hosts.map(([p, ps]) => ({ host: p, address: ps.address })),
      authorizedKey: labKey!,
      hostKeyDir: join(dir, h, 'hostkey'),
      shimsDir: new URL('./shims', import.meta.url).pathname,
    });
  }
  timing('keys and files', t0);
  await createNetwork(state.subnet, hosts.map(([, s]) => s));
  timing('network', t0);
  await Promise.all(hosts.map(([h, s]) => startHost(h, s, join(dir, h))));
  timing('hosts started', t0);
  writeState(state);
  writeKnownHosts(join(dir, 'known_hosts'), hosts.map(([, s], i) => ({ address: s.address, publicKey: hostKeys[i]! })));
  writeInventory(join(dir, 'inventory.yaml'), hosts.map(([h, s]) => ({ name: h, address: s.address, groups: s.groups })), keyPath, join(dir, 'known_hosts'));
}

async function startHost(host: string, s: HostState, hostDir: string): Promise<void> {
  const script = join(hostDir, 'init.sh');
  writeFileSync(script, hostInitScript({ host, hostDir, containerd: s.groups.some((g) => containerdGroups.includes(g)) }));
  const logPath = join(hostDir, 'init.log');
  const log = openSync(logPath, 'w');
  const child = spawn('ip', ['netns', 'exec', s.ns, 'unshare', '-m', '-u', '--propagation', 'private', '/bin/sh', script], {
    detached: true,
    stdio: ['ignore', log, log],
    env: { PATH, HOME: '/root', LANG: 'C.UTF-8' },
    cwd: '/',
  });
  closeSync(log);
  let exited: string | undefined;
  child.on('exit', (code, sig) => (exited = String(sig ?? code)));
  child.unref();
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const m = /^ready (\d+)$/m.exec(readFileSync(logPath, 'utf8'));
    if (m) {
      s.initPid = Number(m[1]);
      return;
    }
    if (exited) break;
    await sleep(10);
  }
  throw new Error(`lab: host ${host} ${exited ? `failed to start (exit ${exited})` : 'did not start within 20 s'}; ${logPath}:\n${readFileSync(logPath, 'utf8').trim()}`);
}
