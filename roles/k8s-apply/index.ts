// k8s-apply: the registry in the cluster (namespace, TLS and htpasswd Secrets, config, storage,
// Deployment, Service, optional Ingress, pull Secrets), applied with kubectl from the first
// control-plane host, or from the controller (k8s_apply_from: controller). The engine reads them all
// in one call and applies only what differs.
import type { RoleContext, Vars } from '../../src/resources/role.js';
import type { K8sState, Resource } from '../../src/resources/types.js';
import { PendingFactError } from '../../src/errors.js';
import { randomBytes } from 'node:crypto';
import { Secret } from '../../src/secret.js';
import { factOf } from '../_shared/facts.js';
import { K8S_GROUP, k8sHost, REGISTRY_K8S_FACT } from '../_shared/k8s.js';
import { registryTls } from '../_shared/pki.js';
import { parseVars } from '../_shared/vars.js';
import { configLocation } from './image.js';
import { redisName } from './redis.js';
import { HOSTNAME_LABEL, pullSecretEntries, registryObjects, SERVICE_MONITOR_API, sharedNamespaces, type RegistryInputs } from './objects.js';
import { k8sApplyVars, type K8sApplyVars } from './vars.js';
import { defineRole } from '../_shared/role.js';

export const FIELD_MANAGER = 'regplay';
/**
 * The ApplySet parent (a ConfigMap) lives in `default`: every cluster has it, and it outlives a
 * change of registry_namespace, so the old namespace's objects are still found.
 */
export const APPLYSET_NAMESPACE = 'default';

function vars(all: Vars): K8sApplyVars {
  const v = parseVars('k8s-apply', k8sApplyVars, all);
  configLocation(v.registry_image, v.registry_config_path);
  return v;
}

/**
 * The node a hostpath volume lives on: registry_storage_node, else the node registry_node_selector
 * pins the pod to, else the first control-plane host (where this role makes the directory).
 */
export function storageNode(v: K8sApplyVars, ctx: RoleContext): string {
  return v.registry_storage_node ?? v.registry_node_selector?.[HOSTNAME_LABEL] ?? k8sHost(ctx);
}

/** The certificate (certs role) and htpasswd file (htpasswd role) registered on the control plane. */
export function registryInputs(ctx: RoleContext, v: K8sApplyVars): RegistryInputs {
  const host = k8sHost(ctx);
  const file = factOf<{ path: string; exists: boolean; content: string | Secret | null }>(ctx, host, 'registry_htpasswd', 'htpasswd');
  if (!file.exists || file.content === null || file.content === undefined) {
    throw new PendingFactError(`the htpasswd file ${file.path} does not exist on ${host} yet`, 'run the htpasswd role without --check first', host);
  }
  return { tls: registryTls(ctx), htpasswd: file.content, httpSecret: new Secret(randomBytes(32).toString('hex'), 'http-secret'), storageNode: storageNode(v, ctx) };
}

export function k8sResource(v: K8sApplyVars, objects: K8sState['objects']): K8sState {
  return {
    kind: 'k8s',
    name: 'registry objects',
    kubectl: { path: v.kubectl_path, ...(v.kubeconfig ? { kubeconfig: v.kubeconfig } : {}), fieldManager: FIELD_MANAGER },
    objects,
    waitRollout: [
      ...(v.registry_redis === 'managed' ? [{ name: redisName(v), namespace: v.registry_namespace, timeoutSeconds: v.registry_rollout_timeout, podSelector: `app.kubernetes.io/name=${redisName(v)}` }] : []),
      { name: v.registry_app_name, namespace: v.registry_namespace, timeoutSeconds: v.registry_rollout_timeout, podSelector: `app.kubernetes.io/name=${v.registry_app_name}` },
    ],
    // the ServiceMonitor is applied where the cluster has its CRD; listed always, so that turning
    // registry_metrics off prunes it
    optionalApis: [SERVICE_MONITOR_API],
    createOnly: [
      // generated once: the live Secret's value is kept and read back, the same from a fresh clone
      { kind: 'Secret', namespace: v.registry_namespace, name: v.registry_http_secret, path: ['data'] },
    ],
    // PersistentVolumeClaimResize admission: a claim grows only when its StorageClass allows
    // expansion; a class-"" claim on our own PV (hostpath, nfs) never does. Refused before any change.
    claimResize: {
      message: 'registry_storage_size changed, and the claim cannot take that size',
      hint:
        v.registry_storage_kind !== 'hostpath' && v.registry_storage_kind !== 'nfs'
          ? "set registry_storage_size back to the claim's size; to grow it, the StorageClass must set allowVolumeExpansion: true (and its provisioner support expansion): ask the cluster's admin, then run again. A claim never shrinks: for a smaller one, copy the images out (e.g. skopeo sync), run with a new registry_storage_pvc name and -e registry_allow_data_delete=true, and copy them back"
          : `set registry_storage_size back to the claim's size: a ${v.registry_storage_kind === 'nfs' ? 'NFS' : 'hostPath'} volume is not limited by it (the ${v.registry_storage_kind === 'nfs' ? 'export' : "node's disk"} is), so there is nothing to grow. For a claim that grows, move to registry_storage_kind: pvc with a StorageClass that sets allowVolumeExpansion: true (copy the images out first: see registry_storage_kind in the README)`,
    },
    immutable: [
      {
        kind: 'PersistentVolumeClaim',
        namespace: v.registry_namespace,
        name: v.registry_storage_pvc,
        fields: ['spec.storageClassName', 'spec.volumeName', 'spec.accessModes'],
        message: "registry_storage_kind, registry_storage_class or registry_storage_access_mode changed, and an existing claim's class, volume and access modes cannot change (the API server refuses it: its spec is immutable)",
        hint: `to move the images to the new storage: with the old settings still in place copy them out (e.g. skopeo sync to another registry), then run with the new storage under a new registry_storage_pvc (and registry_storage_pv) name and -e registry_allow_data_delete=true, and copy them back; to drop them, the same without the copy`,
      },
      {
        kind: 'PersistentVolume',
        name: v.registry_storage_pv,
        fields: ['spec.hostPath', 'spec.nfs'],
        message: "registry_storage_kind, the host path or the NFS export changed, and an existing PersistentVolume's source cannot change (the API server refuses it: immutable)",
        hint: `to move the images to the new storage: with the old settings still in place copy them out (e.g. skopeo sync to another registry), then run with the new storage under a new registry_storage_pvc (and registry_storage_pv) name and -e registry_allow_data_delete=true, and copy them back; to drop them, the same without the copy`,
      },
      // after the source: a new kind or path is told as such, not as a new node
      {
        kind: 'PersistentVolume',
        name: v.registry_storage_pv,
        fields: ['spec.nodeAffinity'],
        onceSet: true,
        message: "registry_storage_node changed (or the registry_node_selector hostname it defaults to), and an existing PersistentVolume's node affinity cannot change (the API server refuses it: immutable); the images are on the old node's disk",
        hint: `set it back to the node the volume lives on; to move the registry to another node: with the old settings still in place copy the images out (e.g. skopeo sync to another registry), then run with the new node under a new registry_storage_pvc and registry_storage_pv name and -e registry_allow_data_delete=true, and copy them back`,
      },
    ],
    applySet: {
      parent: { name: v.registry_applyset, namespace: APPLYSET_NAMESPACE },
      shared: sharedNamespaces(v),
      protect: {
        kinds: ['PersistentVolumeClaim', 'PersistentVolume', 'Namespace'],
        allowed: v.registry_allow_data_delete,
        message: "the registry's data would be deleted: registry_namespace, registry_storage_kind or a storage name changed, and the old objects hold the images",
        hint: 'to keep the images, copy them to the new registry first (e.g. skopeo sync from the old one, or copy the volume\'s directory) with the old settings still in place; to drop the old registry and its data, run once with -e registry_allow_data_delete=true',
      },
    },
    rebindReleased: true,
    listEntries: pullSecretEntries(v),
    register: REGISTRY_K8S_FACT,
  };
}

/**
 * fsGroup does not apply to hostPath volumes, and the restricted pod cannot chown as root: the
 * hostpath directory is made the registry's (registry_uid:registry_gid, also what an older root-run
 * registry left there) on the host kubectl runs on, before the pod starts.
 */
function hostPathOwner(v: K8sApplyVars, ctx: RoleContext): Resource[] {
  if (v.registry_storage_kind !== 'hostpath' || v.k8s_apply_from === 'controller' || storageNode(v, ctx) !== ctx.host.name) return [];
  const path = v.registry_storage_host_path;
  const owner = `${v.registry_uid}:${v.registry_gid}`;
  return [
    { kind: 'directory', name: 'registry data directory (hostPath)', path, mode: '0750', owner: String(v.registry_uid), group: String(v.registry_gid) },
    {
      kind: 'command',
      name: 'registry data owned by the registry uid',
      argv: ['chown', '-R', owner, path],
      unless: ['sh', '-c', 'test -z "$(find "$1" \\( ! -uid "$2" -o ! -gid "$3" \\) -print -quit 2>/dev/null)"', 'sh', path, String(v.registry_uid), String(v.registry_gid)],
    },
  ];
}

const k8sApply = defineRole({
  name: 'k8s-apply',
  vars,
  // Kubernetes objects only: no file on the host.
  files: () => [],
  plan(v, ctx): Resource[] {
    // one kubectl client is enough: other control-plane hosts have nothing to do
    if (ctx.host.groups.includes(K8S_GROUP) && ctx.host.name !== k8sHost(ctx)) return [];
    return [...hostPathOwner(v, ctx), k8sResource(v, registryObjects(ctx.template, v, registryInputs(ctx, v)))];
  },
  // The objects' names, not their data, decide what is read: the certificate and htpasswd file
  // from the certs and htpasswd roles can stand in blank until they are registered.
  expectedReads(v, ctx): Resource[] {
    if (ctx.host.groups.includes(K8S_GROUP) && ctx.host.name !== k8sHost(ctx)) return [];
    const blank: RegistryInputs = { tls: { crt: '', key: new Secret('', 'tls.key') }, htpasswd: '', httpSecret: new Secret('', 'http-secret'), storageNode: storageNode(v, ctx) };
    return [...hostPathOwner(v, ctx), k8sResource(v, registryObjects(ctx.template, v, blank))];
  },
  runsOn: (v) => (v.k8s_apply_from === 'controller' ? 'controller' : 'host'),
});

export default k8sApply;
