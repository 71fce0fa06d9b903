// Kubernetes API stand-in: field sets in the spirit of structured-merge-diff (an approximation).
// A path is a list of elements: `f:<field>`, `k:<json key>` for an item of an associative list,
// `.` for the item itself. Lists that are no associative list and atomic structs (list-types.ts) are
// leaves: owned whole.
import { atomicStructAt, KEY_DEFAULTS, listKeysAt } from './list-types.js';

export type Path = string[];

const IGNORED_META = new Set(['name', 'namespace', 'uid', 'resourceVersion', 'generation', 'creationTimestamp', 'managedFields', 'selfLink', 'deletionTimestamp']);

export function isPlainObject(v: unknown): v is Record<string, any> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * The merge keys of the associative list at `segs` of `root` (list-types.ts, from the schema) when
 * every item is a map; undefined: the list is atomic.
 */
export function listKeyFields(root: Record<string, any>, segs: readonly string[], items: unknown[]): string[] | undefined {
  return items.every(isPlainObject) ? listKeysAt(root, segs) : undefined;
}

export function itemKey(keys: string[], item: Record<string, any>): string {
  const k: Record<string, unknown> = {};
  for (const f of keys) k[f] = item[f] ?? KEY_DEFAULTS[f];
  return `k:${JSON.stringify(k)}`;
}

export function pathId(p: Path): string {
  return JSON.stringify(p);
}

/** Every leaf path an applied configuration sets (metadata identity and status excluded). */
export function fieldSetOf(obj: Record<string, any>): Set<string> {
  const out = new Set<string>();
  // path: FieldsV1 elements; segs: the same place as field names and list indexes, for the schema
  const walk = (v: unknown, path: Path, segs: string[]) => {
    if (isPlainObject(v) && !atomicStructAt(obj, segs)) {
      const entries = Object.entries(v);
      if (!entries.length) out.add(pathId(path));
      for (const [k, child] of entries) walk(child, [...path, `f:${k}`], [...segs, k]);
      return;
    }
    if (Array.isArray(v)) {
      const keys = listKeyFields(obj, segs, v);
      if (keys && v.length) {
        for (const [i, item] of v.entries()) {
          const ip = [...path, itemKey(keys, item)];
          out.add(pathId([...ip, '.']));
          for (const [k, child] of Object.entries(item)) walk(child, [...ip, `f:${k}`], [...segs, String(i), k]);
        }
        return;
      }
    }
    out.add(pathId(path));
  };
  for (const [k, v] of Object.entries(obj)) {
    if (k === 'apiVersion' || k === 'kind' || k === 'status') continue;
    if (k === 'metadata' && isPlainObject(v)) {
      for (const [mk, mv] of Object.entries(v)) if (!IGNORED_META.has(mk)) walk(mv, ['f:metadata', `f:${mk}`], ['metadata', mk]);
      continue;
    }
    walk(v, [`f:${k}`], [k]);
  }
  return out;
}

/** Locates the value at a path; undefined when absent. */
export function getAt(obj: unknown, path: Path): unknown {
  let cur: unknown = obj;
  for (const el of path) {
    if (el === '.') return cur;
    if (el.startsWith('f:')) {
      if (!isPlainObject(cur)) return undefined;
      cur = cur[el.slice(2)];
    } else if (el.startsWith('k:')) {
      if (!Array.isArray(cur)) return undefined;
      const want = JSON.parse(el.slice(2)) as Record<string, unknown>;
      cur = cur.find((i) => isPlainObject(i) && Object.entries(want).every(([f, val]) => (i[f] ?? KEY_DEFAULTS[f]) === val));
    } else return undefined;
    if (cur === undefined) return undefined;
  }
  return cur;
}

/** Removes the field (or list item for a trailing `.`) at path, pruning maps left empty. */
export function removeAt(obj: Record<string, any>, path: Path): void {
  if (!path.length) return;
  const parentPath = path[path.length - 1] === '.' ? path.slice(0, -2) : path.slice(0, -1);
  const last = path[path.length - 1] === '.' ? path[path.length - 2]! : path[path.length - 1]!;
  const parent = getAt(obj, parentPath);
  if (last.startsWith('f:') && isPlainObject(parent)) delete parent[last.slice(2)];
  else if (last.startsWith('k:') && Array.isArray(parent)) {
    const item = getAt(obj, [...parentPath, last]);
    const idx = parent.indexOf(item);
    if (idx >= 0) parent.splice(idx, 1);
  } else return;
  const isEmpty = (v: unknown) => (isPlainObject(v) && !Object.keys(v).length) || (Array.isArray(v) && !v.length);
  if (parentPath.length > 1 && isEmpty(parent)) removeAt(obj, parentPath);
}

export function toFieldsV1(set: Set<string>): Record<string, any> {
  const root: Record<string, any> = {};
  for (const id of [...set].sort()) {
    let node = root;
    for (const el of JSON.parse(id) as Path) node = node[el] ??= {};
  }
  return root;
}

export function fromFieldsV1(f: Record<string, any> | undefined): Set<string> {
  const out = new Set<string>();
  const walk = (node: Record<string, any>, path: Path) => {
    const keys = Object.keys(node);
    if (!keys.length) {
      if (path.length) out.add(pathId(path));
      return;
    }
    for (const k of keys) walk(node[k], [...path, k]);
  };
  if (f) walk(f, []);
  return out;
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const ka = Object.keys(a).filter((k) => a[k] !== undefined);
    const kb = Object.keys(b).filter((k) => b[k] !== undefined);
    return ka.length === kb.length && ka.every((k) => deepEqual(a[k], b[k]));
  }
  return false;
}
