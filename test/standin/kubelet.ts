// Kubernetes API stand-in: a kubelet for the registry Deployment. For each Deployment it runs
// `replicas` "pods": the first container's volumes are materialised at their mountPaths in a private mount
// namespace, its env is set, and the Debian docker-registry binary is exec'd as the image would run
// it. Probes drive Ready, which drives the Deployment status `kubectl rollout status` watches.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, chownSync, closeSync, existsSync, lstatSync, mkdirSync, openSync, readFileSync, readdirSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import { join } from 'node:path';
import { ContainerStartError, REGISTRY_BINARY, containerArgv, execArgv, imageProfile } from './image.js';
import { ExecError, type ExecStreams } from './exec.js';
import { containerEnv, podVolumes, type Lookup, type PodInfo } from './pod-inputs.js';
import { contentHash, writeProjected } from './projected-writer.js';
import { planRoot, renderScript, type HostType, type PlannedMount, type TopLevelEntry } from './root-plan.js';
import type { Obj, Store } from './store.js';
import { now } from './store.js';
import { pvHostDir } from './volumes.js';
import { credentialArgv, processSecurity } from './security.js';
import { podSecurityRefusal } from './pod-security.js';
import { unschedulable } from './scheduler.js';
import type { PodNetwork, Sandbox } from './pod-network.js';

export interface KubeletOptions {
  store: Store;
  stateDir: string;
  /** The node's address: every pod's hostIP, and its podIP when there is no pod network. */
  nodeIP: string;
  /** Pods in their own network namespaces (--pod-cidr); without it they share the node's. */
  podNetwork?: PodNetwork;
  nodeName: string;
  registryBin: string;
  log: (line: string) => void;
  writeStatus: (o: Obj) => void;
}

interface ProbeState {
  successes: number;
  failures: number;
  lastRun: number;
  running: boolean;
}

interface PodRuntime {
  key: string;
  name: string;
  namespace: string;
  hash: string;
  template: Obj;
  dir: string;
  proc?: ChildProcess;
  startedAt?: string;
  startedMs?: number;
  ready: boolean;
  restartCount: number;
  waiting?: { reason: string; message: string };
  lastTerminated?: { exitCode: number; reason: string; finishedAt: string };
  stopping: boolean;
  retryTimer?: NodeJS.Timeout;
  readiness: ProbeState;
  liveness: ProbeState;
  projectedHashes: Map<string, string>;
  rolloutStartedMs: number;
  exited?: Promise<void>;
  sandbox?: Sandbox;
}

const STANDIN_BACKOFF_MAX_S = 20;

export function templateHash(template: unknown): string {
  return createHash('sha256').update(JSON.stringify(template)).digest('hex').slice(0, 10);
}

function deploymentKey(d: Obj): string {
  return `${d.metadata.namespace}/${d.metadata.name}`;
}

function hostType(p: string): HostType {
  try {
    const s = statSync(p);
    return s.isDirectory() ? 'dir' : s.isFile() ? 'file' : 'other';
  } catch {
    return undefined;
  }
}

function topLevel(): TopLevelEntry[] {
  return readdirSync('/').map((name) => {
    const p = `/${name}`;
    const s = lstatSync(p);
    if (s.isSymbolicLink()) return { name, type: 'symlink', linkTarget: readlinkSync(p) };
    return { name, type: s.isDirectory() ? 'dir' : s.isFile() ? 'file' : 'other' };
  });
}

/**
 * The pod's /etc/hosts: the node's lines, then every Service's cluster DNS names (`<svc>.<ns>.svc`,
 * `<svc>.<ns>.svc.cluster.local`) → its cluster IP, as CoreDNS would answer them. A stand-in for
 * cluster DNS: only Services that exist when the container starts resolve (CoreDNS would also
 * find later ones), so a pod naming a Service created after it fails as a stricter cluster would.
 */
export function podHosts(nodeHosts: string, services: Obj[]): string {
  const lines = services
    .filter((svc) => typeof svc.spec?.clusterIP === 'string' && svc.spec.clusterIP !== 'None')
    .map((svc) => `${svc.spec.clusterIP}\t${svc.metadata.name}.${svc.metadata.namespace}.svc ${svc.metadata.name}.${svc.metadata.namespace}.svc.cluster.local`);
  return `${nodeHosts.replace(/\n?$/, '\n')}# cluster DNS (Kubernetes API stand-in)\n${lines.join('\n')}${lines.length ? '\n' : ''}`;
}

/** Service env vars (enableServiceLinks), as the kubelet injects them. */
export function serviceLinks(services: Obj[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const s of services) {
    const ip = s.spec?.clusterIP;
    const ports: Obj[] = s.spec?.ports ?? [];
    if (!ip || ip === 'None' || !ports.length) continue;
    const n = s.metadata.name.toUpperCase().replace(/-/g, '_');
    env[`${n}_SERVICE_HOST`] = ip;
    env[`${n}_SERVICE_PORT`] = String(ports[0]!.port);
    env[`${n}_PORT`] = `${(ports[0]!.protocol ?? 'TCP').toLowerCase()}://${ip}:${ports[0]!.port}`;
    for (const p of ports) {
      const proto = (p.protocol ?? 'TCP') as string;
      if (p.name) env[`${n}_SERVICE_PORT_${String(p.name).toUpperCase().replace(/-/g, '_')}`] = String(p.port);
      const base = `${n}_PORT_${p.port}_${proto}`;
      env[base] = `${proto.toLowerCase()}://${ip}:${p.port}`;
      env[`${base}_PROTO`] = proto.toLowerCase();
      env[`${base}_PORT`] = String(p.port);
      env[`${base}_ADDR`] = ip;
    }
  }
  return env;
}

export class Kubelet {
  private readonly pods = new Map<string, PodRuntime>();
  /** Deployments whose new pod Pod Security admission refused (the ReplicaSet's FailedCreate). */
  private readonly refused = new Map<string, string>();
  private syncQueued = false;
  private ticker?: NodeJS.Timeout;
  private shuttingDown = false;

  constructor(private readonly o: KubeletOptions) {}

  start(): void {
    // Pods of an earlier run (stopped or killed with it) are gone; their objects and dirs too.
    for (const p of this.o.store.list('v1', 'Pod')) this.o.store.delete(p);
    const podsDir = join(this.o.stateDir, 'pods');
    mkdirSync(podsDir, { recursive: true });
    for (const e of readdirSync(podsDir, { withFileTypes: true })) if (e.isDirectory()) rmSync(join(podsDir, e.name), { recursive: true, force: true });
    this.ticker = setInterval(() => this.tick(), 1000);
    this.sync();
  }

  queueSync(): void {
    if (this.syncQueued || this.shuttingDown) return;
    this.syncQueued = true;
    setImmediate(() => {
      this.syncQueued = false;
      this.sync();
    });
  }

  logOf(pod: Obj): string {
    const file = join(this.o.stateDir, 'pods', `${pod.metadata.name}.log`);
    return existsSync(file) ? readFileSync(file, 'utf8') : '';
  }

  private lookup(): Lookup {
    const s = this.o.store;
    return {
      secret: (ns, name) => s.get('v1', 'Secret', ns, name),
      configMap: (ns, name) => s.get('v1', 'ConfigMap', ns, name),
      pvc: (ns, name) => s.get('v1', 'PersistentVolumeClaim', ns, name),
      pvDir: (name) => {
        const pv = s.get('v1', 'PersistentVolume', undefined, name);
        if (!pv) return undefined;
        const dir = pvHostDir(pv, this.o.stateDir);
        const created = !existsSync(dir);
        mkdirSync(dir, { recursive: true });
        // the stand-in's provisioner makes hostPath volumes like rancher's local-path-provisioner:
        // world-writable (its helper runs `mkdir -m 0777`), since fsGroup does not apply to hostPath
        if (created && pv.metadata.annotations?.['pv.kubernetes.io/provisioned-by']?.startsWith('standin')) chmodSync(dir, 0o777);
        return dir;
      },
    };
  }

  private podsOf(key: string): PodRuntime[] {
    return [...this.pods.values()].filter((rt) => rt.key === key);
  }

  private sync(): void {
    const deployments = this.o.store.list('apps/v1', 'Deployment');
    const wanted = new Set<string>();
    for (const d of deployments) {
      const key = deploymentKey(d);
      wanted.add(key);
      const hash = templateHash(d.spec.template);
      const replicas = d.spec.replicas ?? 1;
      const pods = this.podsOf(key);
      // Old pods go first, whatever the strategy (without a pod network they hold the node's port).
      const old = pods.filter((rt) => rt.hash !== hash);
      const current = pods.filter((rt) => rt.hash === hash);
      const stopped = Promise.all(old.map((rt) => this.stopPod(rt)));
      for (const rt of current.slice(replicas)) void this.stopPod(rt);
      for (const rt of current.slice(0, replicas)) {
        if (!rt.proc && rt.waiting && rt.waiting.reason !== 'CrashLoopBackOff') this.startContainer(rt);
        else if (rt.proc) this.refreshProjected(rt);
      }
      // Pod Security admission may refuse the ReplicaSet's new pods (the Deployment was admitted)
      const refused = current.length < replicas && this.admissionRefuses(d, hash);
      for (let i = current.length; !refused && i < replicas; i++) {
        const next = this.newPod(d, hash);
        void stopped.then(() => this.startContainer(next));
      }
      this.updateStatus(d);
    }
    for (const rt of this.pods.values()) if (!wanted.has(rt.key)) void this.stopPod(rt);
  }

  /**
   * Pod Security admission of the pod the ReplicaSet would create: the Deployment itself was
   * admitted; a refused pod is never created, the Deployment gets ReplicaFailure (FailedCreate) with
   * the plugin's message, and its rollout never completes.
   */
  private admissionRefuses(d: Obj, hash: string): boolean {
    const key = deploymentKey(d);
    const ns = this.o.store.get('v1', 'Namespace', undefined, d.metadata.namespace);
    const refusal = podSecurityRefusal(ns, `${d.metadata.name}-${hash}-${randomBytes(3).toString('hex').slice(0, 5)}`, d.spec.template.spec ?? {});
    if (!refusal) {
      this.refused.delete(key);
      return false;
    }
    if (this.refused.get(key)?.replace(/"[^"]+" is forbidden/, '') !== refusal.replace(/"[^"]+" is forbidden/, '')) this.o.log(`standin kubelet: deployment ${key}: FailedCreate: ${refusal}`);
    this.refused.set(key, refusal);
    return true;
  }

  private newPod(d: Obj, hash: string): PodRuntime {
    const name = `${d.metadata.name}-${hash}-${randomBytes(3).toString('hex').slice(0, 5)}`;
    const dir = join(this.o.stateDir, 'pods', name);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const rt: PodRuntime = {
      key: deploymentKey(d),
      name,
      namespace: d.metadata.namespace,
      hash,
      template: structuredClone(d.spec.template),
      dir,
      ready: false,
      restartCount: 0,
      stopping: false,
      readiness: { successes: 0, failures: 0, lastRun: 0, running: false },
      liveness: { successes: 0, failures: 0, lastRun: 0, running: false },
      projectedHashes: new Map(),
      rolloutStartedMs: Date.now(),
    };
    this.pods.set(rt.name, rt);
    const labels = { ...(d.spec.template.metadata?.labels ?? {}), 'pod-template-hash': hash };
    this.o.store.put({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name,
        namespace: rt.namespace,
        labels,
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: `${d.metadata.name}-${hash}`, uid: d.metadata.uid, controller: true }],
      },
      // SetDefaults_Pod (pkg/apis/core/v1/defaults.go) defaults enableServiceLinks on a Pod, not on a template
      spec: { ...structuredClone(d.spec.template.spec), enableServiceLinks: d.spec.template.spec?.enableServiceLinks ?? true, nodeName: this.o.nodeName },
      status: { phase: 'Pending', hostIP: this.o.nodeIP, startTime: now() },
    });
    this.o.log(`standin kubelet: pod ${rt.namespace}/${name} created for deployment ${rt.key}`);
    return rt;
  }

  private podInfo(rt: PodRuntime): PodInfo {
    return { name: rt.name, namespace: rt.namespace, podIP: this.podIP(rt), hostIP: this.o.nodeIP, nodeName: this.o.nodeName, labels: rt.template.metadata?.labels ?? {} };
  }

  private podIP(rt: PodRuntime): string {
    return rt.sandbox?.ip ?? this.o.nodeIP;
  }

  /** The pod's network namespace, once per pod (container restarts keep it, as the pause container does). */
  private ensureSandbox(rt: PodRuntime): void {
    if (!this.o.podNetwork || rt.sandbox) return;
    try {
      rt.sandbox = this.o.podNetwork.create();
    } catch (e) {
      throw new ContainerStartError('ContainerCreating', `Failed to create pod sandbox: ${(e as Error).message}`);
    }
    this.o.log(`standin kubelet: pod ${rt.namespace}/${rt.name}: sandbox ${rt.sandbox.ip} (pause pid ${rt.sandbox.pid}, ${rt.sandbox.hostVeth})`);
  }

  private startContainer(rt: PodRuntime): void {
    clearTimeout(rt.retryTimer);
    if (rt.stopping || rt.proc) return;
    try {
      this.launch(rt);
      rt.waiting = undefined;
    } catch (e) {
      if (!(e instanceof ContainerStartError)) throw e;
      rt.waiting = { reason: e.reason, message: e.message };
      this.o.log(`standin kubelet: pod ${rt.namespace}/${rt.name}: ${e.reason}: ${e.message}`);
      rt.retryTimer = setTimeout(() => this.startContainer(rt), 5000);
    }
    this.updateStatusFor(rt);
  }

  private launch(rt: PodRuntime): void {
    const spec = rt.template.spec ?? {};
    const container: Obj = spec.containers[0];
    const profile = imageProfile(String(container.image));
    if (!profile)
      throw new ContainerStartError(
        'ImagePullBackOff',
        `Back-off pulling image "${container.image}": the Kubernetes API stand-in can only run registry:2*, registry:3*, *distribution* and redis images`,
      );
    const boundPV = (claim: string) => {
      const pvc = this.o.store.get('v1', 'PersistentVolumeClaim', rt.namespace, claim);
      return pvc?.status?.phase === 'Bound' ? this.o.store.get('v1', 'PersistentVolume', undefined, pvc.spec?.volumeName) : undefined;
    };
    const unfit = unschedulable(spec, this.o.nodeName, boundPV);
    if (unfit) throw new ContainerStartError('FailedScheduling', unfit);
    this.ensureSandbox(rt);
    const pod = this.podInfo(rt);
    const lookup = this.lookup();
    const volumes = podVolumes(spec, pod, lookup);
    const links = spec.enableServiceLinks === false ? {} : serviceLinks(this.o.store.list('v1', 'Service', rt.namespace));
    const env = { ...links, ...containerEnv(container, pod, lookup) };
    const security = processSecurity(spec, container, rt.name);
    const argv = [...credentialArgv(security), ...containerArgv(container, profile, env).map((a, i) => (i === 0 && a === REGISTRY_BINARY ? this.o.registryBin : a))];

    const volDir = join(rt.dir, 'volumes');
    const sources = new Map<string, { dir: string; readOnly: boolean }>();
    for (const v of volumes.values()) {
      const dir = v.type === 'dir' ? v.dir : join(volDir, v.name);
      if (v.type === 'files') {
        writeProjected(dir, v.files);
        rt.projectedHashes.set(v.name, contentHash(v.files));
      } else mkdirSync(dir, { recursive: true });
      // emptyDir is world-writable (empty_dir.go: 0777), and with fsGroup group-owned by it, setgid
      if (v.type === 'emptyDir') {
        chmodSync(dir, security.fsGroup === undefined ? 0o777 : 0o2777);
        if (security.fsGroup !== undefined) chownSync(dir, 0, security.fsGroup);
      }
      sources.set(v.name, { dir, readOnly: v.type === 'files' });
    }
    const mounts: PlannedMount[] = [];
    for (const m of (container.volumeMounts ?? []) as Obj[]) {
      const src = sources.get(m.name);
      if (!src) throw new ContainerStartError('CreateContainerConfigError', `volume "${m.name}" not found`);
      const source = m.subPath ? join(src.dir, m.subPath) : src.dir;
      if (m.subPath && !existsSync(source)) mkdirSync(source, { recursive: true });
      mounts.push({ source, target: m.mountPath, readOnly: src.readOnly || m.readOnly === true, isFile: statSync(source).isFile() });
    }
    const imageDir = join(rt.dir, 'image');
    const hostsFile = { path: '/etc/hosts', content: podHosts(readFileSync('/etc/hosts', 'utf8'), this.o.store.list('v1', 'Service')), mode: 0o644 };
    const imageFiles = [...profile.files, hostsFile].map((f, i) => {
      const staged = join(imageDir, String(i));
      mkdirSync(imageDir, { recursive: true });
      writeFileSync(staged, f.content, { mode: f.mode });
      return { path: f.path, staged, mode: f.mode };
    });
    const nsDir = join(rt.dir, 'ns');
    mkdirSync(nsDir, { recursive: true });
    const steps = planRoot({ nsDir, topLevel: topLevel(), hostType, imageFiles, imageDirs: profile.dirs, mounts });
    const script = renderScript(steps, nsDir, security.readOnlyRoot ? { writable: mounts.filter((m) => !m.readOnly).map((m) => m.target) } : undefined);
    writeFileSync(join(rt.dir, 'start.sh'), `${script}\n`, { mode: 0o600 });

    const logFile = join(this.o.stateDir, 'pods', `${rt.name}.log`);
    const fd = openSync(logFile, 'a');
    const childEnv: Record<string, string> = {
      PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      HOSTNAME: rt.name,
      HOME: '/root',
      ...env,
    };
    const netns = rt.sandbox ? ['nsenter', '-t', String(rt.sandbox.pid), '-n', '--'] : [];
    const proc = spawn(
      'setpriv',
      ['--pdeathsig', 'KILL', '--', ...netns, 'unshare', '-m', '--propagation', 'private', '/bin/sh', '-c', script, rt.name, ...argv],
      { env: childEnv, stdio: ['ignore', fd, fd] },
    );
    closeSync(fd);
    rt.proc = proc;
    rt.startedAt = now();
    rt.startedMs = Date.now();
    rt.readiness = { successes: 0, failures: 0, lastRun: 0, running: false };
    rt.liveness = { successes: 0, failures: 0, lastRun: 0, running: false };
    this.o.log(`standin kubelet: pod ${rt.namespace}/${rt.name}: started ${argv.join(' ')} (pid ${proc.pid}, log ${logFile})`);
    rt.exited = new Promise((resolve) => {
      proc.on('exit', (code, signal) => {
        if (rt.proc === proc) rt.proc = undefined;
        rt.ready = false;
        rt.lastTerminated = { exitCode: code ?? 128 + 9, reason: signal ? 'Error' : code === 0 ? 'Completed' : 'Error', finishedAt: now() };
        resolve();
        if (rt.stopping || this.shuttingDown) return;
        rt.restartCount += 1;
        const delay = Math.min(STANDIN_BACKOFF_MAX_S, 2 ** rt.restartCount);
        rt.waiting = { reason: 'CrashLoopBackOff', message: `back-off ${delay}s restarting failed container=${container.name} pod=${rt.name}` };
        this.o.log(`standin kubelet: pod ${rt.namespace}/${rt.name}: container exited (${code ?? signal}); restart in ${delay}s`);
        rt.retryTimer = setTimeout(() => this.startContainer(rt), delay * 1000);
        this.updateStatusFor(rt);
      });
    });
  }

  /**
   * `kubectl exec`: the command in the running container's mount and network namespaces and root, as
   * the container's user with its capabilities and no_new_privs, with its environment.
   */
  exec(pod: Obj, container: string, command: string[], streams: ExecStreams): Promise<number> {
    const rt = this.pods.get(pod.metadata.name);
    const pid = rt?.proc?.pid;
    if (!rt || !pid || rt.stopping) return Promise.reject(new ExecError(`container "${container}" in pod "${pod.metadata.name}" is not running`));
    const spec = rt.template.spec ?? {};
    const c: Obj = (spec.containers as Obj[]).find((x) => x.name === container)!;
    const argv = execArgv(command);
    if (!argv) return Promise.reject(new ExecError(`OCI runtime exec failed: exec failed: unable to start container process: exec: ${JSON.stringify(command[0])}: executable file not found in $PATH: unknown`));
    const lookup = this.lookup();
    const env = {
      PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      HOSTNAME: rt.name,
      HOME: '/root',
      ...(spec.enableServiceLinks === false ? {} : serviceLinks(this.o.store.list('v1', 'Service', rt.namespace))),
      ...containerEnv(c, this.podInfo(rt), lookup),
    };
    const security = processSecurity(spec, c, rt.name);
    const exe = argv.map((a, i) => (i === 0 && a === REGISTRY_BINARY ? this.o.registryBin : a));
    return new Promise((resolve, reject) => {
      const child = spawn('nsenter', ['-t', String(pid), '-m', '-n', '-r', '-w', '--', ...credentialArgv(security), ...exe], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout.on('data', (b: Buffer) => streams.stdout(b));
      child.stderr.on('data', (b: Buffer) => streams.stderr(b));
      child.on('error', (e) => reject(new ExecError(e.message)));
      child.on('close', (code, signal) => resolve(code ?? 128 + (signal === 'SIGKILL' ? 9 : 15)));
    });
  }

  /** Secret and ConfigMap updates reach running pods (not subPath mounts), like on a kubelet. */
  private refreshProjected(rt: PodRuntime): void {
    let volumes;
    try {
      volumes = podVolumes(rt.template.spec ?? {}, this.podInfo(rt), this.lookup());
    } catch {
      return;
    }
    for (const v of volumes.values()) {
      if (v.type !== 'files') continue;
      const h = contentHash(v.files);
      if (rt.projectedHashes.get(v.name) === h) continue;
      writeProjected(join(rt.dir, 'volumes', v.name), v.files);
      rt.projectedHashes.set(v.name, h);
      this.o.log(`standin kubelet: pod ${rt.namespace}/${rt.name}: volume ${v.name} updated`);
    }
  }

  private tick(): void {
    for (const rt of this.pods.values()) {
      if (!rt.proc || rt.stopping) continue;
      const c: Obj = rt.template.spec.containers[0];
      const elapsed = (Date.now() - rt.startedMs!) / 1000;
      const rp = c.readinessProbe as Obj | undefined;
      if (!rp) {
        if (!rt.ready) {
          rt.ready = true;
          this.updateStatusFor(rt);
        }
      } else if (elapsed >= (rp.initialDelaySeconds ?? 0)) {
        // The stand-in probes every second until ready (a kubelet waits periodSeconds), then per period.
        const period = rt.ready ? Math.max(1, rp.periodSeconds ?? 10) : 1;
        this.runProbe(rt, rp, rt.readiness, period, (ok) => {
          const s = rt.readiness;
          if (ok) {
            s.successes += 1;
            s.failures = 0;
            if (!rt.ready && s.successes >= (rp.successThreshold ?? 1)) rt.ready = true;
          } else {
            s.failures += 1;
            s.successes = 0;
            if (rt.ready && s.failures >= (rp.failureThreshold ?? 3)) rt.ready = false;
          }
          this.updateStatusFor(rt);
        });
      }
      const lp = c.livenessProbe as Obj | undefined;
      if (lp && elapsed >= (lp.initialDelaySeconds ?? 0)) {
        this.runProbe(rt, lp, rt.liveness, Math.max(1, lp.periodSeconds ?? 10), (ok) => {
          rt.liveness.failures = ok ? 0 : rt.liveness.failures + 1;
          if (rt.liveness.failures >= (lp.failureThreshold ?? 3)) {
            this.o.log(`standin kubelet: pod ${rt.namespace}/${rt.name}: liveness probe failed; restarting container`);
            rt.liveness.failures = 0;
            rt.proc?.kill('SIGTERM');
          }
        });
      }
    }
    for (const d of this.o.store.list('apps/v1', 'Deployment')) this.updateStatus(d);
  }

  private runProbe(rt: PodRuntime, probe: Obj, state: ProbeState, periodS: number, done: (ok: boolean) => void): void {
    if (state.running || Date.now() - state.lastRun < periodS * 1000 - 50) return;
    state.running = true;
    state.lastRun = Date.now();
    this.probe(rt, probe)
      .catch(() => false)
      .then((ok) => {
        state.running = false;
        if (rt.proc && !rt.stopping) done(ok);
      });
  }

  private probe(rt: PodRuntime, p: Obj): Promise<boolean> {
    const timeoutMs = Math.max(1, p.timeoutSeconds ?? 1) * 1000;
    const c: Obj = rt.template.spec.containers[0];
    const port = (v: unknown): number =>
      typeof v === 'number' ? v : Number((c.ports ?? []).find((x: Obj) => x.name === v)?.containerPort ?? v);
    if (p.httpGet) {
      const g = p.httpGet;
      const https = String(g.scheme ?? 'HTTP').toUpperCase() === 'HTTPS';
      const headers: Record<string, string> = { 'User-Agent': 'kube-probe/1.32' };
      for (const h of g.httpHeaders ?? []) headers[h.name] = h.value;
      return new Promise((resolve) => {
        const req = (https ? httpsRequest : httpRequest)(
          { host: g.host || this.podIP(rt), port: port(g.port), path: g.path ?? '/', method: 'GET', headers, timeout: timeoutMs, rejectUnauthorized: false },
          (res) => {
            res.resume();
            resolve((res.statusCode ?? 0) >= 200 && (res.statusCode ?? 0) < 400);
          },
        );
        req.on('timeout', () => req.destroy());
        req.on('error', () => resolve(false));
        req.end();
      });
    }
    if (p.tcpSocket) {
      return new Promise((resolve) => {
        const s = connect({ host: p.tcpSocket.host || this.podIP(rt), port: port(p.tcpSocket.port), timeout: timeoutMs });
        s.on('connect', () => {
          s.destroy();
          resolve(true);
        });
        s.on('timeout', () => {
          s.destroy();
          resolve(false);
        });
        s.on('error', () => resolve(false));
      });
    }
    if (p.exec && rt.proc?.pid) {
      return new Promise((resolve) => {
        const child = spawn('nsenter', ['-t', String(rt.proc!.pid), '-m', '-n', '-r', '-w', '--', ...p.exec.command], { stdio: 'ignore', timeout: timeoutMs });
        child.on('exit', (code) => resolve(code === 0));
        child.on('error', () => resolve(false));
      });
    }
    return Promise.resolve(true);
  }

  private updateStatusFor(rt: PodRuntime): void {
    const [ns, name] = rt.key.split('/') as [string, string];
    const d = this.o.store.get('apps/v1', 'Deployment', ns, name);
    if (d) this.updateStatus(d);
    this.writePodStatus(rt);
  }

  private writePodStatus(rt: PodRuntime): void {
    if (rt.stopping) return;
    const c: Obj = rt.template.spec.containers[0];
    const live = this.o.store.get('v1', 'Pod', rt.namespace, rt.name);
    if (!live) return;
    const readyStatus = rt.ready ? 'True' : 'False';
    const cond = (type: string, status: string) => {
      const prev = (live.status?.conditions ?? []).find((x: Obj) => x.type === type);
      return { type, status, lastProbeTime: null, lastTransitionTime: prev?.status === status ? prev.lastTransitionTime : now() };
    };
    const state = rt.proc
      ? { running: { startedAt: rt.startedAt } }
      : rt.waiting
        ? { waiting: rt.waiting }
        : { waiting: { reason: 'ContainerCreating' } };
    const status = {
      phase: rt.proc || rt.restartCount ? 'Running' : 'Pending',
      conditions: [
        cond('Initialized', 'True'),
        cond('Ready', readyStatus),
        cond('ContainersReady', readyStatus),
        rt.waiting?.reason === 'FailedScheduling' ? { ...cond('PodScheduled', 'False'), reason: 'Unschedulable', message: rt.waiting.message } : cond('PodScheduled', 'True'),
      ],
      hostIP: this.o.nodeIP,
      ...(this.o.podNetwork && !rt.sandbox ? {} : { podIP: this.podIP(rt), podIPs: [{ ip: this.podIP(rt) }] }),
      startTime: live.status?.startTime,
      containerStatuses: [
        {
          name: c.name,
          image: c.image,
          imageID: '',
          ready: rt.ready,
          started: !!rt.proc,
          restartCount: rt.restartCount,
          state,
          lastState: rt.lastTerminated ? { terminated: rt.lastTerminated } : {},
        },
      ],
    };
    this.o.writeStatus({ ...live, status });
  }

  private updateStatus(d: Obj): void {
    const pods = this.podsOf(deploymentKey(d));
    const replicas = d.spec?.replicas ?? 1;
    const hash = templateHash(d.spec?.template);
    const updated = pods.filter((rt) => rt.hash === hash).length;
    const podCount = pods.length;
    const ready = pods.filter((rt) => rt.ready).length;
    const current = podCount > 0 && updated === podCount;
    const rsName = `${d.metadata.name}-${hash}`;
    const prev: Obj[] = d.status?.conditions ?? [];
    const cond = (type: string, status: string, reason: string, message: string) => {
      const p = prev.find((x) => x.type === type);
      const same = p?.status === status && p?.reason === reason;
      return {
        type,
        status,
        lastUpdateTime: same ? p.lastUpdateTime : now(),
        lastTransitionTime: p?.status === status ? p.lastTransitionTime : now(),
        reason,
        message,
      };
    };
    const complete = current && ready >= replicas;
    const deadline = (d.spec?.progressDeadlineSeconds ?? 600) * 1000;
    const progressing = complete
      ? cond('Progressing', 'True', 'NewReplicaSetAvailable', `ReplicaSet "${rsName}" has successfully progressed.`)
      : updated && Date.now() - Math.min(...pods.filter((rt) => rt.hash === hash).map((rt) => rt.rolloutStartedMs)) > deadline
        ? cond('Progressing', 'False', 'ProgressDeadlineExceeded', `ReplicaSet "${rsName}" has timed out progressing.`)
        : cond('Progressing', 'True', 'ReplicaSetUpdated', `ReplicaSet "${rsName}" is progressing.`);
    const available =
      ready >= replicas
        ? cond('Available', 'True', 'MinimumReplicasAvailable', 'Deployment has minimum availability.')
        : cond('Available', 'False', 'MinimumReplicasUnavailable', 'Deployment does not have minimum availability.');
    const status: Obj = {
      observedGeneration: d.metadata.generation,
      ...(podCount ? { replicas: podCount } : {}),
      ...(updated ? { updatedReplicas: updated } : {}),
      ...(ready ? { readyReplicas: ready, availableReplicas: ready } : {}),
      ...(podCount - ready > 0 ? { unavailableReplicas: podCount - ready } : {}),
      conditions: [available, progressing, ...(this.refused.has(deploymentKey(d)) ? [cond('ReplicaFailure', 'True', 'FailedCreate', this.refused.get(deploymentKey(d))!)] : [])],
    };
    this.o.writeStatus({ ...d, status });
  }

  private async stopPod(rt: PodRuntime): Promise<void> {
    if (rt.stopping) return rt.exited;
    rt.stopping = true;
    clearTimeout(rt.retryTimer);
    if (this.pods.get(rt.name) === rt) this.pods.delete(rt.name);
    const proc = rt.proc;
    if (proc) {
      proc.kill('SIGTERM');
      const grace = Math.min(5, rt.template.spec?.terminationGracePeriodSeconds ?? 30) * 1000;
      const killer = setTimeout(() => proc.kill('SIGKILL'), grace);
      await rt.exited;
      clearTimeout(killer);
    }
    await rt.sandbox?.stop();
    const pod = this.o.store.get('v1', 'Pod', rt.namespace, rt.name);
    if (pod) this.o.store.delete(pod);
    rmSync(rt.dir, { recursive: true, force: true });
    this.o.log(`standin kubelet: pod ${rt.namespace}/${rt.name} stopped`);
  }

  async shutdown(): Promise<void> {
    this.shuttingDown = true;
    clearInterval(this.ticker);
    await Promise.all([...this.pods.values()].map((rt) => this.stopPod(rt)));
  }
}
