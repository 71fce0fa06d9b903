// Kubernetes comparison: desired ⊆ live. Only fields the role sets are compared; the server
// adds defaults everywhere else. Lists are compared element-wise with equal length; a number
// equals its numeric string (ports, quantities written as numbers); Secret values compare
// revealed; a Secret object's stringData compares as base64 against live data.
import type { K8sObject } from '../../resources/types.js';
import { isSecret, Secret } from '../../secret.js';

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !isSecret(v);
}

function isEmpty(v: unknown): boolean {
  return (Array.isArray(v) && v.length === 0) || (isPlainObject(v) && Object.keys(v).length === 0);
}

function scalarEqual(d: unknown, l: unknown): boolean {
  if (isSecret(d)) d = d.reveal();
  if (d === l) return true;
  if ((typeof d === 'number' && typeof l === 'string') || (typeof d === 'string' && typeof l === 'number')) return String(d) === String(l);
  return false;
}

/** Paths (dotted, `[i]` for list items) where `desired` is not contained in `live`. */
export function subsetDiff(desired: unknown, live: unknown, path = ''): string[] {
  if (desired === undefined) return [];
  if (desired === null) return live === null || live === undefined ? [] : [path];
  if (Array.isArray(desired)) {
    if (live === undefined || live === null) return desired.length === 0 ? [] : [path];
    if (!Array.isArray(live) || live.length !== desired.length) return [path];
    return desired.flatMap((d, i) => subsetDiff(d, live[i], `${path}[${i}]`));
  }
  if (isPlainObject(desired)) {
    if (live === undefined || live === null) return isEmpty(desired) ? [] : [path];
    if (!isPlainObject(live)) return [path];
    return Object.entries(desired).flatMap(([k, d]) => subsetDiff(d, live[k], path ? `${path}.${k}` : k));
  }
  return scalarEqual(desired, live) ? [] : [path];
}

/** The desired object as the server will store it (stringData folded into data as base64). */
export function normalizeDesired(o: K8sObject): K8sObject {
  if (o.kind !== 'Secret' || o.apiVersion !== 'v1' || !isPlainObject(o.stringData)) return o;
  const { stringData, ...rest } = o;
  const data: Record<string, unknown> = { ...(isPlainObject(rest.data) ? rest.data : {}) };
  for (const [k, v] of Object.entries(stringData as Record<string, unknown>)) {
    const text = isSecret(v) ? v.reveal() : String(v);
    data[k] = new Secret(Buffer.from(text).toString('base64'), 'secret data');
  }
  return { ...rest, data };
}

export function compareObject(desired: K8sObject, live: K8sObject): string[] {
  const d = normalizeDesired(desired);
  const { apiVersion: _a, kind: _k, ...fields } = d;
  return subsetDiff(fields, live);
}

/** Live values at the places desired sets (for a before/after diff). */
export function project(desired: unknown, live: unknown): unknown {
  if (Array.isArray(desired)) return Array.isArray(live) ? desired.map((d, i) => project(d, live[i])) : live;
  if (isPlainObject(desired) && isPlainObject(live)) {
    return Object.fromEntries(Object.keys(desired).filter((k) => live[k] !== undefined).map((k) => [k, project(desired[k], live[k])]));
  }
  return live;
}

/** Replaces Secret instances, and every value under a Secret object's data/stringData, with ***. */
export function maskObject(o: unknown, secretData = false): unknown {
  if (isSecret(o)) return '***';
  if (Array.isArray(o)) return o.map((v) => maskObject(v));
  if (isPlainObject(o)) {
    const isSecretKind = o.kind === 'Secret';
    return Object.fromEntries(
      Object.entries(o).map(([k, v]) => {
        if ((secretData || isSecretKind) && (k === 'data' || k === 'stringData') && isPlainObject(v)) {
          return [k, Object.fromEntries(Object.keys(v).map((key) => [key, '***']))];
        }
        return [k, maskObject(v)];
      }),
    );
  }
  return o;
}

/** A deep copy with every Secret replaced by its plaintext (only for kubectl's stdin). */
export function revealDeep(o: unknown): unknown {
  if (isSecret(o)) return o.reveal();
  if (Array.isArray(o)) return o.map(revealDeep);
  if (isPlainObject(o)) return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, revealDeep(v)]));
  return o;
}

/** JSON for kubectl's stdin: Secret values revealed (this text only ever travels on stdin). */
export function revealedJson(o: unknown): string {
  return JSON.stringify(revealDeep(o));
}

/** A live object as a fact: a Secret object's data values become Secrets. */
export function liveAsFact(o: K8sObject): K8sObject {
  if (o.kind !== 'Secret' || !isPlainObject(o.data)) return o;
  const data = Object.fromEntries(Object.entries(o.data).map(([k, v]) => [k, new Secret(String(v), `${o.metadata.name}.${k}`)]));
  return { ...o, data };
}
