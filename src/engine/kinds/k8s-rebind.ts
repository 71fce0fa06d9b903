// A Retained PersistentVolume whose claim was deleted (its namespace deleted and made again, or the
// claim deleted by hand) keeps the old claim's uid in claimRef: the PV controller calls it Released
// and never binds it to the new claim of the same name ("already bound to a different claim"). When
// the claim is ours to make again, the stale uid (and resourceVersion) is taken out of claimRef, as
// the Kubernetes docs advise for reusing a Retained volume: pre-bound again (namespace and name
// kept, so no other claim can take it), Available, and the new claim binds it with its data. Pure
// but for the command's text.
import type { K8sObject } from '../../resources/types.js';
import { quote } from '../../transports/shell.js';

type Obj = Record<string, any>;

export interface Rebind {
  pv: string;
  claim: { namespace: string; name: string };
  /** The live claimRef, with the deleted claim's uid. */
  claimRef: Obj;
}

const claimRefOf = (o: K8sObject | undefined): Obj | undefined => ((o?.spec ?? {}) as Obj).claimRef;

/**
 * A desired PV's claimRef (namespace and name), the live PV's claimRef when it carries a binder's uid
 * and names that same claim, and the live claim of that name (undefined when there is none).
 */
function liveBinding(pv: K8sObject, live: K8sObject[]): { ref: Obj; liveRef: Obj; claim: K8sObject | undefined } | undefined {
  const ref = claimRefOf(pv);
  if (pv.kind !== 'PersistentVolume' || !ref?.name || !ref.namespace) return undefined;
  const liveRef = claimRefOf(live.find((o) => o.kind === 'PersistentVolume' && o.metadata.name === pv.metadata.name));
  if (!liveRef?.uid || liveRef.name !== ref.name || liveRef.namespace !== ref.namespace) return undefined;
  const claim = live.find((o) => o.kind === 'PersistentVolumeClaim' && o.metadata.name === ref.name && o.metadata.namespace === ref.namespace);
  return { ref, liveRef, claim };
}

/** Desired PVs pre-bound to a desired claim whose live claimRef names a claim that no longer exists. */
export function staleClaimRefs(desired: K8sObject[], live: K8sObject[]): Rebind[] {
  return desired.flatMap((pv) => {
    const b = liveBinding(pv, live);
    if (!b || b.claim?.metadata.uid === b.liveRef.uid) return [];
    if (!desired.some((o) => o.kind === 'PersistentVolumeClaim' && o.metadata.name === b.ref.name && o.metadata.namespace === b.ref.namespace)) return [];
    return [{ pv: pv.metadata.name, claim: { namespace: b.ref.namespace, name: b.ref.name }, claimRef: b.liveRef }];
  });
}

/**
 * Desired PVs whose claimRef (namespace and name) names the claim the live PV is bound to get the
 * live claimRef whole, the binder's uid included. Server-side apply replaces claimRef whole (an
 * atomic struct): applied without the uid, a forced apply of any other PV field would take it out
 * and the PV controller would call the bound claim Lost (syncBoundClaim, "ClaimMisbound").
 */
export function keepBoundClaimRefs(desired: K8sObject[], live: K8sObject[]): K8sObject[] {
  return desired.map((pv) => {
    const b = liveBinding(pv, live);
    if (!b || b.claim?.metadata.uid !== b.liveRef.uid) return pv;
    return { ...pv, spec: { ...(pv.spec as Obj), claimRef: b.liveRef } };
  });
}

/** A JSON patch that fails unless the stale uid is still there, then takes it (and resourceVersion) out. */
export function rebindCommand(base: string, r: Rebind): string {
  const ops = [
    { op: 'test', path: '/spec/claimRef/uid', value: r.claimRef.uid },
    { op: 'remove', path: '/spec/claimRef/uid' },
    ...(r.claimRef.resourceVersion !== undefined ? [{ op: 'remove', path: '/spec/claimRef/resourceVersion' }] : []),
  ];
  return `${base} patch persistentvolume ${quote(r.pv)} --type=json -p ${quote(JSON.stringify(ops))} >&2`;
}

export function rebindAction(r: Rebind): string {
  return `rebind PersistentVolume ${r.pv}: Released (its claimRef names a deleted claim ${r.claim.namespace}/${r.claim.name}, uid ${r.claimRef.uid}): clear that uid so the new claim binds it, with its data`;
}

/** claimRef without the stale uid and resourceVersion: what the patch leaves. */
export function rebound(r: Rebind): Obj {
  const { uid: _u, resourceVersion: _r, ...rest } = r.claimRef;
  return rest;
}
