// Kubernetes API stand-in: the API server's own warnings for a Deployment's pod template
// (pkg/api/pod/warnings.go GetWarningsForPodTemplate at spec.template; registry/apps/deployment/
// strategy.go: on create, and on update only when the generation changes), of the kinds a registry
// Deployment can run into: a fractional byte value for memory or ephemeral-storage (a request of
// "128m" is 0.128 bytes) and deprecated node labels in nodeSelector. Sent as HTTP Warning headers,
// which kubectl prints on stderr as `Warning: <text>`; the write succeeds.
import { canonicalQuantity } from './quantity.js';
import type { Obj } from './store.js';

// pkg/api/node/util.go deprecatedNodeLabels
const DEPRECATED_NODE_LABELS: Record<string, string> = {
  'beta.kubernetes.io/arch': 'deprecated since v1.14; use "kubernetes.io/arch" instead',
  'beta.kubernetes.io/os': 'deprecated since v1.14; use "kubernetes.io/os" instead',
  'failure-domain.beta.kubernetes.io/region': 'deprecated since v1.17; use "topology.kubernetes.io/region" instead',
  'failure-domain.beta.kubernetes.io/zone': 'deprecated since v1.17; use "topology.kubernetes.io/zone" instead',
  'beta.kubernetes.io/instance-type': 'deprecated since v1.17; use "node.kubernetes.io/instance-type" instead',
};

/** `value.MilliValue() % 1000 != 0`: the canonical form has a sub-unit suffix (m, u, n) or a negative exponent. */
const fractional = (q: unknown) => /(?:[mun]|e-\d+)$/.test(String(canonicalQuantity(q as string)));

export function podTemplateWarnings(template: Obj | undefined): string[] {
  const spec: Obj = template?.spec ?? {};
  const warnings: string[] = [];
  for (const key of Object.keys(spec.nodeSelector ?? {})) {
    const msg = DEPRECATED_NODE_LABELS[key];
    if (msg) warnings.push(`spec.template.spec.nodeSelector[${key}]: ${msg}`);
  }
  for (const field of ['initContainers', 'containers'] as const) {
    for (const [i, c] of ((spec[field] ?? []) as Obj[]).entries()) {
      for (const [kind, values] of [['limits', c.resources?.limits], ['requests', c.resources?.requests]] as const) {
        for (const res of ['memory', 'ephemeral-storage']) {
          const value = values?.[res];
          if (value !== undefined && fractional(value)) warnings.push(`spec.template.spec.${field}[${i}].resources.${kind}[${res}]: fractional byte value "${canonicalQuantity(value)}" is invalid, must be an integer`);
        }
      }
    }
  }
  return warnings;
}
