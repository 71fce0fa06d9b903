// Kubernetes API stand-in: ObjectMeta rules (apimachinery/pkg/api/validation/objectmeta.go
// ValidateObjectMeta, metav1validation.ValidateLabels, ValidateAnnotations) and the data keys of
// Secrets and ConfigMaps (pkg/apis/core/validation ValidateSecret, ValidateConfigMap).
import type { FieldErrors } from './field-errors.js';
import { configMapKey, dns1035Label, dns1123Label, dns1123Subdomain, labelValue, qualifiedName } from './syntax.js';

export type Obj = Record<string, any>;

const entriesOf = (m: unknown): [string, unknown][] => (m && typeof m === 'object' ? Object.entries(m) : []);

/** ValidateLabels: every key a qualified name, every value a label value; errors on the map's path. */
export function validateLabels(labels: unknown, path: string, f: FieldErrors): void {
  for (const [k, v] of entriesOf(labels)) {
    for (const m of qualifiedName(k)) f.invalid(path, k, m);
    if (typeof v === 'string') for (const m of labelValue(v)) f.invalid(path, v, m);
  }
}

const TOTAL_ANNOTATION_SIZE = 256 * 1024;

/** ValidateAnnotations: keys are qualified names (checked lower-cased), at most 256 KiB in all. */
export function validateAnnotations(annotations: unknown, path: string, f: FieldErrors): void {
  let size = 0;
  for (const [k, v] of entriesOf(annotations)) {
    for (const m of qualifiedName(k.toLowerCase())) f.invalid(path, k, m);
    size += k.length + String(v ?? '').length;
  }
  if (size > TOTAL_ANNOTATION_SIZE) f.tooLong(path, TOTAL_ANNOTATION_SIZE);
}

/** The name rule per kind: Namespace a DNS-1123 label, Service a DNS-1035 label, the rest subdomains. */
function nameRule(kind: string): (v: string) => string[] {
  if (kind === 'Namespace') return dns1123Label;
  if (kind === 'Service') return dns1035Label;
  return dns1123Subdomain;
}

export function validateObjectMeta(o: Obj, f: FieldErrors): void {
  const name = o.metadata?.name;
  if (typeof name !== 'string' || !name) f.required('metadata.name', 'name or generateName is required');
  else for (const m of nameRule(o.kind)(name)) f.invalid('metadata.name', name, m);
  validateLabels(o.metadata?.labels, 'metadata.labels', f);
  validateAnnotations(o.metadata?.annotations, 'metadata.annotations', f);
}

const MAX_DATA_SIZE = 1024 * 1024;

/** Secret and ConfigMap data keys (`a/b` is refused) and the 1 MiB total. */
export function validateDataKeys(o: Obj, f: FieldErrors): void {
  let size = 0;
  for (const field of ['data', 'binaryData'] as const) {
    for (const [k, v] of entriesOf(o[field])) {
      for (const m of configMapKey(k)) f.invalid(`${field}[${k}]`, k, m);
      size += o.kind === 'Secret' || field === 'binaryData' ? Buffer.from(String(v ?? ''), 'base64').length : Buffer.byteLength(String(v ?? ''));
    }
  }
  if (o.kind === 'ConfigMap') {
    for (const k of Object.keys(o.binaryData ?? {})) if (o.data && k in o.data) f.invalid(`data[${k}]`, k, 'duplicate of key present in binaryData');
  }
  // ValidateSecret reports it on `data`, ValidateConfigMap on the object (an empty path).
  if (size > MAX_DATA_SIZE) f.tooLong(o.kind === 'Secret' ? 'data' : '', MAX_DATA_SIZE);
}

/** ValidateSecretUpdate / ValidateConfigMapUpdate: `immutable: true` freezes the data and itself. */
export function validateImmutableData(o: Obj, live: Obj | undefined, f: FieldErrors): void {
  if (live?.immutable !== true) return;
  if (o.immutable !== true) f.forbidden('immutable', 'field is immutable when `immutable` is set');
  const same = (a: unknown, b: unknown) => JSON.stringify(sortKeys(a ?? {})) === JSON.stringify(sortKeys(b ?? {}));
  if (!same(o.data, live.data)) f.forbidden('data', 'field is immutable when `immutable` is set');
  if (o.kind === 'ConfigMap' && !same(o.binaryData, live.binaryData)) f.forbidden('binaryData', 'field is immutable when `immutable` is set');
}

export function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys((v as Obj)[k])]));
  return v;
}
