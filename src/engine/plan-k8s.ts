// Planning Kubernetes objects: create / change / unchanged per object, apply only what differs.
import { stringify } from 'yaml';
import { StateError } from '../errors.js';
import type { CapturedFact } from '../facts/command.js';
import { apiGroup, parseKubectlObjects } from '../facts/kubectl.js';
import type { K8sObject, K8sState } from '../resources/types.js';
import { quote, quoteArgv } from '../transports/shell.js';
import { withStdin } from './apply-script.js';
import { compareObject, liveAsFact, maskObject, project, revealedJson } from './diff-k8s.js';
import type { Diff } from './events.js';
import { describeFieldPath, removedFields, withRemoved } from './owned-fields.js';
import type { PlanEnv, StepPlan } from './plan-types.js';

export function objectName(o: K8sObject): string {
  return `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;
}

export function kubectlBase(r: K8sState): string {
  return quoteArgv([r.kubectl.path, ...(r.kubectl.kubeconfig ? ['--kubeconfig', r.kubectl.kubeconfig] : [])]);
}

/** The `kubectl get` of the read phase: references only (no specs, no secret data) on stdin. */
export function k8sReadCommand(r: K8sState): { command: string; stdin: string } {
  const refs = r.objects.map((o) => JSON.stringify({ apiVersion: o.apiVersion, kind: o.kind, metadata: { name: o.metadata.name, ...(o.metadata.namespace ? { namespace: o.metadata.namespace } : {}) } }));
  return { command: `${kubectlBase(r)} get -f - -o json --ignore-not-found --show-managed-fields`, stdin: refs.join('\n') + '\n' }; // a JSON stream: kubectl refuses '---' between JSON documents
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

export function planK8s(r: K8sState, got: CapturedFact, env: PlanEnv): StepPlan {
  const label = r.name ?? `k8s ${r.objects.map(objectName).join(', ')}`;
  if (got.code !== 0) throw new StateError(`kubectl get failed (exit ${got.code}): ${got.stderr.trim().split('\n').slice(-3).join(' | ')}`, 'check kubectl and its kubeconfig where it runs: this host, or the controller for a role that runs there');
  const live = parseKubectlObjects(got.stdout);
  const fieldManager = r.kubectl.fieldManager ?? 'regplay';
  const plans = compareK8s(r.objects, live, r.createOnly, fieldManager);
  const actions: string[] = [];
  const diffs: Diff[] = [];
  const changed: K8sObject[] = [];
  for (const p of plans) {
    if (!p.live) actions.push(`create ${objectName(p.object)}`);
    else if (p.fields!.length) actions.push(`change ${objectName(p.object)}: ${p.fields!.map((f) => f || '(object)').join(', ')}`);
    else continue;
    changed.push(p.object);
    const shown = p.live && p.removed?.length ? withRemoved(p.object, p.live, p.removed) : p.object;
    diffs.push({ header: `k8s ${objectName(p.object)}`, before: p.live ? yamlOf({ kind: p.object.kind, ...(project(shown, p.live) as object) }) : '', after: yamlOf(p.object) });
  }
  const apply = `${kubectlBase(r)} apply --server-side ${quote(`--field-manager=${fieldManager}`)} --force-conflicts -f - -o json`;
  const waits = (r.waitRollout ?? []).map(
    (w) => `${kubectlBase(r)} rollout status ${quote(`deployment/${w.name}`)} -n ${quote(w.namespace)} ${quote(`--timeout=${w.timeoutSeconds}s`)} >&2`,
  );
  const manifest = changed.map(revealedJson).join('\n') + '\n';
  const script = changed.length ? [withStdin(apply, manifest, env.marker).trimEnd(), ...waits.map((w) => `[ $? -eq 0 ] || exit 1\n${w}`)].join('\n') : '';
  const allFound = plans.every((p) => p.live);
  return {
    label,
    actions,
    diffs,
    script,
    command: `${apply}${waits.length ? ' && kubectl rollout status' : ''}`,
    registered: (applied) => {
      if (!applied) return allFound ? { objects: plans.map((p) => liveAsFact(p.live!)) } : null;
      const after = applied.stdout.trim() ? parseKubectlObjects(applied.stdout) : [];
      return { objects: plans.map((p) => liveAsFact(findLive(p.object, after) ?? p.live ?? p.object)) };
    },
  };
}
