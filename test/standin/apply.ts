// Kubernetes API stand-in: server-side apply, approximated. The manager's previous field set is
// replaced by the new one: fields it no longer applies (and nobody else owns) are removed, applied
// fields are merged in (associative lists by merge key, other lists atomically), and fields another
// manager owns with a different value conflict unless forced.
import { atomicStructAt } from './list-types.js';
import {
  deepEqual,
  fieldSetOf,
  fromFieldsV1,
  getAt,
  isPlainObject,
  itemKey,
  listKeyFields,
  removeAt,
  toFieldsV1,
  type Path,
} from './fieldset.js';

export type Obj = Record<string, any>;

export interface ManagedFieldsEntry {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time: string;
  fieldsType: 'FieldsV1';
  fieldsV1: Record<string, any>;
  subresource?: string;
}

export interface Conflict {
  manager: string;
  field: string;
}

export interface ApplyResult {
  object: Obj;
  conflicts: Conflict[];
}

/**
 * Merges an applied value into the live one at `segs` of `root` (the applied object, whose kind
 * gives the schema): maps field by field, associative lists item by item; atomic lists and atomic
 * structs are replaced whole.
 */
export function mergeInto(live: unknown, applied: unknown, root: Obj = isPlainObject(applied) ? applied : {}, segs: string[] = []): unknown {
  if (isPlainObject(live) && isPlainObject(applied) && !atomicStructAt(root, segs)) {
    const out: Obj = { ...live };
    for (const [k, v] of Object.entries(applied)) {
      if (v === null) delete out[k];
      else out[k] = mergeInto(live[k], v, root, [...segs, k]);
    }
    return out;
  }
  if (Array.isArray(live) && Array.isArray(applied)) {
    const keys = listKeyFields(root, segs, [...live, ...applied]);
    if (keys) {
      const out = live.map((i) => structuredClone(i));
      for (const [i, item] of applied.entries()) {
        const id = itemKey(keys, item);
        const idx = out.findIndex((o) => itemKey(keys, o) === id);
        // the item's schema is the list's items schema, whichever index it has
        if (idx >= 0) out[idx] = mergeInto(out[idx], item, root, [...segs, String(i)]);
        else out.push(structuredClone(item));
      }
      return out;
    }
  }
  return structuredClone(applied);
}

/** Dotted form of a path for conflict messages: `.spec.replicas`, `.spec.containers[name="x"].image`. */
export function describePath(p: Path): string {
  return p
    .filter((el) => el !== '.')
    .map((el) => {
      if (el.startsWith('f:')) return `.${el.slice(2)}`;
      const key = JSON.parse(el.slice(2)) as Record<string, unknown>;
      return `[${Object.entries(key).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',')}]`;
    })
    .join('');
}

function managedOf(obj: Obj): ManagedFieldsEntry[] {
  return Array.isArray(obj.metadata?.managedFields) ? obj.metadata.managedFields : [];
}

export function serverSideApply(
  live: Obj | undefined,
  applied: Obj,
  manager: string,
  force: boolean,
  time: string,
): ApplyResult {
  const appliedSet = fieldSetOf(applied);
  const base: Obj = live
    ? structuredClone(live)
    : { apiVersion: applied.apiVersion, kind: applied.kind, metadata: { name: applied.metadata?.name } };
  if (!live && applied.metadata?.namespace) base.metadata.namespace = applied.metadata.namespace;
  const entries = managedOf(base);
  const mine = entries.find((e) => e.manager === manager && e.operation === 'Apply');
  const others = entries.filter((e) => e !== mine);

  const conflicts: Conflict[] = [];
  const otherSets = others.map((e) => ({ entry: e, set: fromFieldsV1(e.fieldsV1) }));
  for (const id of appliedSet) {
    const path = JSON.parse(id) as Path;
    for (const o of otherSets) {
      if (!o.set.has(id)) continue;
      if (path[path.length - 1] === '.' || deepEqual(getAt(base, path), getAt(applied, path))) continue;
      if (force) o.set.delete(id);
      else conflicts.push({ manager: o.entry.manager, field: describePath(path) });
    }
  }
  if (conflicts.length) return { object: base, conflicts };

  const previous = fromFieldsV1(mine?.fieldsV1);
  const ownedByOthers = new Set(otherSets.flatMap((o) => [...o.set]));
  for (const id of previous) {
    if (appliedSet.has(id) || ownedByOthers.has(id)) continue;
    removeAt(base, JSON.parse(id) as Path);
  }

  const { metadata: appliedMeta = {}, ...appliedRest } = applied;
  const merged = mergeInto(base, { ...appliedRest, metadata: stripIdentity(appliedMeta) }) as Obj;

  const newEntries: ManagedFieldsEntry[] = [];
  const sameSet = mine && deepEqual(mine.fieldsV1, toFieldsV1(appliedSet));
  newEntries.push({
    manager,
    operation: 'Apply',
    apiVersion: applied.apiVersion,
    time: sameSet ? mine.time : time,
    fieldsType: 'FieldsV1',
    fieldsV1: toFieldsV1(appliedSet),
  });
  for (const o of otherSets) {
    if (!o.set.size) continue;
    newEntries.push({ ...o.entry, fieldsV1: toFieldsV1(o.set) });
  }
  merged.metadata.managedFields = sortEntries(newEntries);
  return { object: merged, conflicts: [] };
}

/** Ownership after a non-apply write (create, patch, update): the writer owns what it changed. */
export function recordUpdate(before: Obj | undefined, after: Obj, manager: string, apiVersion: string, time: string): Obj {
  const out = structuredClone(after);
  const afterSet = fieldSetOf(out);
  const changed = new Set([...afterSet].filter((id) => !before || !deepEqual(getAt(before, JSON.parse(id)), getAt(out, JSON.parse(id)))));
  const entries = managedOf(before ?? {}).map((e) => ({ entry: e, set: fromFieldsV1(e.fieldsV1) }));
  for (const e of entries) for (const id of changed) e.set.delete(id);
  const mine = entries.find((e) => e.entry.manager === manager && e.entry.operation === 'Update');
  if (!changed.size && !mine) {
    out.metadata.managedFields = before?.metadata?.managedFields ?? [];
    return out;
  }
  const result: ManagedFieldsEntry[] = entries.filter((e) => e !== mine && e.set.size).map((e) => ({ ...e.entry, fieldsV1: toFieldsV1(e.set) }));
  const mySet = new Set([...(mine?.set ?? []), ...changed]);
  result.push({ manager, operation: 'Update', apiVersion, time: changed.size ? time : mine!.entry.time, fieldsType: 'FieldsV1', fieldsV1: toFieldsV1(mySet) });
  out.metadata.managedFields = sortEntries(result);
  return out;
}

function sortEntries(e: ManagedFieldsEntry[]): ManagedFieldsEntry[] {
  return [...e].sort((a, b) => a.manager.localeCompare(b.manager) || a.operation.localeCompare(b.operation));
}

function stripIdentity(meta: Obj): Obj {
  const { uid, resourceVersion, generation, creationTimestamp, managedFields, ...rest } = meta;
  return rest;
}
