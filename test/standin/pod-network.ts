// Kubernetes API stand-in: pod sandboxes, as a container runtime and a routed CNI plugin (Calico-like)
// make them. Each pod gets its own network namespace, held by a pause process, with `eth0` (one end of
// a veth pair) and an address from --pod-cidr; the node routes that /32 to the veth and answers ARP for
// it on its own interfaces (proxy ARP), so every host of the node's network reaches the pod directly and
// the pod reaches them. Nothing leaves the node's network: the pod has no gateway beyond it.
//
// Run only inside a lab host's network namespace: it turns on forwarding and proxy ARP there.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readlinkSync, readdirSync, writeFileSync } from 'node:fs';
import { firstFree, parseCidr, type Cidr } from './cidr.js';

const VETH_PREFIX = 'stdnp';

export interface Sandbox {
  ip: string;
  /** The pause process: its network namespace is the pod's. */
  pid: number;
  hostVeth: string;
  stop(): Promise<void>;
}

const run = (cmd: string, args: string[]): string => execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const sleepMs = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
const sysctl = (path: string, value: string) => writeFileSync(`/proc/sys/net/${path}`, value);

export class PodNetwork {
  private readonly cidr: Cidr;
  private readonly used = new Set<string>();
  private seq = 0;

  constructor(podCidr: string) {
    this.cidr = parseCidr(podCidr);
  }

  /** Forwarding and proxy ARP in this (the node's) network namespace; refuses the machine's own. */
  setUpNode(): void {
    // A lab host's namespace has lo and eth0 (and what this stand-in made); anything else is not one.
    const devices = readdirSync('/proc/sys/net/ipv4/conf').filter((d) => !['all', 'default', 'lo', 'eth0'].includes(d) && !d.startsWith(VETH_PREFIX));
    if (devices.length)
      throw new Error(`--pod-cidr: run the stand-in inside a lab host's network namespace (only lo and eth0), not one with ${devices.join(', ')}`);
    sysctl('ipv4/ip_forward', '1');
    for (const dev of readdirSync('/proc/sys/net/ipv4/conf')) if (!['all', 'default', 'lo'].includes(dev)) sysctl(`ipv4/conf/${dev}/proxy_arp`, '1');
    sysctl('ipv4/conf/default/proxy_arp', '1');
  }

  create(): Sandbox {
    const ip = firstFree(this.cidr, this.used);
    if (!ip) throw new Error(`no free pod address in ${this.cidr.text}`);
    this.used.add(ip);
    const hostVeth = `${VETH_PREFIX}${process.pid % 10000}x${(this.seq++).toString(36)}`.slice(0, 15);
    let pause: ChildProcess | undefined;
    try {
      pause = spawn('setpriv', ['--pdeathsig', 'KILL', '--', 'unshare', '-n', '--', 'sleep', 'infinity'], { stdio: 'ignore' });
      const pid = pause.pid!;
      const mine = readlinkSync('/proc/self/ns/net');
      for (let i = 0; i < 500; i++) {
        try {
          if (readlinkSync(`/proc/${pid}/ns/net`) !== mine && readlinkSync(`/proc/${pid}/exe`).endsWith('/sleep')) break;
        } catch {
          // not there yet
        }
        sleepMs(10);
      }
      run('ip', ['link', 'add', hostVeth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', String(pid)]);
      sysctl(`ipv4/conf/${hostVeth}/proxy_arp`, '1');
      run('ip', ['link', 'set', hostVeth, 'up']);
      run('ip', ['route', 'add', `${ip}/32`, 'dev', hostVeth]);
      const inPod = (args: string[]) => run('nsenter', ['-t', String(pid), '-n', '--', 'ip', ...args]);
      inPod(['link', 'set', 'lo', 'up']);
      inPod(['addr', 'add', `${ip}/32`, 'dev', 'eth0']);
      inPod(['link', 'set', 'eth0', 'up']);
      // Every destination is asked for on eth0; the node answers only for what it can reach.
      inPod(['route', 'add', 'default', 'dev', 'eth0']);
      const proc = pause;
      const exited = new Promise<void>((resolve) => (proc.exitCode !== null || proc.signalCode !== null ? resolve() : proc.once('exit', () => resolve())));
      return {
        ip,
        pid,
        hostVeth,
        stop: async () => {
          proc.kill('SIGKILL');
          await exited;
          this.used.delete(ip);
        },
      };
    } catch (e) {
      pause?.kill('SIGKILL');
      this.used.delete(ip);
      throw new Error(`pod sandbox: ${(e as { stderr?: string }).stderr?.trim() || (e as Error).message}`);
    }
  }
}
