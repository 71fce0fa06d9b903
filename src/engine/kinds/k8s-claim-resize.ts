// A claim's new size checked as the API server will check it, before any change: the
// PersistentVolumeClaimResize admission plugin (plugin/pkg/admission/storage/persistentvolume/resize)
// lets a claim grow only when it is bound and its StorageClass sets allowVolumeExpansion: true (so a
// class-"" claim on a static PV never grows), and ValidatePersistentVolumeClaimUpdate refuses a
// request below status.capacity. A refused resize would fail the apply half-way; here it fails the plan.
import type { K8sObject } from '../../resources/types.js';
import { quantityNumber } from '../../resources/quantity.js';

type Obj = Record<string, any>;

export function storageClassesReadCommand(base: string): string {
  return `${base} get storageclasses.storage.k8s.io -o json`;
}

const requested = (o: Obj): string | undefined => o.spec?.resources?.requests?.storage;

/** `2Gi → 3Gi` when the claim's requested size changes, else undefined. */
export function sizeChange(desired: K8sObject, live: K8sObject): string | undefined {
  const want = requested(desired);
  const had = requested(live);
  if (want === undefined || had === undefined || quantityNumber(String(want)) === quantityNumber(String(had))) return undefined;
  return `${had} → ${want}`;
}

/** Why the API server would refuse the claim's new size, or undefined when it would accept it. */
export function resizeRefusal(desired: K8sObject, live: K8sObject, classes: K8sObject[]): string | undefined {
  const want = quantityNumber(String(requested(desired)));
  const had = quantityNumber(String(requested(live)));
  const capacity = (live as Obj).status?.capacity?.storage as string | undefined;
  if (capacity !== undefined && want < quantityNumber(capacity)) return `a claim never shrinks: the request can not be less than its capacity ${capacity}`;
  if (!(want > had)) return undefined;
  const phase = (live as Obj).status?.phase as string | undefined;
  if (phase !== 'Bound') return `it is ${phase ?? 'not bound'}: only a bound claim can be expanded`;
  const name = ((live.spec ?? {}) as Obj).storageClassName as string | undefined;
  if (!name) return 'it has no StorageClass (class "": bound to a static PersistentVolume such as hostPath or NFS): only a dynamically provisioned claim can be resized';
  const sc = classes.find((c) => c.metadata.name === name) as Obj | undefined;
  if (!sc) return `its StorageClass "${name}" does not exist`;
  if (sc.allowVolumeExpansion !== true) return `its StorageClass "${name}" does not allow expansion (allowVolumeExpansion is not true)`;
  return undefined;
}
