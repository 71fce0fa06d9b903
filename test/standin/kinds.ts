// Kubernetes API stand-in: the kinds it serves (tests and lab only; not a real API server).

export interface KindInfo {
  kind: string;
  group: string; // '' for the core group
  version: string;
  plural: string;
  singular: string;
  namespaced: boolean;
  shortNames?: string[];
  /** Kinds whose spec changes bump metadata.generation. */
  hasGeneration?: boolean;
  /** A custom resource: its version's openAPIV3Schema, and the CRD that serves it. */
  schema?: Record<string, any>;
  crd?: string;
}

export const KINDS: KindInfo[] = [
  { kind: 'Namespace', group: '', version: 'v1', plural: 'namespaces', singular: 'namespace', namespaced: false, shortNames: ['ns'] },
  { kind: 'Secret', group: '', version: 'v1', plural: 'secrets', singular: 'secret', namespaced: true },
  { kind: 'ConfigMap', group: '', version: 'v1', plural: 'configmaps', singular: 'configmap', namespaced: true, shortNames: ['cm'] },
  { kind: 'Service', group: '', version: 'v1', plural: 'services', singular: 'service', namespaced: true, shortNames: ['svc'] },
  { kind: 'ServiceAccount', group: '', version: 'v1', plural: 'serviceaccounts', singular: 'serviceaccount', namespaced: true, shortNames: ['sa'] },
  { kind: 'PersistentVolume', group: '', version: 'v1', plural: 'persistentvolumes', singular: 'persistentvolume', namespaced: false, shortNames: ['pv'] },
  { kind: 'PersistentVolumeClaim', group: '', version: 'v1', plural: 'persistentvolumeclaims', singular: 'persistentvolumeclaim', namespaced: true, shortNames: ['pvc'] },
  { kind: 'Pod', group: '', version: 'v1', plural: 'pods', singular: 'pod', namespaced: true, shortNames: ['po'] },
  { kind: 'Deployment', group: 'apps', version: 'v1', plural: 'deployments', singular: 'deployment', namespaced: true, shortNames: ['deploy'], hasGeneration: true },
  { kind: 'StorageClass', group: 'storage.k8s.io', version: 'v1', plural: 'storageclasses', singular: 'storageclass', namespaced: false, shortNames: ['sc'] },
  { kind: 'PodDisruptionBudget', group: 'policy', version: 'v1', plural: 'poddisruptionbudgets', singular: 'poddisruptionbudget', namespaced: true, shortNames: ['pdb'], hasGeneration: true },
  { kind: 'CustomResourceDefinition', group: 'apiextensions.k8s.io', version: 'v1', plural: 'customresourcedefinitions', singular: 'customresourcedefinition', namespaced: false, shortNames: ['crd', 'crds'] },
  { kind: 'Ingress', group: 'networking.k8s.io', version: 'v1', plural: 'ingresses', singular: 'ingress', namespaced: true, shortNames: ['ing'], hasGeneration: true },
];

/** The kinds established CustomResourceDefinitions serve (kept current by the API server). */
let custom: KindInfo[] = [];

export function setCustomKinds(kinds: KindInfo[]): void {
  custom = kinds;
}

/** Built-in kinds, then those of CRDs (a CRD cannot shadow a built-in kind). */
export function allKinds(): KindInfo[] {
  return [...KINDS, ...custom.filter((c) => !KINDS.some((k) => k.group === c.group && k.plural === c.plural))];
}

export function apiVersionOf(k: KindInfo): string {
  return k.group ? `${k.group}/${k.version}` : k.version;
}

export function kindByPlural(group: string, version: string, plural: string): KindInfo | undefined {
  return allKinds().find((k) => k.group === group && k.version === version && k.plural === plural);
}

export function kindByKind(apiVersion: string, kind: string): KindInfo | undefined {
  return allKinds().find((k) => apiVersionOf(k) === apiVersion && k.kind === kind);
}

export function groupsServed(): { group: string; version: string }[] {
  const seen = new Map<string, string>();
  for (const k of allKinds()) if (k.group) seen.set(k.group, k.version);
  return [...seen].map(([group, version]) => ({ group, version }));
}
