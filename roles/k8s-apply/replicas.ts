// Several registry replicas need storage every replica reads and writes at once. One function says,
// per storage kind, whether it is shared and, when not, why: a new kind adds its case.
import type { K8sApplyVars } from './vars.js';

type StorageVars = Pick<K8sApplyVars, 'registry_storage_kind' | 'registry_storage_access_mode'>;

export type Sharing = { shared: true } | { shared: false; reason: string };

export function storageSharing(v: StorageVars): Sharing {
  const rwx = v.registry_storage_access_mode === 'ReadWriteMany';
  switch (v.registry_storage_kind) {
    case 'pvc':
      return rwx
        ? { shared: true }
        : { shared: false, reason: 'the pvc claim is ReadWriteOnce (one node mounts it): set registry_storage_access_mode: ReadWriteMany with a registry_storage_class that offers it (an NFS or CephFS provisioner, say)' };
    case 'nfs':
      return rwx
        ? { shared: true }
        : { shared: false, reason: 'the NFS volume and its claim are declared ReadWriteOnce: set registry_storage_access_mode: ReadWriteMany' };
    // the bucket is the store: every replica reaches it over the network
    case 's3':
    case 'gcs':
    case 'azure':
      return { shared: true };
    case 'hostpath':
      return { shared: false, reason: "a hostpath volume is one node's directory, which replicas on other nodes never see: use object storage (s3, gcs, azure), or nfs or pvc with registry_storage_access_mode: ReadWriteMany" };
  }
}

/** Why `registry_replicas` cannot be what it is, or undefined when it can. */
export function replicasRefusal(v: StorageVars & Pick<K8sApplyVars, 'registry_replicas'>): string | undefined {
  if (v.registry_replicas <= 1) return undefined;
  const sharing = storageSharing(v);
  return sharing.shared ? undefined : `needs storage shared by every replica, and ${sharing.reason}`;
}
