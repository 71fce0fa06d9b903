// Kubernetes API stand-in: how server-side apply (structured-merge-diff) treats each list and struct
// of an object, from the schema alone, for the typed patch (typed-patch.ts), the field sets
// (fieldset.ts) and the merge (apply.ts) alike:
// - `x-kubernetes-list-type: map` with `x-kubernetes-list-map-keys`: an associative list, its items
//   owned and merged by key (containers by name, container ports by containerPort and protocol, ...);
// - `set`: items of a list of scalars owned one by one (`finalizers`);
// - `atomic` or none: the list is one value, owned and replaced whole;
// - `x-kubernetes-map-type: atomic` on a struct (Go `+structType=atomic`: ObjectReference,
//   LabelSelector, SecretKeySelector, ...): owned and replaced whole, never merged field by field.
// The schema is Kubernetes 1.32's (openapi/v1.32.json) for the kinds served, the CRD's structural
// schema for a custom resource.
import { kindByKind } from './kinds.js';
import { child, isAtomicStruct, isSet, listMapKeys, resolve, rootSchema, type Schema } from './openapi/schema.js';

type Obj = Record<string, any>;

export type ListType = { type: 'map'; keys: string[] } | { type: 'set' } | { type: 'atomic' };

/**
 * `+default` of a list-map key, which an item may omit (structured-merge-diff takes the default from
 * the schema; Kubernetes' OpenAPI v2 does not carry defaults: both ports lists default `protocol`
 * to TCP, the only defaulted key of the kinds served).
 */
export const KEY_DEFAULTS: Record<string, unknown> = { protocol: 'TCP' };

/** The schema of an object's root: its 1.32 definition, or its CRD's schema. */
export function rootOf(obj: Obj): Schema | undefined {
  return rootSchema(obj.apiVersion, obj.kind) ?? (kindByKind(String(obj.apiVersion), String(obj.kind))?.schema as Schema | undefined);
}

/** The schema at `segs` (field names, map keys and list indexes) below `root`. */
export function schemaBelow(root: Schema | undefined, segs: readonly string[]): Schema | undefined {
  let s = root;
  for (const seg of segs) {
    s = child(s, seg);
    if (!s) return undefined;
  }
  return s;
}

/** How the list at `segs` of `obj` is merged; undefined when the schema has no list there. */
export function listTypeAt(obj: Obj, segs: readonly string[]): ListType | undefined {
  const s = resolve(schemaBelow(rootOf(obj), segs));
  if (s?.type !== 'array') return undefined;
  const keys = listMapKeys(s);
  if (keys) return { type: 'map', keys };
  return isSet(s) ? { type: 'set' } : { type: 'atomic' };
}

/** The keys of the associative list at `segs`, or undefined when it is none. */
export function listKeysAt(obj: Obj, segs: readonly string[]): string[] | undefined {
  const t = listTypeAt(obj, segs);
  return t?.type === 'map' ? t.keys : undefined;
}

/** Whether the struct at `segs` of `obj` is atomic (owned and replaced whole). */
export function atomicStructAt(obj: Obj, segs: readonly string[]): boolean {
  return isAtomicStruct(schemaBelow(rootOf(obj), segs));
}

/**
 * Every associative list and atomic struct a kind's schema declares, by path (`spec.template.spec.
 * containers[].ports`): what the functions above read, as one table to look at.
 */
export function listTable(apiVersion: string, kind: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (s: Schema | undefined, path: string, seen: string[]) => {
    const name = s?.$ref;
    if (name && seen.includes(name)) return;
    const r = resolve(s);
    if (!r) return;
    const along = name ? [...seen, name] : seen;
    if (r.type === 'array') {
      const keys = listMapKeys(r);
      out[path] = keys ? `map ${keys.join(',')}` : isSet(r) ? 'set' : 'atomic';
      walk(r.items, `${path}[]`, along);
      return;
    }
    if (isAtomicStruct(r)) {
      out[path] = 'atomic struct';
      return;
    }
    for (const [k, p] of Object.entries(r.properties ?? {})) walk(p, path ? `${path}.${k}` : k, along);
  };
  walk(rootSchema(apiVersion, kind), '', []);
  return out;
}
