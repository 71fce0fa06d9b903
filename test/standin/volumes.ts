// Kubernetes API stand-in: PV/PVC binding and where a bound volume lives on the host.
import { join } from 'node:path';
import { quantityValue } from './validate.js';

export type Obj = Record<string, any>;

/** Host directory materialising a PV: its hostPath, otherwise a directory under the state dir. */
export function pvHostDir(pv: Obj, stateDir: string): string {
  return pv.spec?.hostPath?.path ?? join(stateDir, 'volumes', pv.metadata.name);
}

/** The PV a claim binds to: the named one, else the smallest fitting available one. */
export function findPV(pvc: Obj, pvs: Obj[]): Obj | undefined {
  const want = pvc.spec ?? {};
  if (want.volumeName) return pvs.find((pv) => pv.metadata.name === want.volumeName);
  const size = quantityValue(String(want.resources?.requests?.storage ?? '0'));
  const cls = want.storageClassName ?? '';
  return pvs
    .filter((pv) => {
      const ref = pv.spec?.claimRef;
      if (ref && !(ref.name === pvc.metadata.name && ref.namespace === pvc.metadata.namespace)) return false;
      if ((pv.spec?.storageClassName ?? '') !== cls) return false;
      if (quantityValue(String(pv.spec?.capacity?.storage ?? '0')) < size) return false;
      return (want.accessModes ?? []).every((m: string) => (pv.spec?.accessModes ?? []).includes(m));
    })
    .sort((a, b) => quantityValue(String(a.spec.capacity.storage)) - quantityValue(String(b.spec.capacity.storage)))[0];
}

/** A dynamically provisioned PV for a claim with a storage class (the stand-in's only provisioner). */
export function provisionPV(pvc: Obj, stateDir: string): Obj {
  const name = `pvc-${pvc.metadata.uid}`;
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: { name, annotations: { 'pv.kubernetes.io/provisioned-by': 'standin.regplay/hostpath' } },
    spec: {
      capacity: { storage: pvc.spec.resources.requests.storage },
      accessModes: pvc.spec.accessModes,
      persistentVolumeReclaimPolicy: 'Delete',
      storageClassName: pvc.spec.storageClassName,
      volumeMode: 'Filesystem',
      hostPath: { path: join(stateDir, 'volumes', name), type: 'DirectoryOrCreate' },
      claimRef: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace: pvc.metadata.namespace, name: pvc.metadata.name, uid: pvc.metadata.uid },
    },
  };
}
