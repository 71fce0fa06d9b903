// Kubernetes API stand-in: unknown-field detection (what `fieldValidation=Strict` and server-side
// apply refuse on a real API server). The kubernetes-models validators read every declared property
// of each object they visit; a property they never read is not in the schema.
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { PersistentVolume } from 'kubernetes-models/v1/PersistentVolume';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { Pod } from 'kubernetes-models/v1/Pod';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';

type Validating = { prototype: { validate(this: unknown): void } };

const MODELS: Record<string, Validating> = {
  'apps/v1/Deployment': Deployment,
  'networking.k8s.io/v1/Ingress': Ingress,
  'v1/ConfigMap': ConfigMap,
  'v1/Namespace': Namespace,
  'v1/PersistentVolume': PersistentVolume,
  'v1/PersistentVolumeClaim': PersistentVolumeClaim,
  'v1/Pod': Pod,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'v1/ServiceAccount': ServiceAccount,
} as unknown as Record<string, Validating>;

function isContainer(v: unknown): v is object {
  return typeof v === 'object' && v !== null;
}

/** Dotted paths (`spec.template.spec.containers[0].volumeMounts[0].mountpath`) of undeclared fields. */
export function unknownFields(obj: Record<string, unknown>): string[] {
  const model = MODELS[`${obj.apiVersion}/${obj.kind}`];
  if (!model) return [];
  const read = new WeakMap<object, Set<PropertyKey>>();
  const proxies = new WeakMap<object, object>();
  const wrap = (v: unknown): unknown => {
    if (!isContainer(v)) return v;
    const cached = proxies.get(v);
    if (cached) return cached;
    read.set(v, new Set());
    const p = new Proxy(v, {
      get(target, key, receiver) {
        read.get(target)!.add(key);
        return wrap(Reflect.get(target, key, receiver));
      },
    });
    proxies.set(v, p);
    return p;
  };
  try {
    model.prototype.validate.call(wrap(obj));
  } catch {
    // Type errors are not this check's business; undeclared fields are still reported.
  }
  const out: string[] = [];
  const walk = (v: unknown, path: string) => {
    if (Array.isArray(v)) v.forEach((item, i) => walk(item, `${path}[${i}]`));
    else if (isContainer(v)) {
      const seen = read.get(v);
      if (!seen) return;
      for (const [k, child] of Object.entries(v)) {
        const p = path ? `${path}.${k}` : k;
        if (!seen.has(k)) out.push(p);
        else walk(child, p);
      }
    }
  };
  walk(obj, '');
  return out;
}
