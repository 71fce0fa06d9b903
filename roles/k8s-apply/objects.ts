// The registry's Kubernetes objects, rendered from templates/k8s/*.hbs. Pure: variables and
// the certificate/htpasswd contents in, plain objects out. Secret values never pass through a
// template: templates get a placeholder and the data is set afterwards as Secret instances, so
// the plaintext only ever leaves through kubectl's stdin.
import { createHash } from 'node:crypto';
import { dirname, basename } from 'node:path';
import { parse } from 'yaml';
import type { K8sObject, K8sState } from '../../src/resources/types.js';
import { reveal, Secret } from '../../src/secret.js';
import { ingressHost, registryAddresses } from '../_shared/vars.js';
import { ingressAnnotations } from './ingress.js';
import { configLocation, imageMajor } from './image.js';
import { withStorageConfig } from './storage-config.js';
import { isObjectStorage, storageCredentials, GCS_KEY_DIR, type Credential } from './object-storage.js';
import { redisCredentials, redisName, REDIS_PORT } from './redis.js';
import { withConfigExtra } from './config-extra.js';
import { storageSharing } from './replicas.js';
import type { K8sApplyVars } from './vars.js';

export type Render = (name: string, data: object) => string;

export interface RegistryInputs {
  tls: { crt: string; key: Secret };
  /** The htpasswd file (bcrypt entries), as the htpasswd role wrote it. */
  htpasswd: string | Secret;
  /**
   * distribution's http.secret for a Secret that does not exist yet (random, made by the caller); an
   * existing Secret keeps its value (the Secret's data is create-only: see k8sResource).
   */
  httpSecret: Secret;
  /** The node a hostpath volume lives on (its kubernetes.io/hostname). */
  storageNode: string;
}

/** The Prometheus Operator's API: served only where its CRDs are installed. */
export const SERVICE_MONITOR_API = { apiVersion: 'monitoring.coreos.com/v1', kinds: ['ServiceMonitor'] };

export const mounts = { tls: '/certs', auth: '/auth', data: '/var/lib/registry' } as const;
const placeholder = 'cGxhY2Vob2xkZXI=';

export function registryObjects(render: Render, v: K8sApplyVars, inputs: RegistryInputs): K8sObject[] {
  const app = v.registry_app_name;
  const namespace = v.registry_namespace;
  const tpl = (name: string, data: object): K8sObject => parse(render(`k8s/${name}.yaml.hbs`, quoted(data))) as K8sObject;
  const config = configLocation(v.registry_image, v.registry_config_path);
  const major = v.registry_config_path ? undefined : imageMajor(v.registry_image);
  const shared = storageSharing(v).shared;
  const metricsPort = v.registry_metrics ? v.registry_metrics_port : undefined;
  const configText = withConfigExtra(withStorageConfig(render('k8s/registry-config.yml.hbs', quoted({
    dataDir: mounts.data,
    addr: `:${v.registry_port}`,
    tlsCert: `${mounts.tls}/tls.crt`,
    tlsKey: `${mounts.tls}/tls.key`,
    htpasswdPath: `${mounts.auth}/htpasswd`,
    realm: v.registry_auth_realm,
    debugAddr: metricsPort === undefined ? undefined : `:${metricsPort}`,
  })), v, major), v.registry_config_extra);
  const htpasswd = reveal(inputs.htpasswd);

  const namespaces = unique([namespace, ...v.registry_pull_namespaces]).map((ns) => tpl('namespace', { namespace: ns, app: ns === namespace ? app : undefined }));

  const tlsSecret = tpl('secret-tls', { name: v.registry_tls_secret, namespace, app, placeholder });
  tlsSecret.data = { 'tls.crt': base64(inputs.tls.crt), 'tls.key': new Secret(base64(inputs.tls.key.reveal()), 'tls.key') };
  const authSecret = tpl('secret-htpasswd', { name: v.registry_auth_secret, namespace, app, placeholder });
  authSecret.data = { htpasswd: new Secret(base64(htpasswd), 'htpasswd') };

  // shared storage only: one replica on a ReadWriteOnce volume needs none (and keeps its exact objects)
  const httpSecret = shared ? [tpl('secret-http', { name: v.registry_http_secret, namespace, app, placeholder })] : [];
  for (const secret of httpSecret) secret.data = { 'http-secret': new Secret(base64(inputs.httpSecret.reveal()), 'http-secret') };
  const sharedEnv = shared ? [{ name: 'REGISTRY_HTTP_SECRET', secret: v.registry_http_secret, key: 'http-secret' }] : [];

  const configMap = tpl('configmap', { name: v.registry_config_map, namespace, app, configKey: basename(config.path), config: configText });

  const storage = storageObjects(tpl, v, inputs.storageNode);
  const credentials: Credential[] = [...storageCredentials(v), ...redisCredentials(v)];
  const credentialSecret = credentials.length ? [tpl('secret-storage', { name: v.registry_storage_secret, namespace, app, keys: credentials.map((c) => c.key), placeholder })] : [];
  for (const secret of credentialSecret) secret.data = Object.fromEntries(credentials.map((c) => [c.key, new Secret(base64(c.value.reveal()), c.key)]));
  const credentialFiles = credentials.filter((c): c is Credential & { file: string } => 'file' in c);

  const deployment = tpl('deployment', {
    name: app,
    namespace,
    app,
    image: v.registry_image,
    args: config.args,
    port: v.registry_port,
    metricsPort,
    replicas: v.registry_replicas,
    shared,
    probe: v.registry_probe,
    requests: entries(v.registry_resources.requests),
    limits: entries(v.registry_resources.limits ?? {}),
    nodeSelector: entries(podNodeSelector(v, inputs.storageNode)).map(({ name, value }) => ({ key: name, value })),
    configHash: configHash([configText, inputs.tls.crt, inputs.tls.key.reveal(), htpasswd, ...credentials.map((c) => `${c.key}=${c.value.reveal()}`)]),
    env: [...sharedEnv, ...credentials.flatMap((c) => ('env' in c ? [{ name: c.env, secret: v.registry_storage_secret, key: c.key }] : []))],
    credentialFiles: credentialFiles.length ? { dir: GCS_KEY_DIR, secret: v.registry_storage_secret, items: credentialFiles.map((c) => c.key) } : undefined,
    configDir: dirname(config.path),
    tlsDir: mounts.tls,
    authDir: mounts.auth,
    dataDir: mounts.data,
    configMap: v.registry_config_map,
    tlsSecret: v.registry_tls_secret,
    authSecret: v.registry_auth_secret,
    claim: isObjectStorage(v.registry_storage_kind) ? undefined : v.registry_storage_pvc,
    uid: v.registry_uid,
    gid: v.registry_gid,
  });

  const annotations = ingressAnnotations(v);
  const service = tpl('service', { name: app, namespace, app, port: v.registry_port, metricsPort, nodePort: v.registry_node_port ?? undefined, externalIPs: v.registry_external_ips, annotations: entries(annotations.service) });

  const host = ingressHost(v);
  const ingress = host
    ? [tpl('ingress', { name: app, namespace, app, ingressClass: v.registry_ingress_class, host, tlsSecret: v.registry_tls_secret, service: app, port: v.registry_port, annotations: entries(annotations.ingress) })]
    : [];

  const dockerConfig = new Secret(base64(dockerConfigJson(v)), '.dockerconfigjson');
  const pull = v.registry_pull_namespaces.map((ns) => {
    const secret = tpl('secret-pull', { name: v.registry_pull_secret, namespace: ns, app, placeholder });
    secret.data = { '.dockerconfigjson': dockerConfig };
    return secret;
  });

  const redis = v.registry_redis === 'managed' ? managedRedis(tpl, v) : [];
  const disruption = v.registry_replicas > 1 ? [tpl('pdb', { name: app, namespace, app })] : [];
  // applied only where the cluster has the CRD (SERVICE_MONITOR_API is optional: see k8sResource)
  const monitor = v.registry_metrics ? [tpl('servicemonitor', { name: app, namespace, app, labels: entries(v.registry_service_monitor_labels ?? {}) })] : [];

  // the managed Redis before the registry: its Service exists (and resolves) when the registry's pods start
  return [...namespaces, ...storage, tlsSecret, authSecret, ...httpSecret, ...credentialSecret, configMap, ...redis, deployment, ...disruption, service, ...monitor, ...ingress, ...pull];
}

/**
 * Each pull namespace's `default` ServiceAccount lists the pull Secret in imagePullSecrets, next to
 * the user's own entries (an atomic list: the engine merges it with the live one).
 */
export function pullSecretEntries(v: K8sApplyVars): NonNullable<K8sState['listEntries']> {
  const entries = Object.fromEntries(unique(v.registry_pull_namespaces).map((ns) => [ns, [v.registry_pull_secret]]));
  return [{ apiVersion: 'v1', kind: 'ServiceAccount', name: 'default', field: 'imagePullSecrets', key: 'name', refersTo: 'Secret', entries }];
}

/** Namespaces the registry only pulls into are the user's: applied (created when missing), never pruned. */
export function sharedNamespaces(v: K8sApplyVars): Array<{ kind: string; name: string }> {
  return unique(v.registry_pull_namespaces)
    .filter((ns) => ns !== v.registry_namespace)
    .map((name) => ({ kind: 'Namespace', name }));
}

type Tpl = (name: string, data: object) => K8sObject;

export const HOSTNAME_LABEL = 'kubernetes.io/hostname';

/** registry_node_selector, and with hostpath storage the node the volume lives on. */
function podNodeSelector(v: K8sApplyVars, storageNode: string): Record<string, string> {
  return { ...(v.registry_node_selector ?? {}), ...(v.registry_storage_kind === 'hostpath' ? { [HOSTNAME_LABEL]: storageNode } : {}) };
}

function storageObjects(tpl: Tpl, v: K8sApplyVars, node: string): K8sObject[] {
  const common = { namespace: v.registry_namespace, app: v.registry_app_name, size: v.registry_storage_size, accessMode: v.registry_storage_access_mode };
  const claim = (volumeName?: string) => tpl('pvc', { ...common, name: v.registry_storage_pvc, storageClass: volumeName ? undefined : (v.registry_storage_class ?? undefined), volumeName });
  const claimRef = { claimNamespace: v.registry_namespace, claimName: v.registry_storage_pvc };
  switch (v.registry_storage_kind) {
    case 'pvc':
      return [claim()];
    case 'hostpath':
      return [tpl('pv', { ...common, ...claimRef, name: v.registry_storage_pv, hostPath: v.registry_storage_host_path, node }), claim(v.registry_storage_pv)];
    case 'nfs':
      return [tpl('pv', { ...common, ...claimRef, name: v.registry_storage_pv, nfs: { server: v.registry_storage_nfs_server, path: v.registry_storage_nfs_path } }), claim(v.registry_storage_pv)];
    // object storage: the bucket holds the images, no volume
    case 's3':
    case 'gcs':
    case 'azure':
      return [];
  }
}

/** A small Redis for the cache (no persistence: a cache refills), and its Service. */
function managedRedis(tpl: Tpl, v: K8sApplyVars): K8sObject[] {
  const name = redisName(v);
  const common = { name, namespace: v.registry_namespace, app: name, partOf: v.registry_app_name, port: REDIS_PORT };
  return [tpl('redis-deployment', { ...common, image: v.registry_redis_image, passwordSecret: v.registry_redis_password ? v.registry_storage_secret : undefined }), tpl('redis-service', common)];
}

/** The pull Secret's `.dockerconfigjson` for every address (plaintext: only ever wrapped in a Secret). */
function dockerConfigJson(v: K8sApplyVars): string {
  const name = v.registry_pull_user ?? v.registry_users[0]!.name;
  const password = v.registry_users.find((u) => u.name === name)!.password.reveal();
  const auth = base64(`${name}:${password}`);
  return JSON.stringify({ auths: Object.fromEntries(registryAddresses(v).map((address) => [address, { username: name, password, auth }])) });
}

/** One-way digest of everything the registry reads at start-up; stable while the inputs are. */
function configHash(parts: string[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p).update('\0');
  return h.digest('hex');
}

/** Every string JSON-quoted (valid YAML), so no value can change the YAML's structure. */
function quoted(value: unknown): any {
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return value.map(quoted);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, x]) => [k, quoted(x)]));
  return value;
}

function entries(record: Record<string, string>): Array<{ name: string; value: string }> {
  return Object.entries(record).map(([name, value]) => ({ name, value }));
}

function unique(list: string[]): string[] {
  return [...new Set(list)];
}

function base64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}
