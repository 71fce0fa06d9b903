// Kubernetes API stand-in: PersistentVolumeClaim, PersistentVolume and StorageClass defaults and
// the rules of pkg/apis/core/validation/validation.go (ValidatePersistentVolumeClaim[Update],
// ValidatePersistentVolume[Update]) and pkg/apis/storage/validation (ValidateStorageClass[Update]).
import type { FieldErrors } from './field-errors.js';
import { QUANTITY, quantityValue } from './quantity.js';
import { dns1123Subdomain, qualifiedName } from './syntax.js';
import { sortKeys } from './validate-meta.js';
import { validateOneSource } from './validate-pod.js';

export type Obj = Record<string, any>;

const ACCESS_MODES = ['ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOncePod'];

/** PersistentVolumeSource members in validatePersistentVolumeSpec's order. */
export const PV_SOURCES = [
  'gcePersistentDisk', 'awsElasticBlockStore', 'hostPath', 'glusterfs', 'flocker', 'nfs', 'rbd', 'quobyte', 'cephfs',
  'iscsi', 'cinder', 'fc', 'azureFile', 'vsphereVolume', 'photonPersistentDisk', 'portworxVolume', 'azureDisk',
  'scaleIO', 'local', 'storageos', 'csi',
];

const same = (a: unknown, b: unknown) => JSON.stringify(sortKeys(a ?? null)) === JSON.stringify(sortKeys(b ?? null));

function validateAccessModes(modes: unknown, required: string, f: FieldErrors) {
  if (!Array.isArray(modes) || !modes.length) return f.required('spec.accessModes', required);
  for (const m of modes) if (!ACCESS_MODES.includes(m)) f.notSupported('spec.accessModes', m, ACCESS_MODES);
}

function validateClassName(name: unknown, f: FieldErrors) {
  if (typeof name === 'string' && name) for (const m of dns1123Subdomain(name)) f.invalid('spec.storageClassName', name, m);
}

export function defaultAndValidatePVC(o: Obj, live: Obj | undefined, f: FieldErrors): void {
  const s = (o.spec ??= {});
  s.volumeMode ??= 'Filesystem';
  validateAccessModes(s.accessModes, 'at least 1 access mode is required', f);
  validateClassName(s.storageClassName, f);
  const size = s.resources?.requests?.storage;
  if (size === undefined) f.required('spec.resources[storage]');
  else if (!QUANTITY.test(String(size))) f.invalid('spec.resources.requests[storage]', size, 'must match the regular expression for a quantity');
  else if (quantityValue(String(size)) <= 0) f.invalid('spec.resources[storage]', size, 'must be greater than zero');
  if (!live) return;
  // ValidatePersistentVolumeClaimUpdate (RecoverVolumeExpansionFailure on, as in 1.32): a volumeName
  // may be set once, a nil class may get the default class, a bound claim's size may change.
  const before = structuredClone(live.spec ?? {});
  const after = structuredClone(s);
  if (!before.volumeName) before.volumeName = after.volumeName;
  if (before.storageClassName === undefined) before.storageClassName = after.storageClassName;
  const bound = live.status?.phase === 'Bound';
  if (bound && after.resources?.requests) after.resources.requests.storage = before.resources?.requests?.storage;
  delete before.volumeAttributesClassName;
  delete after.volumeAttributesClassName;
  if (!same(before, after)) f.forbidden('spec', 'spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims');
  const oldSize = quantityValue(String(live.spec?.resources?.requests?.storage));
  const newSize = quantityValue(String(size));
  const capacity = quantityValue(String(live.status?.capacity?.storage ?? live.spec?.resources?.requests?.storage));
  if (newSize < oldSize && newSize <= capacity) f.forbidden('spec.resources.requests.storage', 'field can not be less than status.capacity');
}

export function defaultAndValidatePV(o: Obj, live: Obj | undefined, f: FieldErrors): void {
  const s = (o.spec ??= {});
  s.persistentVolumeReclaimPolicy ??= 'Retain';
  s.volumeMode ??= 'Filesystem';
  if (s.hostPath && typeof s.hostPath === 'object') s.hostPath.type ??= '';
  validateAccessModes(s.accessModes, '', f);
  validateClassName(s.storageClassName, f);
  if (!s.capacity || typeof s.capacity !== 'object' || !Object.keys(s.capacity).length) f.required('spec.capacity');
  else if (!('storage' in s.capacity)) f.notSupported('spec.capacity', Object.keys(s.capacity)[0], ['storage']);
  else if (!QUANTITY.test(String(s.capacity.storage))) f.invalid('spec.capacity[storage]', s.capacity.storage, 'must match the regular expression for a quantity');
  const source = validateOneSource(s, PV_SOURCES, 'spec', f);
  if (source === 'hostPath') {
    const p = s.hostPath.path;
    if (!p) f.required('spec.hostPath.path');
    else if (String(p).split('/').includes('..')) f.invalid('spec.hostPath.path', p, "must not contain '..'");
  }
  if (source === 'nfs') {
    if (!s.nfs.server) f.required('spec.nfs.server');
    if (!s.nfs.path) f.required('spec.nfs.path');
    else if (!String(s.nfs.path).startsWith('/')) f.invalid('spec.nfs.path', s.nfs.path, 'must be an absolute path');
  }
  if (source === 'local' && !s.local.path) f.required('spec.local.path');
  if (!live) return;
  const sourceOf = (spec: Obj) => Object.fromEntries(PV_SOURCES.filter((k) => spec?.[k] !== undefined).map((k) => [k, spec[k]]));
  if (!same(sourceOf(s), sourceOf(live.spec))) f.forbidden('spec.persistentvolumesource', 'spec.persistentvolumesource is immutable after creation');
  if (live.spec?.volumeMode !== s.volumeMode) f.immutable('spec.volumeMode', s.volumeMode);
  if (live.spec?.nodeAffinity && !same(live.spec.nodeAffinity, s.nodeAffinity)) f.immutable('spec.nodeAffinity', s.nodeAffinity);
}

export const DEFAULT_CLASS_ANNOTATION = 'storageclass.kubernetes.io/is-default-class';

export function defaultAndValidateStorageClass(o: Obj, live: Obj | undefined, f: FieldErrors): void {
  o.reclaimPolicy ??= 'Delete';
  o.volumeBindingMode ??= 'Immediate';
  if (!o.provisioner) f.required('provisioner');
  else for (const m of qualifiedName(String(o.provisioner).toLowerCase())) f.invalid('provisioner', o.provisioner, m);
  if (!['Delete', 'Retain'].includes(o.reclaimPolicy)) f.notSupported('reclaimPolicy', o.reclaimPolicy, ['Delete', 'Retain']);
  if (!['Immediate', 'WaitForFirstConsumer'].includes(o.volumeBindingMode)) f.notSupported('volumeBindingMode', o.volumeBindingMode, ['Immediate', 'WaitForFirstConsumer']);
  if (!live) return;
  if (!same(o.parameters ?? {}, live.parameters ?? {})) f.forbidden('parameters', 'updates to parameters are forbidden.');
  if (o.provisioner !== live.provisioner) f.forbidden('provisioner', 'updates to provisioner are forbidden.');
  if (o.reclaimPolicy !== live.reclaimPolicy) f.forbidden('reclaimPolicy', 'updates to reclaimPolicy are forbidden.');
  if (o.volumeBindingMode !== live.volumeBindingMode) f.immutable('volumeBindingMode', o.volumeBindingMode);
}
