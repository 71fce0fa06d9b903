// Kubernetes API stand-in: the scheduler's filters that decide whether a pod fits the stand-in's
// one node (pkg/scheduler/framework/plugins): NodeAffinity (spec.nodeSelector and required node
// affinity) and VolumeBinding (the required node affinity of the PVs its claims are bound to, e.g. a
// hostPath or local volume that exists on one node only). A pod that fits nowhere stays Pending,
// PodScheduled=False, reason Unschedulable, with the scheduler's message.
import type { Obj } from './store.js';

const goArch = (): string => ({ x64: 'amd64', arm64: 'arm64', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x' })[process.arch as string] ?? process.arch;

/** The labels a kubelet puts on its Node (kubernetes.io/hostname is the node name, as kubeadm makes it). */
export function nodeLabels(nodeName: string): Record<string, string> {
  return { 'kubernetes.io/hostname': nodeName, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': goArch(), 'beta.kubernetes.io/os': 'linux', 'beta.kubernetes.io/arch': goArch() };
}

/** nodeaffinity.NodeSelector: the terms are ORed, a term's requirements ANDed; an empty term matches nothing. */
export function matchesNodeSelector(selector: Obj | undefined, nodeName: string, labels: Record<string, string>): boolean {
  const terms: Obj[] = selector?.nodeSelectorTerms ?? [];
  return terms.some((term) => {
    const exprs: Obj[] = term.matchExpressions ?? [];
    const fields: Obj[] = term.matchFields ?? [];
    if (!exprs.length && !fields.length) return false;
    return exprs.every((e) => requirement(e, labels[e.key])) && fields.every((e) => e.key === 'metadata.name' && requirement(e, nodeName));
  });
}

function requirement(e: Obj, value: string | undefined): boolean {
  const values: string[] = e.values ?? [];
  switch (e.operator) {
    case 'In':
      return value !== undefined && values.includes(value);
    case 'NotIn':
      return value === undefined || !values.includes(value);
    case 'Exists':
      return value !== undefined;
    case 'DoesNotExist':
      return value === undefined;
    case 'Gt':
    case 'Lt':
      return value !== undefined && /^-?\d+$/.test(value) && (e.operator === 'Gt' ? Number(value) > Number(values[0]) : Number(value) < Number(values[0]));
    default:
      return false;
  }
}

const message = (reason: string) => `0/1 nodes are available: 1 ${reason}. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.`;

/**
 * Why the pod cannot be scheduled on the node, as the scheduler words it, or undefined when it fits.
 * `boundPV` gives the PV a claim of the pod is bound to (unbound claims are the volume mounting's concern).
 */
export function unschedulable(spec: Obj, nodeName: string, boundPV: (claimName: string) => Obj | undefined): string | undefined {
  const labels = nodeLabels(nodeName);
  const selector: Record<string, string> = spec.nodeSelector ?? {};
  const required = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  if (Object.entries(selector).some(([k, v]) => labels[k] !== v) || (required && !matchesNodeSelector(required, nodeName, labels)))
    return message("node(s) didn't match Pod's node affinity/selector");
  for (const v of (spec.volumes ?? []) as Obj[]) {
    if (!v.persistentVolumeClaim) continue;
    const pv = boundPV(v.persistentVolumeClaim.claimName);
    const affinity = pv?.spec?.nodeAffinity?.required;
    if (affinity && !matchesNodeSelector(affinity, nodeName, labels)) return message('node(s) had volume node affinity conflict');
  }
  return undefined;
}
