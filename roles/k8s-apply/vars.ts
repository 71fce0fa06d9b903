// The variables of k8s-apply (documented in defaults.yaml), checked before any host is touched.
import { isIP } from 'node:net';
import { z } from 'zod';
import { absolutePath, dnsLabel, dnsName, flag, listOf, port, registryCore, secret, wholeNumber } from '../_shared/vars.js';
import { canonicalQuantity, quantityNumber } from '../../src/resources/quantity.js';
import { imageVersion } from './image.js';
import { azureVars, gcsVars, objectStorageProblems, s3Vars } from './object-storage.js';
import { redisProblems } from './redis.js';
import { replicasRefusal } from './replicas.js';
import { clashMessage, configExtraClash, configExtraSecret } from './config-extra.js';

const quantity = z
  .union([z.string(), z.number()])
  .transform((v, ctx) => {
    const canonical = canonicalQuantity(String(v).trim());
    if (canonical === undefined) ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'must be a Kubernetes quantity such as 10Gi, 500Mi or 100m' });
    return canonical ?? '';
  });

// Service names are RFC 1035 labels: they must start with a letter.
const serviceName = z.string().regex(/^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/, 'must be an RFC 1035 label (a-z first, then a-z, 0-9, -; at most 63): it names the Service');
// These paths stand unquoted in the YAML templates (templates/k8s/pv.yaml.hbs): one word each.
const manifestPath = absolutePath.regex(/^\S*$/, 'must be an absolute path without spaces');
const imageRef = z.string().regex(/^[a-z0-9][a-z0-9._\-/:]*(@sha256:[a-f0-9]{64})?$/, 'must be an image reference such as registry:2.8.3');
const seconds = wholeNumber.min(1, 'must be a whole number of seconds >= 1');
// The API server's label syntax (apimachinery IsQualifiedName, IsValidLabelValue): node selectors are labels.
const labelName = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const labelKey = z.string().refine((k) => {
  const parts = k.split('/');
  const name = parts.pop()!;
  const prefixOk = parts.length === 0 || (parts.length === 1 && dnsName.safeParse(parts[0]).success);
  return prefixOk && name.length <= 63 && labelName.test(name);
}, 'must be a label key: an optional DNS prefix and "/", then at most 63 letters, digits, "-", "_", "." starting and ending alphanumeric');
const labelValue = z.string().regex(/^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/, 'must be a label value: at most 63 letters, digits, "-", "_", "." starting and ending alphanumeric').max(63);
// ValidateNonSpecialIP: the API server refuses loopback, link-local and unspecified external IPs.
const externalIP = z
  .string()
  .ip('must be IP addresses')
  .refine((ip) => !/^(127\.|0\.0\.0\.0$|169\.254\.|224\.0\.0\.)/.test(ip) && !/^(::1?|fe[89ab][0-9a-f]:.*|ff02:.*)$/i.test(ip), 'must not be a loopback, link-local or unspecified address (the API server refuses them)');
// Annotation keys have the label key syntax (apimachinery ValidateAnnotations: IsQualifiedName).
const annotationKey = labelKey;
const nodePort = wholeNumber.min(30000, 'must be in the NodePort range 30000-32767').max(32767, 'must be in the NodePort range 30000-32767');

export const k8sApplyVars = registryCore
  .extend({
    k8s_apply_from: z.enum(['control_plane', 'controller']),
    kubectl_path: z.string().min(1),
    kubeconfig: z.string().min(1).nullish(),
    registry_namespace: dnsLabel,
    registry_app_name: serviceName,
    registry_tls_secret: dnsName,
    registry_auth_secret: dnsName,
    registry_pull_secret: dnsName,
    registry_config_map: dnsName,
    registry_image: imageRef,
    registry_config_path: manifestPath.nullish(),
    registry_auth_realm: z.string().min(1),
    registry_storage_kind: z.enum(['pvc', 'hostpath', 'nfs', 's3', 'gcs', 'azure']),
    registry_storage_size: quantity,
    registry_storage_class: dnsName.nullish(),
    registry_storage_pvc: dnsName,
    registry_storage_pv: dnsName,
    registry_storage_host_path: manifestPath,
    registry_storage_node: labelValue.pipe(z.string().min(1, 'must be a node name')).nullish(),
    registry_storage_nfs_server: z.string().min(1).nullish(),
    registry_storage_nfs_path: manifestPath.nullish(),
    registry_storage_s3: s3Vars.nullish(),
    registry_storage_gcs: gcsVars.nullish(),
    registry_storage_azure: azureVars.nullish(),
    registry_storage_secret: dnsName,
    registry_storage_redirect: flag,
    registry_redis: z.enum(['none', 'external', 'managed']),
    registry_redis_addr: z.string().regex(/^[^\s:/]+:\d{1,5}$/, 'must be host:port, e.g. redis.example.internal:6379').nullish(),
    registry_redis_password: secret.nullish(),
    registry_redis_db: wholeNumber.min(0, 'must be a Redis database number >= 0'),
    registry_redis_image: imageRef,
    registry_storage_access_mode: z.enum(['ReadWriteOnce', 'ReadWriteMany']),
    registry_replicas: wholeNumber.min(1, 'must be a whole number >= 1').max(100, 'must be at most 100'),
    registry_http_secret: dnsName,
    registry_config_extra: z.record(z.unknown(), { invalid_type_error: 'must be a mapping (merged into config.yml)' }).nullish(),
    registry_metrics: flag,
    registry_metrics_port: port,
    registry_service_monitor_labels: z.record(labelKey, labelValue).nullish(),
    registry_resources: z
      .object({
        requests: z.record(quantity),
        limits: z.record(quantity).nullish(),
      })
      .strict(),
    registry_probe: z
      .object({
        initial_delay_seconds: seconds,
        period_seconds: seconds,
        timeout_seconds: seconds,
        failure_threshold: seconds,
      })
      .strict(),
    registry_node_selector: z.record(labelKey, labelValue).nullish(),
    registry_external_ips: listOf(externalIP),
    registry_node_port: nodePort.nullish(),
    registry_ingress: flag,
    registry_ingress_host: dnsName.nullish(),
    registry_ingress_class: dnsName,
    registry_ingress_controller: z.enum(['nginx', 'traefik', 'other']).nullish(),
    registry_ingress_annotations: z.record(annotationKey, z.string().nullable()).nullish(),
    registry_ingress_service_annotations: z.record(annotationKey, z.string().nullable()).nullish(),
    registry_pull_namespaces: listOf(dnsLabel).pipe(z.array(dnsLabel).min(1, 'must list at least one namespace')),
    registry_pull_user: z.string().min(1).nullish(),
    registry_users: z.array(z.object({ name: z.string().min(1).regex(/^[^:\s]+$/, 'must not contain ":" or spaces'), password: secret })).min(1, 'must list at least one user'),
    registry_rollout_timeout: seconds,
    registry_uid: wholeNumber.min(1, 'must be a non-zero uid: the pod runs as non-root').max(2147483647),
    registry_gid: wholeNumber.min(1, 'must be a non-zero gid').max(2147483647),
    registry_applyset: dnsName,
    registry_allow_data_delete: flag,
  })
  .superRefine((v, ctx) => {
    if (v.registry_storage_kind === 'nfs') {
      if (!v.registry_storage_nfs_server) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['registry_storage_nfs_server'], message: 'is required when registry_storage_kind is nfs' });
      if (!v.registry_storage_nfs_path) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['registry_storage_nfs_path'], message: 'is required when registry_storage_kind is nfs' });
    }
    const version = v.registry_config_path ? {} : imageVersion(v.registry_image);
    for (const [path, message] of objectStorageProblems(v, version.major)) ctx.addIssue({ code: z.ZodIssueCode.custom, path, message });
    for (const [name, message] of redisProblems(v, version)) ctx.addIssue({ code: z.ZodIssueCode.custom, path: [name], message });
    for (const [res, req] of Object.entries(v.registry_resources.requests)) {
      const lim = v.registry_resources.limits?.[res];
      if (lim !== undefined && quantityNumber(req) > quantityNumber(lim))
        ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['registry_resources', 'requests', res], message: `must not exceed registry_resources.limits.${res} (${lim}): the API server refuses a request above its limit` });
    }
    const host = v.registry_ingress_host ?? v.registry_name;
    if (v.registry_ingress && isIP(host))
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: [v.registry_ingress_host ? 'registry_ingress_host' : 'registry_name'], message: 'is an IP address, and an Ingress host must be a DNS name: set registry_ingress_host' });
    if (v.registry_storage_kind === 'hostpath' && v.registry_storage_access_mode === 'ReadWriteMany')
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['registry_storage_access_mode'], message: "cannot be ReadWriteMany with registry_storage_kind hostpath: a hostPath volume is one node's directory" });
    const replicas = replicasRefusal(v);
    if (replicas) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['registry_replicas'], message: replicas });
    if (v.registry_metrics && v.registry_metrics_port === v.registry_port)
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['registry_metrics_port'], message: 'must differ from registry_port: the metrics endpoint is a listener of its own' });
    for (const key of ['app.kubernetes.io/name', 'app.kubernetes.io/managed-by'])
      if (v.registry_service_monitor_labels?.[key] !== undefined) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['registry_service_monitor_labels', key], message: 'is a label regplay sets itself: leave it out' });
    const secretAt = configExtraSecret(v.registry_config_extra ?? {});
    if (secretAt) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['registry_config_extra', ...secretAt.slice(0, -1)], message: `holds a secret at ${secretAt.join('.')}: registry_config_extra goes into config.yml, a ConfigMap in plain text, so regplay refuses to write it there; leave it out` });
    const clash = configExtraClash(v.registry_config_extra ?? {});
    // named at the mapping that holds the key: the value itself (an http.secret, say) is never shown
    if (clash) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['registry_config_extra', ...clash.at.split('.').slice(0, -1)], message: clashMessage(clash) });
    const pinned = v.registry_node_selector?.['kubernetes.io/hostname'];
    if (v.registry_storage_kind === 'hostpath' && v.registry_storage_node && pinned !== undefined && pinned !== v.registry_storage_node)
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['registry_node_selector', 'kubernetes.io/hostname'], message: `must be registry_storage_node (${v.registry_storage_node}) or left out: the hostpath volume lives on that node, and the pod must run there` });
    const pullUser = v.registry_pull_user ?? v.registry_users[0]?.name;
    if (pullUser && !v.registry_users.some((u) => u.name === pullUser)) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['registry_pull_user'], message: 'must be one of the names in registry_users' });
    }
  });

export type K8sApplyVars = z.infer<typeof k8sApplyVars>;
