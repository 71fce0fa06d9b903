// Kubernetes API stand-in: the PersistentVolume controller's binding decisions
// (pkg/controller/volume/persistentvolume/pv_controller.go syncUnboundClaim, checkVolumeSatisfyClaim)
// and where a bound volume lives on the host.
import { join } from 'node:path';
import { quantityValue } from './quantity.js';
import { DEFAULT_CLASS_ANNOTATION } from './validate-storage.js';

export type Obj = Record<string, any>;

/** The only provisioner the stand-in runs: a StorageClass naming another provisions nothing. */
export const STANDIN_PROVISIONER = 'standin.regplay/hostpath';

/** Host directory materialising a PV: its hostPath, otherwise a directory under the state dir. */
export function pvHostDir(pv: Obj, stateDir: string): string {
  return pv.spec?.hostPath?.path ?? join(stateDir, 'volumes', pv.metadata.name);
}

/** What the volume controller does with an unbound claim. `pending` is its event message. */
export type Binding = { pv: Obj } | { provision: Obj } | { pending: string };

const claimClass = (pvc: Obj): string => pvc.spec?.storageClassName ?? '';

/** checkVolumeSatisfyClaim: the reason a PV cannot serve a claim, or undefined. */
export function volumeMismatch(pv: Obj, pvc: Obj): string | undefined {
  const want = pvc.spec ?? {};
  if (quantityValue(String(pv.spec?.capacity?.storage ?? '0')) < quantityValue(String(want.resources?.requests?.storage ?? '0'))) return 'requested PV is too small';
  if ((pv.spec?.storageClassName ?? '') !== claimClass(pvc)) return 'storageClassName does not match';
  if ((pv.spec?.volumeMode ?? 'Filesystem') !== (want.volumeMode ?? 'Filesystem')) return 'incompatible volumeMode';
  if (!(want.accessModes ?? []).every((m: string) => (pv.spec?.accessModes ?? []).includes(m))) return 'incompatible accessMode';
  return undefined;
}

/** IsVolumeBoundToClaim: a claimRef naming this claim (and its uid, when the ref has one). */
export function boundTo(pv: Obj, pvc: Obj): boolean {
  const ref = pv.spec?.claimRef;
  return !!ref && ref.name === pvc.metadata.name && ref.namespace === pvc.metadata.namespace && (!ref.uid || ref.uid === pvc.metadata.uid);
}

/**
 * The PV controller's syncVolume: no claimRef, or a claimRef without uid (pre-bound, the claim not
 * bound yet), is Available; a claimRef whose claim (by namespace, name and uid) exists is Bound;
 * otherwise the claim was deleted (a new claim of the same name has another uid) and the volume is
 * Released — with reclaim policy Retain it stays so until an admin clears claimRef (or its uid).
 */
export function volumePhase(pv: Obj, claims: Obj[]): 'Available' | 'Bound' | 'Released' {
  const ref = pv.spec?.claimRef;
  if (!ref || !ref.uid) return 'Available';
  return claims.some((c) => c.metadata.namespace === ref.namespace && c.metadata.name === ref.name && c.metadata.uid === ref.uid) ? 'Bound' : 'Released';
}

/** ctrl.bind's claimRef: reference.GetReference of the claim (with its uid and resourceVersion). */
export function claimReference(pvc: Obj): Obj {
  return { kind: 'PersistentVolumeClaim', namespace: pvc.metadata.namespace, name: pvc.metadata.name, uid: pvc.metadata.uid, apiVersion: 'v1', resourceVersion: pvc.metadata.resourceVersion };
}

export function bindingFor(pvc: Obj, pvs: Obj[], classes: Obj[]): Binding {
  const name = pvc.spec?.volumeName;
  if (name) {
    const pv = pvs.find((p) => p.metadata.name === name);
    if (!pv) return { pending: `volume "${name}" not found` };
    if (pv.spec?.claimRef && !boundTo(pv, pvc)) return { pending: `volume "${name}" already bound to a different claim.` };
    const why = volumeMismatch(pv, pvc);
    return why ? { pending: `Cannot bind to requested volume "${name}": ${why}` } : { pv };
  }
  const fits = pvs
    .filter((pv) => (!pv.spec?.claimRef || boundTo(pv, pvc)) && !volumeMismatch(pv, pvc))
    .sort((a, b) => quantityValue(String(a.spec.capacity.storage)) - quantityValue(String(b.spec.capacity.storage)));
  if (fits[0]) return { pv: fits[0] };
  const cls = claimClass(pvc);
  if (!cls) return { pending: 'no persistent volumes available for this claim and no storage class is set' };
  const sc = classes.find((c) => c.metadata.name === cls);
  if (!sc) return { pending: `storageclass.storage.k8s.io "${cls}" not found` };
  if (sc.provisioner !== STANDIN_PROVISIONER)
    return { pending: `Waiting for a volume to be created either by the external provisioner '${sc.provisioner}' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered.` };
  return { provision: sc };
}

/** The DefaultStorageClass admission plugin's pick: the newest class annotated as default. */
export function defaultClass(classes: Obj[]): Obj | undefined {
  return classes
    .filter((c) => c.metadata?.annotations?.[DEFAULT_CLASS_ANNOTATION] === 'true')
    .sort((a, b) => String(b.metadata.creationTimestamp).localeCompare(String(a.metadata.creationTimestamp)) || a.metadata.name.localeCompare(b.metadata.name))[0];
}

/** PersistentVolumeClaimResize admission: only a claim of a class that allows expansion grows. */
export function resizeRefusal(pvc: Obj, live: Obj, classes: Obj[]): string | undefined {
  const size = (o: Obj) => quantityValue(String(o.spec?.resources?.requests?.storage));
  if (!(size(pvc) > size(live))) return undefined;
  if (live.status?.phase !== 'Bound') return 'Only bound persistent volume claims can be expanded';
  const cls = claimClass(pvc);
  const sc = classes.find((c) => c.metadata.name === cls);
  if (!cls || cls !== claimClass(live) || sc?.allowVolumeExpansion !== true)
    return 'only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize';
  return undefined;
}

/** A dynamically provisioned PV for a claim of a stand-in class. */
export function provisionPV(pvc: Obj, sc: Obj, stateDir: string): Obj {
  const name = `pvc-${pvc.metadata.uid}`;
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: { name, annotations: { 'pv.kubernetes.io/provisioned-by': STANDIN_PROVISIONER } },
    spec: {
      capacity: { storage: pvc.spec.resources.requests.storage },
      accessModes: pvc.spec.accessModes,
      persistentVolumeReclaimPolicy: sc.reclaimPolicy ?? 'Delete',
      storageClassName: sc.metadata.name,
      volumeMode: 'Filesystem',
      hostPath: { path: join(stateDir, 'volumes', name), type: 'DirectoryOrCreate' },
      claimRef: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace: pvc.metadata.namespace, name: pvc.metadata.name, uid: pvc.metadata.uid },
    },
  };
}
