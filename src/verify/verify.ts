// `play verify`: push the canary once, then check every host the way its runtime pulls, then
// remove the canary. Only read-only command steps run on hosts (engine/run/probe.ts).
import { randomBytes } from 'node:crypto';
import type { ConnectionParams } from '../engine/load/inventory.js';
import type { TimedEvent } from '../engine/events.js';
import { ProbeSession, type Probe, type ProbeResult } from '../engine/run/probe.js';
import type { Prepared } from '../engine/load/prepare.js';
import type { Transport } from '../transports/types.js';
import { makeCanary } from './canary.js';
import { hostProbes, serviceProbe, type CheckOptions } from './checks.js';
import { deleteProbe, pushProbe } from './push.js';
import { verifyPlan, type Target } from './targets.js';
import { detectRuntimesScript, parseRuntimeFacts } from '../facts/container-runtimes.js';

export interface VerifyOptions {
  keepCanary: boolean;
  emit(e: TimedEvent): void;
  connect(c: ConnectionParams): Transport;
  now?: Date;
}

export interface HostVerdicts {
  host: string;
  runtime: Target['runtime'];
  results: ProbeResult[];
}

export interface VerifyResult {
  exitCode: number;
  rows: HostVerdicts[];
}

const detectProbe: Probe = {
  id: 'runtimes',
  label: 'container runtimes (node-trust, auto)',
  command: detectRuntimesScript(),
  judge: (r) => {
    const runtimes = parseRuntimeFacts(r.stdout).runtimes;
    return { status: 'ok', message: runtimes.join(', ') || 'none found', facts: { runtimes: runtimes.join(' ') } };
  },
};

export async function verify(p: Prepared, o: VerifyOptions): Promise<VerifyResult> {
  const plan = verifyPlan(p);
  const hosts = [...new Set([...(plan.service ? [plan.service.host] : []), ...(plan.pusher ? [plan.pusher.host] : []), ...plan.targets.map((t) => t.host), ...plan.detect.map((d) => d.host)])];
  const session = new ProbeSession({ title: 'verify', hosts, connections: p.connections, connect: o.connect, emit: o.emit, role: 'verify' });
  const runId = `${new Date().toISOString().slice(0, 10).replaceAll('-', '')}-${randomBytes(4).toString('hex')}`;
  const canary = makeCanary(runId);

  const first = new Map<string, Probe[]>();
  const add = (m: Map<string, Probe[]>, host: string, probe: Probe) => m.set(host, [...(m.get(host) ?? []), probe]);
  if (plan.service) add(first, plan.service.host, serviceProbe(plan.service));
  if (plan.pusher) add(first, plan.pusher.host, pushProbe(plan.pusher, canary));
  for (const d of plan.detect) add(first, d.host, detectProbe);
  const before = first.size ? await session.phase('registry address, canary push, container runtimes', first) : new Map<string, ProbeResult[]>();
  const service = plan.service ? before.get(plan.service.host)?.find((r) => r.id === 'service') : undefined;
  const push = plan.pusher ? before.get(plan.pusher.host)?.find((r) => r.id === 'push') : undefined;
  const pushedRef = push?.status === 'ok' ? push.facts?.ref : undefined;

  const canaryFor = (): CheckOptions['canary'] =>
    pushedRef ? { ref: pushedRef } : { missing: plan.pusher ? `the canary push from ${plan.pusher.host} failed` : 'no build host (docker-trust) to push the canary from' };
  const expected = (t: Target): string | null => {
    if (t.registryIp) return t.registryIp;
    if (service?.status !== 'ok') return null;
    return t.ipSource === 'cluster_ip' ? service.facts!.cluster_ip! : (service.facts!.external_ip ?? null);
  };
  // node-trust hosts under auto: the runtimes found there, as the role finds them.
  const found = (host: string) => (before.get(host)?.find((r) => r.id === 'runtimes')?.facts?.runtimes ?? '').split(' ');
  const detected = plan.detect.flatMap((d) => d.candidates.filter((t) => found(d.host).includes(t.runtime)));
  const order = [...p.inventory.hosts.keys()];
  const targets = [...plan.targets, ...detected].sort((a, b) => order.indexOf(a.host) - order.indexOf(b.host));
  const checks = new Map<string, Probe[]>();
  for (const t of targets) {
    for (const probe of hostProbes(t, { expectedIp: expected(t), canary: canaryFor(), keepCanary: o.keepCanary, now: o.now ?? new Date() })) {
      add(checks, t.host, { ...probe, id: `${t.runtime}:${probe.id}`, requires: probe.requires?.map((r) => `${t.runtime}:${r}`), label: targets.filter((x) => x.host === t.host).length > 1 ? `${t.runtime}: ${probe.label}` : probe.label });
    }
  }
  const results = checks.size ? await session.phase('verify: each host pulls the way its runtime does', checks) : new Map<string, ProbeResult[]>();

  if (pushedRef && !o.keepCanary && plan.pusher) await session.phase('remove the canary', new Map([[plan.pusher.host, [deleteProbe(plan.pusher, pushedRef)]]]));
  const exitCode = await session.end();
  const rows = targets.map((t) => ({
    host: t.host,
    runtime: t.runtime,
    results: (results.get(t.host) ?? []).filter((r) => r.id.startsWith(`${t.runtime}:`)).map((r) => ({ ...r, id: r.id.slice(t.runtime.length + 1) })),
  }));
  return { exitCode, rows };
}
