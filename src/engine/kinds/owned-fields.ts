// What a field manager owns in a live object and which of it the desired object no longer sets.
// Server-side apply removes a field its manager applied before and omits now, unless another
// manager owns it too ("Server-Side Apply", field management): those are the removals a plan must
// show. Ownership is the live object's metadata.managedFields, FieldsV1 as the API server writes it:
// `f:<field>`, `k:<json key>` (an item of an associative list), `v:<json value>` (a set item),
// `i:<index>`, and `.` for the item itself.
import type { K8sObject } from '../../resources/types.js';
import { isSecret } from '../../secret.js';

type Node = Record<string, unknown>;

function isMap(v: unknown): v is Node {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !isSecret(v);
}

interface Entry {
  manager?: string;
  operation?: string;
  fieldsV1?: Node;
}

function entries(live: K8sObject): Entry[] {
  const mf = (live.metadata as { managedFields?: unknown }).managedFields;
  return Array.isArray(mf) ? (mf.filter(isMap) as Entry[]) : [];
}

/** Leaf paths of a FieldsV1 tree; an owned item itself ends in `.`. */
function leaves(tree: Node | undefined, prefix: string[] = []): string[][] {
  if (!tree) return [];
  const keys = Object.keys(tree);
  if (!keys.length) return prefix.length ? [prefix] : [];
  return keys.flatMap((k) => (k === '.' ? [[...prefix, '.']] : leaves(isMap(tree[k]) ? (tree[k] as Node) : {}, [...prefix, k])));
}

function looseEqual(a: unknown, b: unknown): boolean {
  return a === b || ((typeof a === 'number' || typeof a === 'string') && (typeof b === 'number' || typeof b === 'string') && String(a) === String(b));
}

/** The item of a list that a `k:`, `v:` or `i:` element names; undefined when none. */
function itemOf(list: unknown[], el: string): unknown {
  const body = el.slice(2);
  if (el.startsWith('i:')) return list[Number(body)];
  const want = JSON.parse(body) as unknown;
  if (el.startsWith('v:')) return list.find((i) => JSON.stringify(i) === JSON.stringify(want));
  return list.find(
    (i) => isMap(i) && isMap(want) && Object.entries(want).every(([f, v]) => looseEqual(i[f] ?? (f === 'protocol' ? 'TCP' : undefined), v)),
  );
}

/** Whether the object sets something at a FieldsV1 path. */
export function hasPath(obj: unknown, path: string[]): boolean {
  let cur: unknown = obj;
  for (const el of path) {
    if (el.startsWith('f:')) cur = isMap(cur) ? cur[el.slice(2)] : undefined;
    else if (/^[kvi]:/.test(el)) cur = Array.isArray(cur) ? itemOf(cur, el) : undefined;
    else return false;
    if (cur === undefined || cur === null) return false;
  }
  return true;
}

/** The value at a FieldsV1 path; undefined when absent. */
export function valueAt(obj: unknown, path: string[]): unknown {
  let cur: unknown = obj;
  for (const el of path) {
    if (el.startsWith('f:')) cur = isMap(cur) ? cur[el.slice(2)] : undefined;
    else cur = Array.isArray(cur) ? itemOf(cur, el) : undefined;
    if (cur === undefined) return undefined;
  }
  return cur;
}

/** `spec.template.spec.containers[name=registry].resources.limits.memory` */
export function describeFieldPath(path: string[]): string {
  return path
    .map((el, i) => {
      if (el.startsWith('f:')) return `${i ? '.' : ''}${el.slice(2)}`;
      if (el.startsWith('k:')) return `[${Object.entries(JSON.parse(el.slice(2)) as Node).map(([k, v]) => `${k}=${String(v)}`).join(',')}]`;
      if (el.startsWith('v:')) return `[${String(JSON.parse(el.slice(2)))}]`;
      return `[${el.slice(2)}]`;
    })
    .join('');
}

const isPrefix = (p: string[], of: string[]) => p.length <= of.length && p.every((el, i) => of[i] === el);

/**
 * Paths the manager applied (its `Apply` entry) that the desired object no longer sets and no other
 * manager owns: server-side apply removes these from the live object. A dropped list item or map is
 * one path when nobody else owns anything in it.
 */
export function removedFields(desired: K8sObject, live: K8sObject, manager: string): string[][] {
  const all = entries(live);
  const mine = all.find((e) => e.manager === manager && e.operation === 'Apply');
  if (!mine) return [];
  const others = all.filter((e) => e !== mine).flatMap((e) => leaves(e.fieldsV1));
  const field = (p: string[]) => (p[p.length - 1] === '.' ? p.slice(0, -1) : p);
  // another manager owns this field, or an atomic value (not merely the item) above it
  const shared = (p: string[]) => others.some((o) => (o[o.length - 1] === '.' ? isPrefix(o.slice(0, -1), p) && o.length - 1 === p.length : isPrefix(o, p)));
  const out: string[][] = [];
  for (const leaf of leaves(mine.fieldsV1)) {
    const path = field(leaf);
    if (!path.length || hasPath(desired, path) || !hasPath(live, path) || shared(path)) continue;
    let cut = path;
    for (let n = 1; n < path.length; n++) {
      const p = path.slice(0, n);
      if (!hasPath(desired, p) && !others.some((o) => isPrefix(p, field(o)))) {
        cut = p;
        break;
      }
    }
    if (!out.some((p) => isPrefix(p, cut))) out.push(cut);
  }
  // An atomic map or struct (`x-kubernetes-map-type: atomic`, e.g. a pod's nodeSelector) is owned as
  // one leaf even when the manager applied fields in it (a granular one would list them), and an
  // apply replaces it whole: the fields live has there and desired does not go too.
  for (const leaf of leaves(mine.fieldsV1)) {
    if (leaf[leaf.length - 1] === '.' || shared(leaf)) continue;
    const want = valueAt(desired, leaf);
    const have = valueAt(live, leaf);
    if (!isMap(want) || !Object.keys(want).length || !isMap(have)) continue;
    for (const key of Object.keys(have)) {
      const p = [...leaf, `f:${key}`];
      if (want[key] === undefined && !out.some((q) => isPrefix(q, p))) out.push(p);
    }
  }
  return out;
}

/**
 * The desired object with the live values put back at the removed paths (copied along the path
 * only): projected onto live, it is the "before" of a diff that shows the removal.
 */
export function withRemoved(desired: K8sObject, live: K8sObject, removed: string[][]): K8sObject {
  const put = (node: unknown, liveNode: unknown, path: string[]): unknown => {
    const [el, ...rest] = path;
    if (el === undefined) return node;
    if (el.startsWith('f:')) {
      const key = el.slice(2);
      const here = isMap(node) ? node : {};
      const liveHere = isMap(liveNode) ? liveNode[key] : undefined;
      return { ...here, [key]: rest.length ? put(here[key], liveHere, rest) : liveHere };
    }
    if (!Array.isArray(node) || !Array.isArray(liveNode)) return node;
    const liveItem = itemOf(liveNode, el);
    const at = node.indexOf(itemOf(node, el) as never);
    if (at >= 0) return node.map((item, i) => (i === at ? put(item, liveItem, rest) : item));
    if (rest.length) return node;
    const copy = [...node];
    copy.splice(Math.min(liveNode.indexOf(liveItem), copy.length), 0, liveItem);
    return copy;
  };
  return removed.reduce((o, path) => put(o, live, path) as K8sObject, desired);
}
