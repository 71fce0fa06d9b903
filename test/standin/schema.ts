// Kubernetes API stand-in: the OpenAPI schema check. Every object is checked against the Kubernetes
// OpenAPI schema as published by `kubernetes-models` (schema v1.33.0): types, enums, required fields
// and formats, plus undeclared fields (what `fieldValidation=Strict` and server-side apply refuse),
// where a field 1.32 (the lab's kubectl) does not declare is undeclared too (`fields-1.32.ts`). The
// models' validators read every declared property of each object they visit; a property they never
// read is not in the schema.
//
// Causes follow the API server's field errors (k8s.io/apimachinery/pkg/util/validation/field):
//   spec.ports[0].protocol: Unsupported value: "tcp": supported values: "SCTP", "TCP", "UDP"
// A server-side apply meets typed-patch.ts first: a mistyped value never gets here through it.
import { CustomResourceDefinition } from 'kubernetes-models/apiextensions.k8s.io/v1/CustomResourceDefinition';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { StorageClass } from 'kubernetes-models/storage.k8s.io/v1/StorageClass';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { PersistentVolume } from 'kubernetes-models/v1/PersistentVolume';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { Pod } from 'kubernetes-models/v1/Pod';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { fieldErrors, type Cause } from './field-errors.js';
import { fieldsNot132 } from './fields-1.32.js';
import { customSchemaErrors, customUnknownFields, schemaPropsUnknown } from './custom-resources.js';
import { kindByKind } from './kinds.js';

/**
 * The Kubernetes versions: types, enums, required fields and formats from kubernetes-models 4.5.x
 * ("Update schema version to v1.33.0", its CHANGELOG; npm has no kubernetes-models for 1.32), the
 * field set from @kubernetes/client-node 1.1.x (generated from the v1.32.0 OpenAPI spec), the version
 * of the lab's kubectl. docs/standin-schema.md: what differs between the two for the kinds served.
 */
export const SCHEMA_VERSION = { models: '4.5', kubernetes: '1.33', fields: '1.32' };

type Validating = { prototype: { validate(this: unknown): void } };

const MODELS: Record<string, Validating> = {
  'apiextensions.k8s.io/v1/CustomResourceDefinition': CustomResourceDefinition,
  'apps/v1/Deployment': Deployment,
  'networking.k8s.io/v1/Ingress': Ingress,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'storage.k8s.io/v1/StorageClass': StorageClass,
  'v1/ConfigMap': ConfigMap,
  'v1/Namespace': Namespace,
  'v1/PersistentVolume': PersistentVolume,
  'v1/PersistentVolumeClaim': PersistentVolumeClaim,
  'v1/Pod': Pod,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'v1/ServiceAccount': ServiceAccount,
} as unknown as Record<string, Validating>;

export interface AjvError {
  instancePath: string;
  keyword: string;
  params: Record<string, any>;
}

export interface SchemaResult {
  /** Dotted paths (`spec.template.spec.containers[0].volumeMounts[0].mountpath`) of undeclared fields. */
  unknown: string[];
  /** The same fields as path segments (`['spec', 'template', …, '0', 'mountpath']`). */
  unknownSegments: string[][];
  /** The schema's own errors, a oneOf/anyOf folded into one (its branches in `params.branches`). */
  errors: AjvError[];
  /** Type, enum, required and format violations, as the API server's field errors. */
  causes: Cause[];
}

function isContainer(v: unknown): v is object {
  return typeof v === 'object' && v !== null;
}

/** `/spec/ports/0/port` → `spec.ports[0].port` (map keys dotted, as kube-openapi names them). */
function fieldPath(obj: unknown, pointer: string): string {
  let out = '';
  let node: any = obj;
  for (const raw of pointer.split('/').slice(1)) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    out += Array.isArray(node) ? `[${seg}]` : out ? `.${seg}` : seg;
    node = isContainer(node) ? (node as Record<string, unknown>)[seg] : undefined;
  }
  return out;
}

function valueAt(obj: unknown, pointer: string): unknown {
  let node: any = obj;
  for (const raw of pointer.split('/').slice(1)) node = isContainer(node) ? (node as Record<string, unknown>)[raw.replace(/~1/g, '/').replace(/~0/g, '~')] : undefined;
  return node;
}

/** The JSON type name kube-openapi reports for a value. */
function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  if (typeof v === 'boolean') return 'boolean';
  return typeof v;
}

/** Required fields whose validation.go error carries a detail (the rest say just `Required value`). */
const REQUIRED_DETAIL: Record<string, string> = {
  // pkg/apis/networking/validation/validation.go validateHTTPIngressRuleValue
  pathType: 'pathType must be specified',
};

/**
 * Enums validation.go reports on the parent field with the internal Go struct printed by %#v
 * (field.Error.ErrorBody: not a Stringer). pkg/apis/apps/validation ValidateDeploymentStrategy:
 * `field.NotSupported(fldPath, strategy, validValues)`. A set rollingUpdate would print as a pointer
 * address on a real server; the stand-in writes `(*apps.RollingUpdateDeployment)(0xc…)`.
 */
const ENUM_ON_PARENT: Record<string, (parent: Record<string, unknown>) => Cause> = {
  'Deployment spec.strategy.type': (s) => ({
    field: 'spec.strategy',
    reason: 'FieldValueNotSupported',
    message: `Unsupported value: apps.DeploymentStrategy{Type:${JSON.stringify(s.type)}, RollingUpdate:(*apps.RollingUpdateDeployment)(${s.rollingUpdate ? '0xc…' : 'nil'})}: supported values: "Recreate", "RollingUpdate"`,
  }),
};

/** resource.ParseQuantity's refusal, what a real server answers for a malformed quantity. */
export const QUANTITY_MESSAGE = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

/**
 * A oneOf/anyOf (Quantity: string or number; IntOrString: integer or string) fails as one error:
 * the branch errors at the same path fold into it.
 */
export function foldAlternatives(errors: AjvError[]): AjvError[] {
  const alt = new Map<string, AjvError[]>();
  for (const e of errors) if (e.keyword === 'oneOf' || e.keyword === 'anyOf') alt.set(e.instancePath, []);
  const out: AjvError[] = [];
  for (const e of errors) {
    const branches = alt.get(e.instancePath);
    if (!branches) out.push(e);
    else if (e.keyword === 'oneOf' || e.keyword === 'anyOf') out.push({ ...e, params: { branches } });
    else branches.push(e);
  }
  return out;
}

function toCauses(obj: unknown, errors: AjvError[]): Cause[] {
  const f = fieldErrors();
  for (const e of foldAlternatives(errors)) {
    const path = fieldPath(obj, e.instancePath);
    const value = valueAt(obj, e.instancePath);
    switch (e.keyword) {
      case 'type':
        f.typeInvalid(path, typeName(value), `${path} in body must be of type ${e.params.type}: "${typeName(value)}"`);
        break;
      case 'enum': {
        const parent = ENUM_ON_PARENT[`${(obj as { kind?: string }).kind} ${path}`];
        if (parent) f.list.push(parent(valueAt(obj, e.instancePath.replace(/\/[^/]*$/, '')) as Record<string, unknown>));
        else f.notSupported(path, value, e.params.allowedValues as unknown[]);
        break;
      }
      case 'required': {
        const missing = String(e.params.missingProperty);
        f.required(path ? `${path}.${missing}` : missing, REQUIRED_DETAIL[missing] ?? '');
        break;
      }
      case 'format':
        f.typeInvalid(path, value, `${path} in body must be of type ${e.params.format}: ${JSON.stringify(String(value))}`);
        break;
      case 'oneOf':
      case 'anyOf': {
        const branches = e.params.branches as AjvError[];
        if (branches.some((b) => b.keyword === 'format' && b.params.format === 'quantity')) f.invalid(path, value, QUANTITY_MESSAGE);
        else {
          const types = [...new Set(branches.filter((b) => b.keyword === 'type').map((b) => String(b.params.type)))];
          f.typeInvalid(path, typeName(value), `${path} in body must be of type ${types.join(' or ') || 'the declared type'}: "${typeName(value)}"`);
        }
        break;
      }
      default:
        f.invalid(path, value, `${path} in body failed schema rule ${e.keyword} ${JSON.stringify(e.params)}`);
    }
  }
  return f.list;
}

/** Checks `obj` against its kind's schema; kinds the stand-in has no schema for pass unchecked. */
export function checkSchema(obj: Record<string, unknown>): SchemaResult {
  const model = MODELS[`${obj.apiVersion}/${obj.kind}`];
  if (!model) {
    // a custom resource: its CRD's structural schema
    const schema = kindByKind(String(obj.apiVersion), String(obj.kind))?.schema;
    if (!schema) return { unknown: [], unknownSegments: [], errors: [], causes: [] };
    const unknownSegments = customUnknownFields(obj, schema);
    const errors = customSchemaErrors(obj, schema);
    // no Go type to convert a custom resource to: an int-or-string is the schema's to refuse
    return { unknown: unknownSegments.map(dotted), unknownSegments, errors: foldAlternatives(errors).filter((e) => e.keyword !== 'anyOf' && e.keyword !== 'oneOf'), causes: toCauses(obj, errors) };
  }
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
  let errors: AjvError[] = [];
  try {
    model.prototype.validate.call(wrap(obj));
  } catch (e) {
    const list = (e as { errors?: AjvError[] }).errors;
    if (!Array.isArray(list)) throw e;
    errors = list;
  }
  const unknown: string[] = [];
  const unknownSegments: string[][] = [];
  const walk = (v: unknown, path: string, segs: string[]) => {
    if (Array.isArray(v)) v.forEach((item, i) => walk(item, `${path}[${i}]`, [...segs, String(i)]));
    else if (isContainer(v)) {
      const seen = read.get(v);
      if (!seen) return;
      for (const [k, child] of Object.entries(v)) {
        const p = path ? `${path}.${k}` : k;
        if (!seen.has(k)) {
          unknown.push(p);
          unknownSegments.push([...segs, k]);
        } else walk(child, p, [...segs, k]);
      }
    }
  };
  walk(obj, '', []);
  // A field that only Kubernetes 1.33 declares is undeclared on the lab's 1.32.
  const known = new Set(unknownSegments.map((x) => JSON.stringify(x)));
  for (const segs of fieldsNot132(obj)) {
    if (known.has(JSON.stringify(segs))) continue;
    unknownSegments.push(segs);
    unknown.push(dotted(segs));
  }
  if (obj.kind === 'CustomResourceDefinition') {
    // its schemas are checked key by key: the models' validator does not walk into nested schemas
    const versions = (obj.spec as { versions?: Array<{ schema?: { openAPIV3Schema?: unknown } }> } | undefined)?.versions ?? [];
    const inSchema = (segs: string[]) => segs.length > 5 && segs[0] === 'spec' && segs[1] === 'versions' && segs[3] === 'schema' && segs[4] === 'openAPIV3Schema';
    const kept = unknownSegments.filter((segs) => !inSchema(segs));
    const nested = versions.flatMap((v, i) => schemaPropsUnknown(v.schema?.openAPIV3Schema, ['spec', 'versions', String(i), 'schema', 'openAPIV3Schema']));
    const all = [...kept, ...nested];
    return { unknown: all.map(dotted), unknownSegments: all, errors: foldAlternatives(errors), causes: toCauses(obj, errors) };
  }
  return { unknown, unknownSegments, errors: foldAlternatives(errors), causes: toCauses(obj, errors) };
}

/** `['spec', 'ports', '0', 'port']` → `spec.ports[0].port`. */
function dotted(segs: string[]): string {
  return segs.reduce((p, seg) => (/^\d+$/.test(seg) ? `${p}[${seg}]` : p ? `${p}.${seg}` : seg), '');
}

export function unknownFields(obj: Record<string, unknown>): string[] {
  return checkSchema(obj).unknown;
}
