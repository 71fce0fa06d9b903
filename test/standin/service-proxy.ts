// Kubernetes API stand-in: a kube-proxy (iptables mode) for the node the stand-in runs on. Each
// Service port's cluster IP, externalIPs and NodePort are DNAT'ed to the ready pods its selector picks,
// at the pod's targetPort (a number, or a container port's name). Only the Services' own addresses
// and ports are rewritten; everything else passes untouched.
//
// The other lab hosts have no kube-proxy: they reach a cluster IP through this node, which answers
// ARP for it (every cluster IP is a local address here, on `lo` labelled `lo:svc`, as kube-proxy's
// IPVS mode puts them on its dummy device kube-ipvs0; this kernel may lack dummy devices). A cluster IP and port without a rule is refused by this
// node's own stack, as a Service without endpoints refuses.
import { execFileSync } from 'node:child_process';
import type { Obj } from './store.js';

export const SERVICES_CHAIN = 'STANDIN-SERVICES';
export const POSTROUTING_CHAIN = 'STANDIN-POSTROUTING';
const LABEL = 'lo:svc';

export interface Endpoint {
  ip: string;
  port: number;
}

const isReady = (p: Obj): boolean => (p.status?.conditions ?? []).some((c: Obj) => c.type === 'Ready' && c.status === 'True');

function selects(selector: Record<string, string> | undefined, labels: Record<string, string> | undefined): boolean {
  if (!selector || !Object.keys(selector).length) return false;
  return Object.entries(selector).every(([k, v]) => labels?.[k] === v);
}

/** The Endpoints controller: the ready pods of the Service's namespace that its selector picks, at targetPort. */
export function endpointsFor(service: Obj, servicePort: Obj, pods: Obj[]): Endpoint[] {
  const out: Endpoint[] = [];
  for (const p of pods) {
    if (p.metadata.namespace !== service.metadata.namespace || !isReady(p) || !p.status?.podIP) continue;
    if (!selects(service.spec?.selector, p.metadata.labels)) continue;
    const target = servicePort.targetPort ?? servicePort.port;
    const protocol = servicePort.protocol ?? 'TCP';
    const port =
      typeof target === 'number'
        ? target
        : ((p.spec?.containers ?? []) as Obj[])
            .flatMap((c) => (c.ports ?? []) as Obj[])
            .find((cp) => cp.name === target && (cp.protocol ?? 'TCP') === protocol)?.containerPort;
    // A named targetPort the pod does not declare: that pod is no endpoint of this port.
    if (typeof port === 'number') out.push({ ip: p.status.podIP, port });
  }
  return out.sort((a, b) => a.ip.localeCompare(b.ip));
}

/** The nat table's part that this proxy owns (iptables-restore --noflush input). */
export function natRules(services: Obj[], pods: Obj[]): string {
  const lines = ['*nat', `:${SERVICES_CHAIN} - [0:0]`, `:${POSTROUTING_CHAIN} - [0:0]`];
  const hairpin = new Set<string>();
  const dnat = (match: string, eps: Endpoint[]) =>
    eps.forEach((e, i) => {
      const left = eps.length - i;
      const random = left > 1 ? ` -m statistic --mode random --probability ${(1 / left).toFixed(5)}` : '';
      lines.push(`-A ${SERVICES_CHAIN} ${match}${random} -j DNAT --to-destination ${e.ip}:${e.port}`);
      hairpin.add(e.ip);
    });
  const nodePorts: [string, Endpoint[]][] = [];
  for (const s of services) {
    const ip = s.spec?.clusterIP;
    for (const sp of (s.spec?.ports ?? []) as Obj[]) {
      const proto = String(sp.protocol ?? 'TCP').toLowerCase();
      if (proto === 'sctp') continue;
      const eps = endpointsFor(s, sp, pods);
      const comment = `-m comment --comment "${s.metadata.namespace}/${s.metadata.name}:${sp.name ?? sp.port}"`;
      const to = (dest: string) => `-d ${dest}/32 -p ${proto} -m ${proto} --dport ${sp.port} ${comment}`;
      if (ip && ip !== 'None') dnat(to(ip), eps);
      for (const ext of (s.spec?.externalIPs ?? []) as string[]) dnat(to(ext), eps);
      if (sp.nodePort) nodePorts.push([`-m addrtype --dst-type LOCAL -p ${proto} -m ${proto} --dport ${sp.nodePort} ${comment}`, eps]);
    }
  }
  // kube-proxy's KUBE-NODEPORTS comes last: a cluster IP's own port wins.
  for (const [match, eps] of nodePorts) dnat(match, eps);
  // A pod reaching itself through its Service: without SNAT its reply would skip the conntrack entry.
  for (const ip of [...hairpin].sort()) lines.push(`-A ${POSTROUTING_CHAIN} -s ${ip}/32 -d ${ip}/32 -m conntrack --ctstate DNAT -j MASQUERADE`);
  lines.push('COMMIT', '');
  return lines.join('\n');
}

/** The addresses this node answers for: every cluster IP. */
export function serviceAddresses(services: Obj[]): string[] {
  return [...new Set(services.map((s) => s.spec?.clusterIP).filter((ip): ip is string => typeof ip === 'string' && ip !== 'None'))].sort();
}

const run = (cmd: string, args: string[], input?: string): string => execFileSync(cmd, args, { input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });

export class ServiceProxy {
  private applied = '';
  private queued = false;

  constructor(
    private readonly list: () => { services: Obj[]; pods: Obj[] },
    private readonly log: (line: string) => void,
  ) {}

  /** Creates the chains and the jumps into them (once); drops cluster IPs a previous run left. */
  start(): void {
    run('iptables-restore', ['--noflush'], natRules([], []));
    for (const [chain, target] of [['PREROUTING', SERVICES_CHAIN], ['OUTPUT', SERVICES_CHAIN], ['POSTROUTING', POSTROUTING_CHAIN]] as const) {
      try {
        run('iptables', ['-t', 'nat', '-C', chain, '-j', target]);
      } catch {
        run('iptables', ['-t', 'nat', '-A', chain, '-j', target]);
      }
    }
    run('ip', ['addr', 'flush', 'dev', 'lo', 'label', LABEL]);
    this.sync();
  }

  queueSync(): void {
    if (this.queued) return;
    this.queued = true;
    setImmediate(() => {
      this.queued = false;
      this.sync();
    });
  }

  sync(): void {
    const { services, pods } = this.list();
    const rules = natRules(services, pods);
    const addresses = serviceAddresses(services);
    const state = `${rules}\n${addresses.join(' ')}`;
    if (state === this.applied) return;
    try {
      const have = run('ip', ['-o', '-4', 'addr', 'show', 'dev', 'lo', 'label', LABEL])
        .split('\n')
        .map((l) => /inet (\S+)\/32/.exec(l)?.[1])
        .filter((ip): ip is string => !!ip);
      for (const ip of have) if (!addresses.includes(ip)) run('ip', ['addr', 'del', `${ip}/32`, 'dev', 'lo', 'label', LABEL]);
      for (const ip of addresses) if (!have.includes(ip)) run('ip', ['addr', 'add', `${ip}/32`, 'dev', 'lo', 'label', LABEL]);
      run('iptables-restore', ['--noflush'], rules);
      this.applied = state;
      this.log(`standin proxy: ${rules.split('\n').filter((l) => l.includes('DNAT --to')).length} DNAT rules for ${addresses.length} cluster IPs`);
    } catch (e) {
      this.log(`standin proxy: sync failed: ${(e as { stderr?: string }).stderr?.trim() || (e as Error).message}`);
    }
  }
}
