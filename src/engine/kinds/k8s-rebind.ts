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

/** Desired PVs pre-bound to a desired claim whose live claimRef names a claim that no longer exists. */
export function staleClaimRefs(desired: K8sObject[], live: K8sObject[]): Rebind[] {
  return desired.flatMap((pv) => {
    const ref = claimRefOf(pv);
    if (pv.kind !== 'PersistentVolume' || !ref?.name || !ref.namespace) return [];
    if (!desired.some((o) => o.kind === 'PersistentVolumeClaim' && o.metadata.name === ref.name && o.metadata.namespace === ref.namespace)) return [];
    const livePv = live.find((o) => o.kind === 'PersistentVolume' && o.metadata.name === pv.metadata.name);
    const liveRef = claimRefOf(livePv);
    if (!liveRef?.uid || liveRef.name !== ref.name || liveRef.namespace !== ref.namespace) return [];
    const claim = live.find((o) => o.kind === 'PersistentVolumeClaim' && o.metadata.name === ref.name && o.metadata.namespace === ref.namespace);
    if (claim?.metadata.uid === liveRef.uid) return [];
    return [{ pv: pv.metadata.name, claim: { namespace: ref.namespace, name: ref.name }, claimRef: liveRef }];
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
    const ref = claimRefOf(pv);
    if (pv.kind !== 'PersistentVolume' || !ref) return pv;
    const liveRef = claimRefOf(live.find((o) => o.kind === 'PersistentVolume' && o.metadata.name === pv.metadata.name));
    if (!liveRef?.uid || liveRef.name !== ref.name || liveRef.namespace !== ref.namespace) return pv;
    const claim = live.find((o) => o.kind === 'PersistentVolumeClaim' && o.metadata.name === ref.name && o.metadata.namespace === ref.namespace);
    if (claim?.metadata.uid !== liveRef.uid) return pv;
    return { ...pv, spec: { ...(pv.spec as Obj), claimRef: liveRef } };
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
