// Kubernetes API stand-in: Kubernetes 1.32's OpenAPI definitions of the kinds it serves (v1.32.json,
// see trim.ts for its source) and the Go type of each field (go-types-1.32.json, see go-types.ts).
// What structured-merge-diff reads from them: associative lists (`x-kubernetes-list-type: map` and
// their `x-kubernetes-list-map-keys`), sets, atomic lists and atomic structs (`x-kubernetes-map-type:
// atomic`, Go's `+structType=atomic`).
import { readFileSync } from 'node:fs';
import { ROOTS } from './roots.js';

export interface Schema {
  type?: string;
  format?: string;
  $ref?: string;
  items?: Schema;
  additionalProperties?: Schema | boolean;
  properties?: Record<string, Schema>;
  required?: string[];
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-map-type'?: 'atomic' | 'granular';
  'x-kubernetes-patch-strategy'?: string;
  'x-kubernetes-patch-merge-key'?: string;
}

const load = <T>(file: string): T => JSON.parse(readFileSync(new URL(file, import.meta.url), 'utf8')) as T;
export const DEFINITIONS = load<{ definitions: Record<string, Schema> }>('./v1.32.json').definitions;
const GO_TYPES = load<{ types: Record<string, Record<string, string>> }>('./go-types-1.32.json').types;

export const QUANTITY = 'io.k8s.apimachinery.pkg.api.resource.Quantity';
export const INT_OR_STRING = 'io.k8s.apimachinery.pkg.util.intstr.IntOrString';
export const TIME = 'io.k8s.apimachinery.pkg.apis.meta.v1.Time';

/** The definition a `$ref` names (`#/definitions/<name>` → `<name>`). */
export const refName = (s: Schema | undefined): string | undefined => s?.$ref?.replace('#/definitions/', '');

/** The schema itself, its `$ref` followed. */
export function resolve(s: Schema | undefined): Schema | undefined {
  const name = refName(s);
  return name ? DEFINITIONS[name] : s;
}

/** The schema of a kind the stand-in serves (`apps/v1`, `Deployment`); undefined for others. */
export function rootSchema(apiVersion: unknown, kind: unknown): Schema | undefined {
  const name = ROOTS[`${apiVersion}/${kind}`];
  return name ? { $ref: `#/definitions/${name}` } : undefined;
}

/** The schema of a field of an object or an item of a list/map; undefined when undeclared. */
export function child(s: Schema | undefined, segment: string): Schema | undefined {
  const r = resolve(s);
  if (!r) return undefined;
  if (r.type === 'array') return r.items;
  if (r.properties) return r.properties[segment];
  if (typeof r.additionalProperties === 'object') return r.additionalProperties;
  return undefined;
}

/** The schema at a path of field names and list indexes from a root. */
export function schemaAt(root: Schema | undefined, segments: string[]): Schema | undefined {
  let s = root;
  for (const seg of segments) {
    s = child(s, seg);
    if (!s) return undefined;
  }
  return s;
}

/** `x-kubernetes-list-map-keys` of an associative list (`x-kubernetes-list-type: map`). */
export function listMapKeys(s: Schema | undefined): string[] | undefined {
  const r = resolve(s);
  return r?.type === 'array' && r['x-kubernetes-list-type'] === 'map' ? r['x-kubernetes-list-map-keys'] : undefined;
}

/** A list of scalars owned item by item (`x-kubernetes-list-type: set`). */
export function isSet(s: Schema | undefined): boolean {
  const r = resolve(s);
  return r?.type === 'array' && r['x-kubernetes-list-type'] === 'set';
}

/** The strategic merge patch's merge key of a list (`patchStrategy:"merge"`, `patchMergeKey`). */
export function patchMergeKey(s: Schema | undefined): string | undefined {
  const r = resolve(s);
  return r?.type === 'array' && r['x-kubernetes-patch-strategy']?.split(',').includes('merge') ? r['x-kubernetes-patch-merge-key'] : undefined;
}

/** A struct owned and replaced whole by server-side apply (`x-kubernetes-map-type: atomic`). */
export function isAtomicStruct(s: Schema | undefined): boolean {
  return resolve(s)?.['x-kubernetes-map-type'] === 'atomic';
}

/** The Go struct's name (`DeploymentSpec`) of a definition. */
export const goStructName = (def: string): string => def.slice(def.lastIndexOf('.') + 1);

/** The Go types of a struct definition's fields, in the struct's order (embedded structs' fields in place). */
export function goFieldTypes(def: string): Record<string, string> {
  return GO_TYPES[def] ?? {};
}

/** reflect's Type.String() of the Go type of a field of a struct definition, pointers dereferenced. */
export function goFieldType(def: string, field: string, s: Schema): string {
  return GO_TYPES[def]?.[field] ?? goTypeOf(s);
}

/** Type.String() of a Go type the schema alone describes (where go-types has no entry). */
export function goTypeOf(s: Schema | undefined): string {
  const name = refName(s);
  if (name) return `${name.split('.').at(-2)}.${goStructName(name)}`;
  switch (s?.type) {
    case 'integer':
      return s.format === 'int32' ? 'int32' : 'int64';
    case 'number':
      return 'float64';
    case 'boolean':
      return 'bool';
    case 'string':
      return s.format === 'byte' ? '[]uint8' : 'string';
    case 'array':
      return `[]${goTypeOf(s.items)}`;
    default:
      return typeof s?.additionalProperties === 'object' ? `map[string]${goTypeOf(s.additionalProperties)}` : 'interface {}';
  }
}
