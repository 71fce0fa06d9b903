// Pod Security admission, as the API server's PodSecurity plugin enforces it on pods
// (k8s.io/pod-security-admission, policy checks of the Pod Security Standards,
// https://kubernetes.io/docs/concepts/security/pod-security-standards/), for the checks the
// registry's pod can meet; messages as the plugin words them. `enforce` refuses a pod:
// `pods "x" is forbidden: violates PodSecurity "restricted:latest": <check> (<detail>), ...`.
// `warn` answers a pod or a workload's pod template that violates it with a warning (the HTTP
// `Warning: 299 - "..."` header kubectl prints as `Warning: would violate PodSecurity ...`); enforce
// is not applied to workloads (admission.go ValidatePodController evaluates warn and audit only).
import type { Obj } from './store.js';

const RESTRICTED_VOLUMES = ['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret'];

/** Baseline: privileged, host namespaces, hostPath volumes, host ports. */
function baseline(spec: Obj): string[] {
  const out: string[] = [];
  const containers: Obj[] = [...(spec.initContainers ?? []), ...(spec.containers ?? [])];
  const named = (list: Obj[]) => list.map((c) => `"${c.name}"`).join(', ');
  const s = (list: Obj[]) => (list.length === 1 ? '' : 's');
  const privileged = containers.filter((c) => c.securityContext?.privileged === true);
  if (privileged.length) out.push(`privileged (container${s(privileged)} ${named(privileged)} must not set securityContext.privileged=true)`);
  const hostNs = ['hostNetwork', 'hostPID', 'hostIPC'].filter((k) => spec[k] === true);
  if (hostNs.length) out.push(`host namespaces (${hostNs.map((k) => `${k}=true`).join(', ')})`);
  const hostPath = ((spec.volumes ?? []) as Obj[]).filter((v) => v.hostPath);
  if (hostPath.length) out.push(`hostPath volumes (volume${s(hostPath)} ${named(hostPath)})`);
  const ports = containers.flatMap((c) => ((c.ports ?? []) as Obj[]).filter((p) => p.hostPort).map((p) => p.hostPort));
  if (ports.length) out.push(`hostPort (container${s(containers)} ${named(containers)} use${containers.length === 1 ? 's' : ''} hostPort ${ports.join(', ')})`);
  return out;
}

/** Restricted: baseline plus volume types, privilege escalation, non-root, seccomp, capabilities. */
function restricted(spec: Obj): string[] {
  const out = baseline(spec);
  const pod: Obj = spec.securityContext ?? {};
  const containers: Obj[] = [...(spec.initContainers ?? []), ...(spec.containers ?? [])];
  const named = (list: Obj[]) => list.map((c) => `"${c.name}"`).join(', ');
  const s = (list: Obj[]) => (list.length === 1 ? '' : 's');
  const volumes = ((spec.volumes ?? []) as Obj[]).filter((v) => !Object.keys(v).some((k) => RESTRICTED_VOLUMES.includes(k)));
  if (volumes.length) {
    const types = (v: Obj) => Object.keys(v).find((k) => k !== 'name');
    out.push(`restricted volume types (volume${s(volumes)} ${named(volumes)} use${volumes.length === 1 ? 's' : ''} restricted volume type${s(volumes)} ${[...new Set(volumes.map(types))].map((t) => `"${t}"`).join(', ')})`);
  }
  const escalating = containers.filter((c) => c.securityContext?.allowPrivilegeEscalation !== false);
  if (escalating.length) out.push(`allowPrivilegeEscalation != false (container${s(escalating)} ${named(escalating)} must set securityContext.allowPrivilegeEscalation=false)`);
  const caps = containers.filter((c) => !((c.securityContext?.capabilities?.drop ?? []) as string[]).includes('ALL'));
  if (caps.length) out.push(`unrestricted capabilities (container${s(caps)} ${named(caps)} must set securityContext.capabilities.drop=["ALL"])`);
  const added = containers.filter((c) => ((c.securityContext?.capabilities?.add ?? []) as string[]).some((a) => a !== 'NET_BIND_SERVICE'));
  if (added.length) out.push(`unrestricted capabilities (container${s(added)} ${named(added)} must not include capabilities other than "NET_BIND_SERVICE" in securityContext.capabilities.add)`);
  const rootOk = (c: Obj) => (c.securityContext?.runAsNonRoot ?? pod.runAsNonRoot) === true;
  const rooted = containers.filter((c) => !rootOk(c) || c.securityContext?.runAsNonRoot === false);
  if (rooted.length) out.push(`runAsNonRoot != true (pod or container${s(rooted)} ${named(rooted)} must set securityContext.runAsNonRoot=true)`);
  if (pod.runAsUser === 0) out.push('runAsUser=0 (pod must not set runAsUser=0)');
  const zero = containers.filter((c) => c.securityContext?.runAsUser === 0);
  if (zero.length) out.push(`runAsUser=0 (container${s(zero)} ${named(zero)} must not set runAsUser=0)`);
  const seccompOk = (t: unknown) => t === 'RuntimeDefault' || t === 'Localhost';
  const noSeccomp = containers.filter((c) => !seccompOk(c.securityContext?.seccompProfile?.type ?? pod.seccompProfile?.type));
  if (noSeccomp.length) out.push(`seccompProfile (pod or container${s(noSeccomp)} ${named(noSeccomp)} must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")`);
  return out;
}

/** `level:version` and its violations under the namespace's label for `mode`, or undefined. */
function evaluate(namespace: Obj | undefined, mode: 'enforce' | 'warn', podSpec: Obj): { policy: string; violations: string[] } | undefined {
  const level = namespace?.metadata?.labels?.[`pod-security.kubernetes.io/${mode}`];
  if (level !== 'restricted' && level !== 'baseline') return undefined;
  const version = namespace?.metadata?.labels?.[`pod-security.kubernetes.io/${mode}-version`] ?? 'latest';
  return { policy: `${level}:${version}`, violations: level === 'restricted' ? restricted(podSpec) : baseline(podSpec) };
}

/** The refusal of a new pod in a namespace, or undefined when its enforce level admits it. */
export function podSecurityRefusal(namespace: Obj | undefined, podName: string, podSpec: Obj): string | undefined {
  const e = evaluate(namespace, 'enforce', podSpec);
  return e?.violations.length ? `pods "${podName}" is forbidden: violates PodSecurity "${e.policy}": ${e.violations.join(', ')}` : undefined;
}

/** The warning for a pod spec (a pod's, or a workload's template) under the namespace's warn level. */
export function podSecurityWarning(namespace: Obj | undefined, podSpec: Obj): string | undefined {
  const e = evaluate(namespace, 'warn', podSpec);
  return e?.violations.length ? `would violate PodSecurity "${e.policy}": ${e.violations.join(', ')}` : undefined;
}
