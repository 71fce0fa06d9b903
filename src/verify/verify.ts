// `play verify`: push the canary once, then check every host the way its runtime pulls, then
// remove the canary. Only read-only command steps run on hosts (engine/run/probe.ts).
import { randomBytes } from 'node:crypto';
import type { ConnectionParams } from '../engine/load/inventory.js';
import type { TimedEvent } from '../engine/events.js';
import { ProbeSession, type Probe, type ProbeResult, type Verdict } from '../engine/run/probe.js';
import type { Prepared } from '../engine/load/prepare.js';
import type { Transport } from '../transports/types.js';
import { makeCanary } from './canary.js';
import { hostProbes, serviceProbe, type CheckOptions } from './checks.js';
import { deleteProbe, pushProbe } from './push.js';
import { verifyPlan, type Target, type VerifyPlan } from './targets.js';
import { CANARY_REPO, ControllerPushError, deleteCanary, pushCanary, type ControllerEndpoint } from './controller-push.js';
import type { Canary } from './canary.js';
import { quote } from '../transports/shell.js';
import { detectRuntimesScript, NOTHING_FOUND, parseRuntimeFacts } from '../facts/container-runtimes.js';

export interface VerifyOptions {
  keepCanary: boolean;
  /** Where the canary is pushed from: a build host (default when there is one) or the controller. */
  canaryFrom?: 'build' | 'controller';
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
  /** Hosts under `container_runtime: auto` where detection found nothing (or failed): why. */
  undetected: Array<{ host: string; message: string }>;
}

/** node-trust's detection under `auto`; a host where nothing is found fails, as node-trust fails it. */
export const detectProbe: Probe = {
  id: 'runtimes',
  label: 'container runtimes (node-trust, auto)',
  // under sh, as the role's fact runs it: the login shell may be bash, whose `command -v` also names a
  // file on PATH that is not executable
  command: `sh -c ${quote(detectRuntimesScript())}`,
  judge: (r) => {
    const runtimes = parseRuntimeFacts(r.stdout).runtimes;
    if (!runtimes.length) return { status: 'failed', message: `${NOTHING_FOUND.message} — ${NOTHING_FOUND.fix}` };
    return { status: 'ok', message: runtimes.join(', '), facts: { runtimes: runtimes.join(' ') } };
  },
};

export async function verify(p: Prepared, o: VerifyOptions): Promise<VerifyResult> {
  const plan = verifyPlan(p);
  const hosts = [...new Set([...(plan.service ? [plan.service.host] : []), ...(plan.pusher ? [plan.pusher.host] : []), ...plan.targets.map((t) => t.host), ...plan.detect.map((d) => d.host)])];
  const session = new ProbeSession({ title: 'verify', hosts, connections: p.connections, connect: o.connect, emit: o.emit, role: 'verify' });
  const runId = `${new Date().toISOString().slice(0, 10).replaceAll('-', '')}-${randomBytes(4).toString('hex')}`;
  const canary = makeCanary(runId);

  const fromController = o.canaryFrom === 'controller' || (!plan.pusher && o.canaryFrom !== 'build');
  const pusher = fromController ? undefined : plan.pusher;
  const first = new Map<string, Probe[]>();
  const add = (m: Map<string, Probe[]>, host: string, probe: Probe) => m.set(host, [...(m.get(host) ?? []), probe]);
  if (plan.service) add(first, plan.service.host, serviceProbe(plan.service));
  if (pusher) add(first, pusher.host, pushProbe(pusher, canary));
  if (fromController && plan.ca) add(first, plan.ca.host, caProbe(plan.ca.path));
  for (const d of plan.detect) add(first, d.host, detectProbe);
  const before = first.size ? await session.phase('registry address, canary push, container runtimes', first) : new Map<string, ProbeResult[]>();
  const service = plan.service ? before.get(plan.service.host)?.find((r) => r.id === 'service') : undefined;
  const push = pusher ? before.get(pusher.host)?.find((r) => r.id === 'push') : undefined;
  const registry = plan.targets[0] ?? plan.detect[0]?.candidates[0];
  const controller = fromController && registry ? await controllerPush(session, plan, before, registry, canary, o.canaryFrom === 'controller') : undefined;
  const pushedRef = controller ? controller.ref : push?.status === 'ok' ? push.facts?.ref : undefined;

  const canaryFor = (): CheckOptions['canary'] =>
    pushedRef
      ? { ref: pushedRef }
      : { missing: controller?.why ?? (pusher ? `the canary push from ${pusher.host} failed` : 'no build host (docker-trust) to push the canary from') };
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

  if (pushedRef && !o.keepCanary && pusher) await session.phase('remove the canary', new Map([[pusher.host, [deleteProbe(pusher, pushedRef)]]]));
  if (pushedRef && !o.keepCanary && controller) {
    await session.inProcess('remove the canary', CONTROLLER, { id: 'delete', label: `delete canary ${pushedRef}`, run: async () => ({ status: 'ok', message: await deleteCanary(controller.endpoint, canary).catch((e: Error) => `left in the registry: ${e.message}`) }) });
  }
  const exitCode = await session.end();
  const rows = targets.map((t) => ({
    host: t.host,
    runtime: t.runtime,
    results: (results.get(t.host) ?? []).filter((r) => r.id.startsWith(`${t.runtime}:`)).map((r) => ({ ...r, id: r.id.slice(t.runtime.length + 1) })),
  }));
  const undetected = plan.detect.flatMap((d) => {
    const r = before.get(d.host)?.find((x) => x.id === 'runtimes');
    return r && r.status !== 'ok' ? [{ host: d.host, message: r.message ?? 'detection failed' }] : [];
  });
  return { exitCode, rows, undetected };
}

/** The steps verify makes in its own process are reported for this host name. */
export const CONTROLLER = 'controller';

function caProbe(path: string): Probe {
  return {
    id: 'ca',
    label: `site CA ${path} (for the controller's push)`,
    command: `cat ${quote(path)}`,
    judge: (r) =>
      r.code === 0 && r.stdout.includes('BEGIN CERTIFICATE')
        ? { status: 'ok', facts: { ca: r.stdout } }
        : { status: 'failed', message: `the site's CA ${path} cannot be read: ${r.stderr.trim() || 'not a certificate'} — run \`play site.yaml\` (certs)` },
  };
}

/**
 * The canary pushed from this process, TLS verified with the site's CA read on the control plane.
 * Asked for (--canary-from controller), a failure is a failed check; as the fallback for a site
 * without a build host it is a skip with the reason (a controller outside the cluster's network is
 * no fault of the nodes), and the pulls are skipped saying so.
 */
async function controllerPush(
  session: ProbeSession,
  plan: VerifyPlan,
  before: Map<string, ProbeResult[]>,
  t: Target,
  canary: Canary,
  required: boolean,
): Promise<{ ref?: string; why?: string; endpoint: ControllerEndpoint }> {
  const ca = plan.ca ? before.get(plan.ca.host)?.find((r) => r.id === 'ca') : undefined;
  const endpoint: ControllerEndpoint = { name: t.name, port: t.port, ca: ca?.facts?.ca ?? '', user: t.user, password: t.password };
  const notPushed = (why: string): Verdict =>
    required ? { status: 'failed', message: `push from the controller: ${why}` } : { status: 'skipped', message: `no build host, and not pushed from the controller: ${why} (--canary-from controller makes this a failure)` };
  const result = await session.inProcess('canary push from the controller', CONTROLLER, {
    id: 'push',
    label: `push canary ${t.name}:${t.port}/${CANARY_REPO}:${canary.tag}`,
    run: async () => {
      if (ca?.status !== 'ok') return notPushed(plan.ca ? `the site's CA (${plan.ca.host}:${plan.ca.path}) could not be read` : 'no certs role in the playbook, so no site CA to verify the registry with');
      try {
        return { status: 'ok', message: 'from the controller (in process, TLS with the site CA)', facts: { ref: await pushCanary(endpoint, canary) } };
      } catch (e) {
        if (!(e instanceof ControllerPushError)) throw e;
        return notPushed(e.message);
      }
    },
  });
  if (result.status === 'ok') return { ref: result.facts!.ref!, endpoint };
  return { why: required ? 'the canary push from the controller failed' : (result.message ?? 'the canary was not pushed'), endpoint };
}
