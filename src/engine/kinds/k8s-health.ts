// Is a Deployment serving? Read on every run (its status comes with the objects' read, its pods
// in one more `kubectl get` of the same batch), so a run that changes nothing still fails when the
// workload is down, with the pods' own reasons, as `kubectl describe` would show them.
import type { K8sObject, K8sState } from '../../resources/types.js';
import { quote } from '../../transports/shell.js';

type Health = NonNullable<K8sState['waitRollout']>[number];
type Obj = Record<string, any>;

export function podsReadCommand(base: string, w: Health & { podSelector: string }): string {
  return `${base} get pods -n ${quote(w.namespace)} -l ${quote(w.podSelector)} -o json`;
}

/**
 * Available as the Deployment controller means it: the newest generation observed, every replica
 * updated and available (condition Available=True).
 */
export function deploymentAvailable(d: K8sObject): boolean {
  const spec = (d.spec ?? {}) as Obj;
  const status = ((d as Obj).status ?? {}) as Obj;
  const replicas = spec.replicas ?? 1;
  if (replicas === 0) return true;
  const generation = (d.metadata as Obj).generation;
  if (generation !== undefined && (status.observedGeneration ?? 0) < generation) return false;
  const available = (status.conditions ?? []).find((c: Obj) => c.type === 'Available');
  return available?.status === 'True' && (status.availableReplicas ?? 0) >= replicas && (status.updatedReplicas ?? replicas) >= replicas;
}

/** One line per pod: its container states, last termination and false conditions. */
export function podReasons(pods: K8sObject[]): string[] {
  return pods.map((p) => {
    const status = ((p as Obj).status ?? {}) as Obj;
    const parts: string[] = [`phase ${status.phase ?? 'unknown'}`];
    for (const c of (status.containerStatuses ?? []) as Obj[]) {
      const w = c.state?.waiting;
      const t = c.state?.terminated;
      if (w) parts.push(`container ${c.name} waiting: ${w.reason ?? ''}${w.message ? ` (${w.message})` : ''}`);
      else if (t) parts.push(`container ${c.name} terminated: ${t.reason ?? ''} exit ${t.exitCode}`);
      else if (c.ready === false) parts.push(`container ${c.name} running but not ready (its readiness probe fails)`);
      const last = c.lastState?.terminated;
      if (last) parts.push(`last exit ${last.exitCode} (${last.reason ?? ''})`);
      if (c.restartCount) parts.push(`${c.restartCount} restarts`);
    }
    for (const c of (status.conditions ?? []) as Obj[]) {
      if (c.status === 'False' && (c.reason || c.message)) parts.push(`${c.type}: ${[c.reason, c.message].filter(Boolean).join(': ')}`);
    }
    return `pod ${p.metadata.name}: ${parts.join('; ')}`;
  });
}

/** Why a Deployment is not available: its own failing conditions (ReplicaFailure too), then each pod's reasons. */
export function unavailableReason(d: K8sObject, pods: K8sObject[]): string {
  const status = ((d as Obj).status ?? {}) as Obj;
  const conditions = ((status.conditions ?? []) as Obj[]).filter((c) => (c.type === 'ReplicaFailure' ? c.status === 'True' : c.status !== 'True')).map((c) => `${c.type}: ${[c.reason, c.message].filter(Boolean).join(': ')}`);
  const lines = [`${status.availableReplicas ?? 0}/${((d.spec ?? {}) as Obj).replicas ?? 1} replicas available`, ...conditions, ...(pods.length ? podReasons(pods) : ['no pod exists'])];
  return lines.join('; ');
}

/**
 * A shell fragment for after a failed `kubectl rollout status`: the pods' reasons on stderr, in
 * kubectl's own jsonpath (the same fields as podReasons).
 */
export function podReasonsScript(base: string, w: Health & { podSelector: string }): string {
  const path =
    '{range .items[*]}pod {.metadata.name}: phase {.status.phase}' +
    '{range .status.containerStatuses[*]}; container {.name} ready={.ready} restarts={.restartCount} {.state.waiting.reason} {.state.waiting.message}{.state.terminated.reason}{end}' +
    '{range .status.conditions[?(@.status=="False")]}; {.type}: {.reason} {.message}{end}{"\\n"}{end}';
  // a pod the ReplicaSet could not create (e.g. refused by Pod Security admission) is on the Deployment
  const failure = '{range .status.conditions[?(@.type=="ReplicaFailure")]}{.reason}: {.message}{"\\n"}{end}';
  return `${base} get pods -n ${quote(w.namespace)} -l ${quote(w.podSelector)} -o ${quote(`jsonpath=${path}`)} >&2; ${base} get ${quote(`deployment/${w.name}`)} -n ${quote(w.namespace)} -o ${quote(`jsonpath=${failure}`)} >&2`;
}
