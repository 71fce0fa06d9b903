// The Kubernetes objects kind. Read: `kubectl get`s captured with everything else (the desired
// objects by reference, the ApplySet's members, the targets of list entries, the pods of
// health-checked Deployments). Plan: create / change / delete per object, only what differs.
// Apply: one server-side apply of the changed objects, one delete of the pruned, rollout waits.
import { stringify } from 'yaml';
import { StateError } from '../../errors.js';
import type { CapturedFact, CaptureRead } from './capture.js';
import { apiGroup, parseKubectlObjects } from '../../facts/kubectl.js';
import type { K8sObject, K8sState } from '../../resources/types.js';
import { quote, quoteArgv } from '../../transports/shell.js';
import { withStdin } from './apply-script.js';
import { compareObject, liveAsFact, maskObject, project, revealedJson } from './diff-k8s.js';
import type { Diff } from '../events.js';
import { describeFieldPath, removedFields, withRemoved } from './owned-fields.js';
import { groupKind, isShared, membersReadCommand, parentObject, prunable, withMembership } from './k8s-applyset.js';
import { listEntryObjects, listTargetsReadCommands } from './k8s-list-entries.js';
import { deploymentAvailable, podReasonsScript, podsReadCommand, unavailableReason } from './k8s-health.js';
import { resizeRefusal, sizeChange, storageClassesReadCommand } from './k8s-claim-resize.js';
import { keepBoundClaimRefs, rebindAction, rebindCommand, rebound, staleClaimRefs, type Rebind } from './k8s-rebind.js';
import type { Plan, ResourceKind } from './kind.js';

export function objectName(o: K8sObject): string {
  return `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;
}

export function kubectlBase(r: Pick<K8sState, 'kubectl'>): string {
  return quoteArgv([r.kubectl.path, ...(r.kubectl.kubeconfig ? ['--kubeconfig', r.kubectl.kubeconfig] : [])]);
}

function refsJson(objects: Array<Pick<K8sObject, 'apiVersion' | 'kind' | 'metadata'>>): string {
  // a JSON stream: kubectl refuses '---' between JSON documents
  return objects.map((o) => JSON.stringify({ apiVersion: o.apiVersion, kind: o.kind, metadata: { name: o.metadata.name, ...(o.metadata.namespace ? { namespace: o.metadata.namespace } : {}) } })).join('\n') + '\n';
}

function healthChecks(r: K8sState) {
  return (r.waitRollout ?? []).filter((w): w is typeof w & { podSelector: string } => w.podSelector !== undefined);
}

const isOptional = (r: K8sState, o: Pick<K8sObject, 'apiVersion'>) => (r.optionalApis ?? []).some((a) => a.apiVersion === o.apiVersion);

/** The optional APIs, each with its group-kinds (`ServiceMonitor.monitoring.coreos.com`). */
function optionalApis(r: K8sState): Array<{ apiVersion: string; groupKinds: string[] }> {
  return (r.optionalApis ?? []).map((a) => ({ apiVersion: a.apiVersion, groupKinds: a.kinds.map((kind) => groupKind({ apiVersion: a.apiVersion, kind })) }));
}

/** Whether the StorageClasses are read: a claim's resize is checked against its class. */
function readsClasses(r: K8sState): boolean {
  return r.claimResize !== undefined && r.objects.some((o) => o.kind === 'PersistentVolumeClaim');
}

/**
 * The `kubectl get`s of the read phase, in this order: the desired objects (references only on
 * stdin: no specs, no secret data) and the ApplySet's parent; the set's members; the objects that
 * list entries may touch; the pods of each health-checked Deployment; the StorageClasses (when a claim's resize is checked); with optional APIs,
 * `kubectl api-versions` and, per optional API, its objects (nothing when it is not served).
 */
export function k8sReadCommands(r: K8sState): Array<{ command: string; stdin?: string }> {
  const base = kubectlBase(r);
  const required = r.objects.filter((o) => !isOptional(r, o));
  const refs = [...required, ...(r.applySet ? [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: r.applySet.parent.name, namespace: r.applySet.parent.namespace } }] : [])];
  const set = r.applySet;
  const optional = optionalApis(r);
  return [
    { command: `${base} get -f - -o json --ignore-not-found --show-managed-fields`, stdin: refsJson(refs) },
    ...(set ? [{ command: membersReadCommand(base, set, required.filter((o) => !isShared(o, set)).map(groupKind), optional) }] : []),
    ...listTargetsReadCommands(base, r.listEntries ?? []).map((command) => ({ command })),
    ...healthChecks(r).map((w) => ({ command: podsReadCommand(base, w) })),
    ...(readsClasses(r) ? [{ command: storageClassesReadCommand(base) }] : []),
    ...(optional.length ? [{ command: `${base} api-versions` }] : []),
    ...optional.map((o) => ({
      command: `${base} api-versions | grep -qxF ${quote(o.apiVersion)} || exit 0; ${base} get -f - -o json --ignore-not-found --show-managed-fields`,
      stdin: refsJson(r.objects.filter((x) => x.apiVersion === o.apiVersion)),
    })),
  ];
}

export function findLive(desired: K8sObject, live: K8sObject[]): K8sObject | undefined {
  return live.find(
    (l) =>
      l.kind === desired.kind &&
      apiGroup(l.apiVersion) === apiGroup(desired.apiVersion) &&
      l.metadata?.name === desired.metadata.name &&
      (desired.metadata.namespace === undefined || l.metadata.namespace === desired.metadata.namespace),
  );
}

/** A live object as a user wrote it: no status, no server-set metadata. */
function withoutServerFields(o: K8sObject): K8sObject {
  const { status: _s, ...rest } = o;
  const { uid: _u, resourceVersion: _r, generation: _g, creationTimestamp: _c, managedFields: _m, ...meta } = o.metadata as Record<string, unknown>;
  return { ...rest, metadata: meta as K8sObject['metadata'] };
}

function yamlOf(o: unknown): string {
  return stringify(maskObject(o)).trimEnd() + '\n';
}

export interface K8sObjectPlan {
  object: K8sObject;
  live?: K8sObject;
  /** Differing field paths; undefined when the object does not exist. */
  fields?: string[];
  /** Fields the field manager applied before and no longer sets (FieldsV1 paths): apply removes them. */
  removed?: string[][];
}

type CreateOnly = NonNullable<K8sState['createOnly']>;

/** The desired object with each create-only field taken from the live object, when both have it. */
function keepLive(object: K8sObject, live: K8sObject, createOnly: CreateOnly): K8sObject {
  const rules = createOnly.filter((c) => c.kind === object.kind && c.name === object.metadata.name && c.namespace === object.metadata.namespace);
  if (!rules.length) return object;
  // Copied along the path only: the rest (Secret instances included) is shared, never cloned.
  const replace = (node: unknown, liveNode: unknown, path: string[]): unknown => {
    if (!node || typeof node !== 'object' || Array.isArray(node) || !liveNode || typeof liveNode !== 'object') return node;
    const [key, ...rest] = path;
    const here = node as Record<string, unknown>;
    if (!(key! in here) || (liveNode as Record<string, unknown>)[key!] === undefined) return node;
    const value = rest.length ? replace(here[key!], (liveNode as Record<string, unknown>)[key!], rest) : (liveNode as Record<string, unknown>)[key!];
    return { ...here, [key!]: value };
  };
  return rules.reduce((o, { path }) => replace(o, live, path) as K8sObject, object);
}

/**
 * Pure: per object, what differs between desired and live: desired fields live lacks or has
 * otherwise, and fields the manager owns (managedFields) that desired no longer sets.
 */
export function compareK8s(objects: K8sObject[], live: K8sObject[], createOnly: CreateOnly = [], manager = 'regplay'): K8sObjectPlan[] {
  return objects.map((desired) => {
    const found = findLive(desired, live);
    if (!found) return { object: desired };
    const object = keepLive(desired, found, createOnly);
    const removed = removedFields(object, found, manager);
    return { object, live: found, fields: [...compareObject(object, found), ...removed.map((p) => `remove ${describeFieldPath(p)}`)], removed };
  });
}

function readObjects(got: CapturedFact | undefined): K8sObject[] {
  if (!got) throw new Error('internal: a kubectl read is missing');
  if (got.code !== 0) throw new StateError(`kubectl get failed (exit ${got.code}): ${got.stderr.trim().split('\n').slice(-3).join(' | ')}`, 'check kubectl and its kubeconfig where it runs: this host, or the controller for a role that runs there');
  return parseKubectlObjects(got.stdout);
}

/** The whole desired set (members labelled, the ApplySet parent, list entries) and what to prune. */
export function desiredK8s(r: K8sState, live: K8sObject[], found: K8sObject[], targets: K8sObject[]): { objects: K8sObject[]; prune: K8sObject[] } {
  const set = r.applySet;
  if (!set) return { objects: [...r.objects, ...listEntryObjects(r.listEntries ?? [], targets, [])], prune: [] };
  const members = withMembership(r.objects, set);
  const prune = prunable(found, members, set);
  const guarded = prune.filter((o) => set.protect?.kinds.includes(o.kind));
  if (guarded.length && set.protect && !set.protect.allowed) {
    throw new StateError(`${set.protect.message} (it would delete ${guarded.map(objectName).join(', ')}); nothing was changed`, set.protect.hint);
  }
  const parentLive = live.find((o) => o.kind === 'ConfigMap' && o.metadata.name === set.parent.name && o.metadata.namespace === set.parent.namespace);
  const parent = parentObject(set, members.filter((o) => !isShared(o, set)), parentLive);
  return { objects: [parent, ...members, ...listEntryObjects(r.listEntries ?? [], targets, prune)], prune };
}

/** The value at a dotted field path ("spec.nodeAffinity"), or undefined. */
function valueAt(o: unknown, dotted: string): unknown {
  return dotted.split('.').reduce<unknown>((node, key) => (node && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined), o);
}

/** A change the API server would refuse (an immutable field) fails the plan, before any change. */
function refuseImmutable(rules: NonNullable<K8sState['immutable']>, plans: K8sObjectPlan[]): void {
  for (const rule of rules) {
    const p = plans.find((x) => x.live && x.object.kind === rule.kind && x.object.metadata.name === rule.name && x.object.metadata.namespace === rule.namespace);
    const fields = rule.onceSet ? rule.fields.filter((field) => valueAt(p?.live, field) !== undefined) : rule.fields;
    const hits = (p?.fields ?? []).filter((f) => fields.some((field) => [field, `${field}.`, `${field}[`].some((x) => f.replace(/^remove /, '') === field || f.replace(/^remove /, '').startsWith(x))));
    if (hits.length) throw new StateError(`${rule.message} (${objectName(p!.object)}: ${hits.join(', ')}); nothing was changed`, rule.hint);
  }
}

/** A claim's new size the API server would refuse fails the plan, before any change. */
function refuseResize(rule: NonNullable<K8sState['claimResize']>, plans: K8sObjectPlan[], classes: K8sObject[]): void {
  for (const p of plans) {
    if (!p.live || p.object.kind !== 'PersistentVolumeClaim') continue;
    const change = sizeChange(p.object, p.live);
    const why = change && resizeRefusal(p.object, p.live, classes);
    if (why) throw new StateError(`${rule.message} (${objectName(p.object)}: ${change}: ${why}; the API server refuses it); nothing was changed`, rule.hint);
  }
}

/** Nothing to apply, so nothing to wait for: the Deployments must already be serving. */
function assertAvailable(health: ReturnType<typeof healthChecks>, live: K8sObject[], pods: K8sObject[][]): void {
  health.forEach((w, i) => {
    const d = live.find((o) => o.kind === 'Deployment' && o.metadata.name === w.name && o.metadata.namespace === w.namespace);
    if (!d || deploymentAvailable(d)) return;
    throw new StateError(
      `Deployment ${w.namespace}/${w.name} is not available: ${unavailableReason(d, pods[i] ?? [])}`,
      `nothing in its objects differs from what regplay applies, so the cause is in the cluster or on the node: see kubectl -n ${w.namespace} describe pod -l ${w.podSelector} and kubectl -n ${w.namespace} logs deployment/${w.name}`,
    );
  });
}

/**
 * Splits off the optional APIs' reads (the last ones): the desired objects without those of APIs the
 * cluster does not serve, the live optional objects, and the other reads.
 */
function servedOnly(r: K8sState, got: CapturedFact[]): { r: K8sState; got: CapturedFact[]; optionalLive: K8sObject[] } {
  const optional = optionalApis(r);
  if (!optional.length) return { r, got, optionalLive: [] };
  const main = got.slice(0, got.length - optional.length - 1);
  const [versions, ...objects] = got.slice(got.length - optional.length - 1);
  // the main reads' failure is the clearer message (kubectl missing, the API unreachable)
  main.forEach(readObjects);
  if (!versions || versions.code !== 0) throw new StateError(`kubectl api-versions failed (exit ${versions?.code}): ${versions?.stderr.trim().split('\n').slice(-3).join(' | ')}`, 'check kubectl and its kubeconfig where it runs');
  const served = new Set(versions.stdout.split('\n').map((l) => l.trim()));
  return { r: { ...r, objects: r.objects.filter((o) => !isOptional(r, o) || served.has(o.apiVersion)) }, got: main, optionalLive: objects.flatMap(readObjects) };
}

export type K8sAction =
  | { do: 'rebind'; rebind: Rebind }
  | { do: 'create'; object: K8sObject }
  | { do: 'change'; object: K8sObject; fields: string[] }
  | { do: 'delete'; object: K8sObject };

export interface K8sPlan extends Plan<K8sAction> {
  kubectl: K8sState['kubectl'];
  waitRollout: NonNullable<K8sState['waitRollout']>;
  /** Each desired object with its live counterpart (none: it does not exist yet). */
  objects: Array<{ object: K8sObject; live?: K8sObject }>;
}

function describe(a: K8sAction): string {
  if (a.do === 'rebind') return rebindAction(a.rebind);
  if (a.do === 'change') return `change ${objectName(a.object)}: ${a.fields.map((f) => f || '(object)').join(', ')}`;
  return `${a.do} ${objectName(a.object)}`;
}

/** Pure: the plan from what the reads of k8sReadCommands returned, in their order. */
export function planK8s(whole: K8sState, gotAll: CapturedFact[]): K8sPlan {
  const { r, got, optionalLive } = servedOnly(whole, gotAll);
  const label = r.name ?? `k8s ${r.objects.map(objectName).join(', ')}`;
  const reads = got.map(readObjects);
  const live = [...reads[0]!, ...optionalLive];
  const found = r.applySet ? reads[1]! : [];
  const health = healthChecks(r);
  const classes = readsClasses(r) ? reads.pop()! : [];
  const targets = reads.slice(r.applySet ? 2 : 1, reads.length - health.length).flat();
  const pods = reads.slice(reads.length - health.length);
  const desired = desiredK8s(r, live, found, targets);
  const plans = compareK8s(keepBoundClaimRefs(desired.objects, live), [...live, ...targets], r.createOnly, fieldManagerOf(r.kubectl));
  refuseImmutable(r.immutable ?? [], plans);
  if (r.claimResize) refuseResize(r.claimResize, plans, classes);
  const actions: K8sAction[] = [];
  const diffs: Diff[] = [];
  const rebinds = r.rebindReleased ? staleClaimRefs(r.objects, live) : [];
  for (const b of rebinds) {
    actions.push({ do: 'rebind', rebind: b });
    diffs.push({ header: `k8s PersistentVolume ${b.pv}`, before: yamlOf({ spec: { claimRef: b.claimRef } }), after: yamlOf({ spec: { claimRef: rebound(b) } }) });
  }
  for (const p of plans) {
    if (!p.live) actions.push({ do: 'create', object: p.object });
    else if (p.fields!.length) actions.push({ do: 'change', object: p.object, fields: p.fields! });
    else continue;
    const shown = p.live && p.removed?.length ? withRemoved(p.object, p.live, p.removed) : p.object;
    diffs.push({ header: `k8s ${objectName(p.object)}`, before: p.live ? yamlOf({ kind: p.object.kind, ...(project(shown, p.live) as object) }) : '', after: yamlOf(p.object) });
  }
  for (const o of desired.prune) {
    actions.push({ do: 'delete', object: o });
    diffs.push({ header: `k8s ${objectName(o)}`, before: yamlOf(withoutServerFields(o)), after: '' });
  }
  if (!actions.length) assertAvailable(health, live, pods);
  return { label, actions, diffs, kubectl: r.kubectl, waitRollout: r.waitRollout ?? [], objects: plans.map((p) => ({ object: p.object, live: p.live })) };
}

const fieldManagerOf = (kubectl: K8sState['kubectl']): string => kubectl.fieldManager ?? 'regplay';

/**
 * kubectl prints each warning of the API server (the `Warning:` response header: Pod Security warn
 * mode, a deprecated API, ...) and its own as a `Warning: <text>` line on stderr, once per text
 * (client-go's WarningWriter); the apply's other stderr lines are rollout and delete progress.
 */
export function kubectlWarnings(stderr: string): string[] {
  // on a terminal kubectl colours the word (\x1b[33;1mWarning:\x1b[0m); over SSH it does not, but be sure
  const lines = stderr.split('\n').flatMap((l) => /^Warning: (.+)$/.exec(l.replace(/\x1b\[[0-9;]*m/g, '').trimEnd())?.[1] ?? []);
  return [...new Set(lines)];
}

function commands(p: K8sPlan) {
  const base = kubectlBase(p);
  const rebinds = p.actions.flatMap((a) => (a.do === 'rebind' ? [a.rebind] : []));
  const applied = p.actions.flatMap((a) => (a.do === 'create' || a.do === 'change' ? [a.object] : []));
  const pruned = p.actions.flatMap((a) => (a.do === 'delete' ? [a.object] : []));
  const apply = `${base} apply --server-side ${quote(`--field-manager=${fieldManagerOf(p.kubectl)}`)} --force-conflicts -f - -o json`;
  // after the apply (the new objects exist first); its messages go to stderr: stdout is the apply's JSON
  const remove = `${base} delete -f - --ignore-not-found >&2`;
  const waits = p.waitRollout.map((w) => {
    const wait = `${base} rollout status ${quote(`deployment/${w.name}`)} -n ${quote(w.namespace)} ${quote(`--timeout=${w.timeoutSeconds}s`)} >&2`;
    return w.podSelector === undefined ? wait : `${wait} || { ${podReasonsScript(base, { ...w, podSelector: w.podSelector })}; exit 1; }`;
  });
  return { rebinds, applied, pruned, apply, remove, waits };
}

export const k8s: ResourceKind<K8sState, K8sPlan, CapturedFact[]> = {
  reads: (r): CaptureRead[] => k8sReadCommands(r).map((c) => ({ kind: 'capture', ...c })),
  plan: (r, got) => planK8s(r, got),
  describe: (p) => p.actions.map(describe),
  script(p, env) {
    if (!p.actions.length) return '';
    const { rebinds, applied, pruned, apply, remove, waits } = commands(p);
    const steps = [
      // first: the new claim, applied next, binds the volume at once
      ...rebinds.map((b) => rebindCommand(kubectlBase(p), b)),
      ...(applied.length ? [withStdin(apply, applied.map(revealedJson).join('\n') + '\n', env.marker).trimEnd()] : []),
      ...(pruned.length ? [withStdin(remove, refsJson(pruned), env.marker).trimEnd()] : []),
    ];
    return [...steps, ...waits].join('\n[ $? -eq 0 ] || exit 1\n');
  },
  command(p) {
    const { rebinds, applied, pruned, apply, remove, waits } = commands(p);
    return [...(rebinds.length ? [`${kubectlBase(p)} patch persistentvolume`] : []), ...(applied.length ? [apply] : []), ...(pruned.length ? [remove.replace(/ >&2$/, '')] : []), ...(waits.length ? ['kubectl rollout status'] : [])].join(' && ');
  },
  warnings: (_p, applied) => kubectlWarnings(applied.stderr),
  registered(p, applied) {
    if (!applied) return p.objects.every((o) => o.live) ? { objects: p.objects.map((o) => liveAsFact(o.live!)) } : null;
    const after = applied.stdout.trim() ? parseKubectlObjects(applied.stdout) : [];
    return { objects: p.objects.map((o) => liveAsFact(findLive(o.object, after) ?? o.live ?? o.object)) };
  },
};
