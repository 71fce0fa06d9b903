// Kubernetes API stand-in: the OpenAPI schema check. Every object of a kind served is checked against
// Kubernetes 1.32's OpenAPI definitions (openapi/v1.32.json, the lab's kubectl is 1.32): types,
// required fields, formats and undeclared fields (what `fieldValidation=Strict` and server-side apply
// refuse); enums, which that document lacks, from `kubernetes-models` (schema v1.33.0, the same enum
// values for these kinds' writable fields: docs/standin-schema.md).
//
// Causes follow the API server's field errors (k8s.io/apimachinery/pkg/util/validation/field):
//   spec.ports[0].protocol: Unsupported value: "tcp": supported values: "SCTP", "TCP", "UDP"
// Every verb decodes first (decode-errors.ts, typed-patch.ts): a mistyped value never gets here.
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
import { rootSchema } from './openapi/schema.js';
import { validate132 } from './openapi/validate.js';
import { customSchemaErrors, customUnknownFields, schemaPropsUnknown } from './custom-resources.js';
import { kindByKind } from './kinds.js';

/**
 * Where each part of the schema comes from: types, required fields, formats and the field set from
 * Kubernetes 1.32's OpenAPI document (release-1.32 api/openapi-spec/swagger.json, openapi/trim.ts),
 * enums from kubernetes-models 4.5.x ("Update schema version to v1.33.0"; npm has no kubernetes-models
 * for 1.32). The lab's kubectl is 1.32.
 */
export const SCHEMA_VERSION = { schema: '1.32', enums: '1.33', models: '4.5' };

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

import { QUANTITY_MESSAGE } from './quantity.js';

export { QUANTITY_MESSAGE };

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
    else if (e.keyword === 'oneOf' || e.keyword === 'anyOf') out.push({ ...e, params: { ...e.params, branches: [...((e.params.branches as AjvError[] | undefined) ?? []), ...branches] } });
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
        const quantity = branches.find((b) => b.keyword === 'format' && b.params.format === 'quantity');
        if (quantity) f.invalid(path, value, String(quantity.params.message ?? QUANTITY_MESSAGE));
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
  // Types, required fields, formats and the field set: Kubernetes 1.32's definitions.
  const checked = validate132(obj, rootSchema(obj.apiVersion, obj.kind)!);
  // Enums: the v2 document has none; kubernetes-models' (1.33) validators have them, and the values
  // of every enum these kinds' writable fields use are the same in 1.32 (docs/standin-schema.md).
  let modelErrors: AjvError[] = [];
  try {
    model.prototype.validate.call(obj);
  } catch (e) {
    const list = (e as { errors?: AjvError[] }).errors;
    if (!Array.isArray(list)) throw e;
    modelErrors = list;
  }
  const errors: AjvError[] = [...checked.errors, ...modelErrors.filter((e) => e.keyword === 'enum' && valueAt(obj, e.instancePath) !== null)];
  const unknownSegments = checked.unknown;
  const unknown = unknownSegments.map(dotted);
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
