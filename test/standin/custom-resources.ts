// Kubernetes API stand-in: CustomResourceDefinitions (apiextensions.k8s.io/v1) and the custom
// resources they serve, as kube-apiserver's apiextensions-apiserver does for what a client sees:
// - a CRD is validated (pkg/apis/apiextensions/validation: metadata.name must be
//   `<spec.names.plural>.<spec.group>`, at least one version, exactly one storage version, a schema
//   per version in v1) and is Established at once (status.conditions NamesAccepted and Established,
//   acceptedNames, storedVersions), where a real server takes a moment;
// - its served versions join discovery (/apis, /apis/<group>/<version>) and the API: a group and
//   resource nobody defined stay unknown (404), exactly as before the CRD existed;
// - a custom resource is checked against its version's openAPIV3Schema (types, enums, required
//   fields) and, the schema being structural, fields it does not declare are unknown (refused by
//   server-side apply and fieldValidation=Strict) unless x-kubernetes-preserve-unknown-fields;
// - deleting the CRD deletes its custom resources.
import AjvModule from 'ajv';
import type { FieldErrors } from './field-errors.js';
import type { KindInfo } from './kinds.js';

export type Obj = Record<string, any>;

export const CRD_API_VERSION = 'apiextensions.k8s.io/v1';

/** The kinds an established CRD serves: one per served version. */
export function crdKinds(crd: Obj): KindInfo[] {
  const s = crd.spec ?? {};
  const established = (crd.status?.conditions ?? []).some((c: Obj) => c.type === 'Established' && c.status === 'True');
  if (!established) return [];
  return (s.versions ?? [])
    .filter((v: Obj) => v.served)
    .map((v: Obj) => ({
      kind: s.names.kind,
      group: s.group,
      version: v.name,
      plural: s.names.plural,
      singular: s.names.singular ?? String(s.names.kind).toLowerCase(),
      namespaced: s.scope === 'Namespaced',
      ...(s.names.shortNames ? { shortNames: s.names.shortNames } : {}),
      hasGeneration: true,
      schema: v.schema?.openAPIV3Schema,
      crd: crd.metadata.name,
    }));
}

export function validateCrd(o: Obj, live: Obj | undefined, f: FieldErrors): void {
  const s: Obj = o.spec ?? {};
  const names: Obj = s.names ?? {};
  if (o.metadata?.name !== `${names.plural}.${s.group}`) f.invalid('metadata.name', o.metadata?.name, 'must be spec.names.plural+"."+spec.group');
  const versions: Obj[] = Array.isArray(s.versions) ? s.versions : [];
  if (!versions.length) f.invalid('spec.versions', versions, 'must have exactly one version marked as storage version');
  else if (versions.filter((v) => v.storage).length !== 1) f.invalid('spec.versions', versions.map((v) => v.name), 'must have exactly one version marked as storage version');
  versions.forEach((v, i) => {
    if (!v.schema?.openAPIV3Schema) f.required(`spec.versions[${i}].schema.openAPIV3Schema`, 'schemas are required');
  });
  if (live && live.spec?.scope !== s.scope) f.immutable('spec.scope', s.scope);
  o.status = {
    conditions: [
      { type: 'NamesAccepted', status: 'True', reason: 'NoConflicts', message: 'no conflicts found' },
      { type: 'Established', status: 'True', reason: 'InitialNamesAccepted', message: 'the initial names have been accepted' },
    ],
    acceptedNames: { ...names, singular: names.singular ?? String(names.kind ?? '').toLowerCase() },
    storedVersions: versions.filter((v) => v.storage).map((v) => v.name),
  };
}

/** The OpenAPI v3 schema as JSON Schema for ajv: int-or-string and nullable spelled out. */
function toJsonSchema(schema: Obj): Obj {
  if (!schema || typeof schema !== 'object') return schema;
  const out: Obj = {};
  for (const [k, v] of Object.entries(schema)) {
    if (k === 'properties' || k === 'patternProperties') out[k] = Object.fromEntries(Object.entries(v as Obj).map(([p, s]) => [p, toJsonSchema(s as Obj)]));
    else if (k === 'items' || (k === 'additionalProperties' && typeof v === 'object')) out[k] = toJsonSchema(v as Obj);
    else if (k === 'allOf' || k === 'anyOf' || k === 'oneOf') out[k] = (v as Obj[]).map(toJsonSchema);
    else if (!k.startsWith('x-kubernetes-') && k !== 'nullable') out[k] = v;
  }
  if (schema['x-kubernetes-int-or-string']) {
    delete out.type;
    out.anyOf = [{ type: 'integer' }, { type: 'string' }];
  }
  if (schema.nullable && typeof out.type === 'string') out.type = [out.type, 'null'];
  return out;
}

const Ajv = (AjvModule as unknown as { default?: typeof AjvModule }).default ?? AjvModule;
const ajv = new (Ajv as any)({ allErrors: true, strict: false, validateFormats: false });
const compiled = new WeakMap<object, (o: unknown) => boolean>();

/** ajv's errors for `obj` (metadata, apiVersion and kind are the API server's, not the schema's). */
export function customSchemaErrors(obj: Obj, schema: Obj): Array<{ instancePath: string; keyword: string; params: Record<string, any> }> {
  let validate = compiled.get(schema) as ((o: unknown) => boolean) & { errors?: any[] };
  if (!validate) {
    const root = toJsonSchema(schema);
    root.properties = { ...(root.properties ?? {}), apiVersion: { type: 'string' }, kind: { type: 'string' }, metadata: { type: 'object' } };
    validate = ajv.compile(root);
    compiled.set(schema, validate);
  }
  const { status: _s, ...rest } = obj;
  return validate(rest) ? [] : (validate.errors ?? []);
}

/** Path segments of the fields the structural schema does not declare (what pruning would drop). */
export function customUnknownFields(obj: Obj, schema: Obj): string[][] {
  const out: string[][] = [];
  const walk = (v: unknown, s: Obj | undefined, segs: string[]) => {
    if (!s || s['x-kubernetes-preserve-unknown-fields']) return;
    if (Array.isArray(v)) return v.forEach((item, i) => walk(item, s.items, [...segs, String(i)]));
    if (!v || typeof v !== 'object') return;
    for (const [k, child] of Object.entries(v)) {
      const declared = s.properties?.[k] ?? (typeof s.additionalProperties === 'object' ? s.additionalProperties : undefined);
      if (declared) walk(child, declared, [...segs, k]);
      else if (s.additionalProperties !== true) out.push([...segs, k]);
    }
  };
  const { apiVersion: _a, kind: _k, metadata: _m, status: _s, ...rest } = obj;
  walk(rest, schema, []);
  return out;
}

/** JSONSchemaProps' fields (apiextensions.k8s.io/v1), the keys a schema node of a CRD may have. */
const SCHEMA_PROPS = new Set([
  '$ref', '$schema', 'additionalItems', 'additionalProperties', 'allOf', 'anyOf', 'default', 'definitions', 'dependencies',
  'description', 'enum', 'example', 'exclusiveMaximum', 'exclusiveMinimum', 'externalDocs', 'format', 'id', 'items',
  'maxItems', 'maxLength', 'maxProperties', 'maximum', 'minItems', 'minLength', 'minProperties', 'minimum', 'multipleOf',
  'not', 'nullable', 'oneOf', 'pattern', 'patternProperties', 'properties', 'required', 'title', 'type', 'uniqueItems',
  'x-kubernetes-embedded-resource', 'x-kubernetes-int-or-string', 'x-kubernetes-list-map-keys', 'x-kubernetes-list-type',
  'x-kubernetes-map-type', 'x-kubernetes-preserve-unknown-fields', 'x-kubernetes-validations',
]);

/**
 * Undeclared keys in a CRD's schema nodes (`items`, `additionalProperties` and the other nested
 * schemas are JSONSchemaProps too: the models' validator does not walk into them).
 */
export function schemaPropsUnknown(node: unknown, segs: string[]): string[][] {
  if (!node || typeof node !== 'object' || Array.isArray(node)) return [];
  const out: string[][] = [];
  const n = node as Obj;
  for (const k of Object.keys(n)) if (!SCHEMA_PROPS.has(k)) out.push([...segs, k]);
  const each = (key: string) => Object.entries(n[key] ?? {}).flatMap(([k, v]) => schemaPropsUnknown(v, [...segs, key, k]));
  out.push(...each('properties'), ...each('patternProperties'), ...each('definitions'));
  for (const key of ['items', 'additionalProperties', 'additionalItems', 'not']) {
    if (Array.isArray(n[key])) n[key].forEach((v: unknown, i: number) => out.push(...schemaPropsUnknown(v, [...segs, key, String(i)])));
    else out.push(...schemaPropsUnknown(n[key], [...segs, key]));
  }
  for (const key of ['allOf', 'anyOf', 'oneOf']) (Array.isArray(n[key]) ? n[key] : []).forEach((v: unknown, i: number) => out.push(...schemaPropsUnknown(v, [...segs, key, String(i)])));
  return out;
}
