// Kubernetes API stand-in: the fields Kubernetes 1.32 declares, the version of the lab's kubectl.
// `@kubernetes/client-node` 1.1.x is generated from the v1.32.0 OpenAPI spec (its models say
// "OpenAPI spec version: v1.32.0"); installed as `kubernetes-client-node-1.32`. The schema check
// (`schema.ts`, kubernetes-models: Kubernetes 1.33) adds types, enums, required fields and formats;
// a field 1.33 declares and 1.32 does not is refused here as undeclared, as a 1.32 server would.
// docs/standin-schema.md lists the difference of the two versions for the kinds served.
import * as models from 'kubernetes-client-node-1.32/dist/gen/models/ObjectSerializer.js';

interface Attribute {
  baseName: string;
  type: string;
}

/** The 1.32 model of each kind the stand-in checks. */
export const ROOT_TYPES: Record<string, string> = {
  'apiextensions.k8s.io/v1/CustomResourceDefinition': 'V1CustomResourceDefinition',
  'apps/v1/Deployment': 'V1Deployment',
  'networking.k8s.io/v1/Ingress': 'V1Ingress',
  'policy/v1/PodDisruptionBudget': 'V1PodDisruptionBudget',
  'storage.k8s.io/v1/StorageClass': 'V1StorageClass',
  'v1/ConfigMap': 'V1ConfigMap',
  'v1/Namespace': 'V1Namespace',
  'v1/PersistentVolume': 'V1PersistentVolume',
  'v1/PersistentVolumeClaim': 'V1PersistentVolumeClaim',
  'v1/Pod': 'V1Pod',
  'v1/Secret': 'V1Secret',
  'v1/Service': 'V1Service',
  'v1/ServiceAccount': 'V1ServiceAccount',
};

export function attributes(type: string): Attribute[] | undefined {
  const model = (models as unknown as Record<string, { getAttributeTypeMap?: () => Attribute[] }>)[type];
  return model?.getAttributeTypeMap?.();
}

/** `Array<V1Container>` → `V1Container`, `{ [key: string]: string; }` → `string`. */
export function elementType(type: string): { kind: 'list' | 'map' | 'one'; type: string } {
  const list = /^Array<(.*)>$/.exec(type);
  if (list) return { kind: 'list', type: list[1]! };
  const map = /^\{ \[key: string\]: (.*); \}$/.exec(type);
  if (map) return { kind: 'map', type: map[1]! };
  return { kind: 'one', type };
}

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Path segments of the fields of `obj` that Kubernetes 1.32 does not declare (kinds not served: none). */
export function fieldsNot132(obj: Record<string, unknown>): string[][] {
  const root = ROOT_TYPES[`${obj.apiVersion}/${obj.kind}`];
  const out: string[][] = [];
  const walk = (v: unknown, type: string, segs: string[]) => {
    const t = elementType(type);
    if (t.kind === 'list') {
      if (Array.isArray(v)) v.forEach((item, i) => walk(item, t.type, [...segs, String(i)]));
      return;
    }
    if (t.kind === 'map') {
      if (isMap(v)) for (const [k, child] of Object.entries(v)) walk(child, t.type, [...segs, k]);
      return;
    }
    const attrs = attributes(type);
    if (!attrs || !isMap(v)) return;
    for (const [k, child] of Object.entries(v)) {
      const a = attrs.find((x) => x.baseName === k);
      if (!a) out.push([...segs, k]);
      else walk(child, a.type, [...segs, k]);
    }
  };
  if (root) walk(obj, root, []);
  return out;
}
