// Kubernetes API stand-in: the three patch types kubectl sends (JSON merge patch, strategic merge
// patch approximated by merge keys, JSON patch).
import { isPlainObject, itemKey } from './fieldset.js';
import { rootOf, schemaBelow } from './list-types.js';
import { patchMergeKey } from './openapi/schema.js';

export type PatchType = 'merge' | 'strategic' | 'json';

export class PatchError extends Error {}

export function patchTypeOf(contentType: string): PatchType | 'apply' | undefined {
  const ct = contentType.split(';')[0]!.trim();
  if (ct === 'application/merge-patch+json') return 'merge';
  if (ct === 'application/strategic-merge-patch+json') return 'strategic';
  if (ct === 'application/json-patch+json') return 'json';
  if (ct === 'application/apply-patch+yaml' || ct === 'application/apply-patch+cbor') return 'apply';
  return undefined;
}

export function applyPatch(target: unknown, type: PatchType, patch: unknown): unknown {
  if (type === 'merge') return mergePatch(target, patch);
  if (type === 'strategic') return strategicPatch(target, patch, (target ?? {}) as Record<string, unknown>, []);
  return jsonPatch(target, patch);
}

export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return structuredClone(patch);
  const out: Record<string, unknown> = isPlainObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

/**
 * A strategic merge patch, approximated: lists merged by their `patchMergeKey` where the schema says
 * `patchStrategy: merge` (x-kubernetes-patch-strategy/-merge-key), others replaced.
 */
function strategicPatch(target: unknown, patch: unknown, root: Record<string, unknown>, segs: string[]): unknown {
  if (Array.isArray(patch)) {
    const key = patchMergeKey(schemaBelow(rootOf(root), segs));
    const keys = key && patch.every(isPlainObject) ? [key] : undefined;
    if (!keys || !Array.isArray(target)) {
      return patch.filter((p) => !(isPlainObject(p) && p.$patch));
    }
    const out = target.map((t) => structuredClone(t));
    for (const item of patch as Record<string, any>[]) {
      if (item.$patch === 'replace') return patch.filter((p) => !(isPlainObject(p) && p.$patch));
      const idx = out.findIndex((o) => itemKey(keys, o) === itemKey(keys, item));
      if (item.$patch === 'delete') {
        if (idx >= 0) out.splice(idx, 1);
      } else if (idx >= 0) out[idx] = strategicPatch(out[idx], item, root, [...segs, '0']);
      else out.push(strategicPatch(undefined, item, root, [...segs, '0']));
    }
    return out;
  }
  if (!isPlainObject(patch)) return structuredClone(patch);
  if (patch.$patch === 'replace') {
    const { $patch, ...rest } = patch;
    return rest;
  }
  if (patch.$patch === 'delete') return undefined;
  const out: Record<string, unknown> = isPlainObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (k.startsWith('$')) continue;
    if (k.startsWith('$setElementOrder/') || k.startsWith('$deleteFromPrimitiveList/') || k === '$retainKeys') continue;
    if (v === null) delete out[k];
    else {
      const next = strategicPatch(out[k], v, root, [...segs, k]);
      if (next === undefined) delete out[k];
      else out[k] = next;
    }
  }
  return out;
}

function pointer(path: string): string[] {
  if (path === '') return [];
  if (!path.startsWith('/')) throw new PatchError(`invalid JSON pointer ${JSON.stringify(path)}`);
  return path
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function parentOf(doc: any, parts: string[], op: string): any {
  let cur = doc;
  for (const p of parts.slice(0, -1)) {
    cur = Array.isArray(cur) ? cur[Number(p)] : isPlainObject(cur) ? cur[p] : undefined;
    if (cur === undefined) throw new PatchError(`${op}: path not found`);
  }
  return cur;
}

export function jsonPatch(target: unknown, ops: unknown): unknown {
  if (!Array.isArray(ops)) throw new PatchError('a JSON patch must be a list of operations');
  let doc: any = structuredClone(target);
  for (const op of ops as Record<string, any>[]) {
    const parts = pointer(String(op.path ?? ''));
    const get = (p: string[]) => {
      let cur = doc;
      for (const s of p) {
        cur = Array.isArray(cur) ? cur[Number(s)] : isPlainObject(cur) ? cur[s] : undefined;
        if (cur === undefined) throw new PatchError(`${op.op}: path ${op.path} not found`);
      }
      return cur;
    };
    const add = (p: string[], value: unknown) => {
      if (!p.length) {
        doc = value;
        return;
      }
      const parent = parentOf(doc, p, op.op);
      const last = p[p.length - 1]!;
      if (Array.isArray(parent)) parent.splice(last === '-' ? parent.length : Number(last), 0, value);
      else if (isPlainObject(parent)) parent[last] = value;
      else throw new PatchError(`${op.op}: parent of ${op.path} is not a container`);
    };
    const remove = (p: string[]) => {
      get(p);
      const parent = parentOf(doc, p, op.op);
      const last = p[p.length - 1]!;
      if (Array.isArray(parent)) parent.splice(Number(last), 1);
      else delete parent[last];
    };
    switch (op.op) {
      case 'add':
        add(parts, structuredClone(op.value));
        break;
      case 'remove':
        remove(parts);
        break;
      case 'replace':
        remove(parts);
        add(parts, structuredClone(op.value));
        break;
      case 'move': {
        const v = get(pointer(op.from));
        remove(pointer(op.from));
        add(parts, v);
        break;
      }
      case 'copy':
        add(parts, structuredClone(get(pointer(op.from))));
        break;
      case 'test':
        if (JSON.stringify(get(parts)) !== JSON.stringify(op.value)) throw new PatchError(`test operation failed at ${op.path}`);
        break;
      default:
        throw new PatchError(`unknown JSON patch operation ${JSON.stringify(op.op)}`);
    }
  }
  return doc;
}
