// Kubernetes API stand-in: a pod template's defaults and the rules of
// pkg/apis/core/validation/validation.go ValidatePodSpec that a registry Deployment meets:
// unique container, port and volume names, exactly one volume source, a probe with exactly one
// handler, ports in range, requests within limits, mounts of declared volumes.
import type { FieldErrors } from './field-errors.js';
import { QUANTITY, quantityValue } from './quantity.js';
import { dns1123Label, portName, portNumber } from './syntax.js';
import { validateLabels } from './validate-meta.js';

export type Obj = Record<string, any>;

const isObj = (v: unknown): v is Obj => !!v && typeof v === 'object' && !Array.isArray(v);
const listOf = (v: unknown): Obj[] => (Array.isArray(v) ? v.filter(isObj) : []);

/** VolumeSource members in validateVolumeSource's order: the second one found is the one refused. */
export const VOLUME_SOURCES = [
  'emptyDir', 'hostPath', 'gitRepo', 'gcePersistentDisk', 'awsElasticBlockStore', 'secret', 'nfs', 'iscsi', 'glusterfs',
  'flocker', 'persistentVolumeClaim', 'rbd', 'quobyte', 'cinder', 'cephfs', 'downwardAPI', 'fc', 'azureFile',
  'vsphereVolume', 'photonPersistentDisk', 'portworxVolume', 'azureDisk', 'storageos', 'configMap', 'scaleIO',
  'projected', 'csi', 'ephemeral', 'image',
];

/** validateVolumeSource / validatePersistentVolumeSource: exactly one source. */
export function validateOneSource(v: Obj, sources: readonly string[], path: string, f: FieldErrors): string | undefined {
  const present = sources.filter((s) => v[s] !== undefined && v[s] !== null);
  if (!present.length) f.required(path, 'must specify a volume type');
  for (const extra of present.slice(1)) f.forbidden(`${path ? `${path}.` : ''}${extra}`, 'may not specify more than 1 volume type');
  return present[0];
}

function validateMode(mode: unknown, path: string, f: FieldErrors) {
  if (mode !== undefined && (typeof mode !== 'number' || mode < 0 || mode > 0o777)) f.invalid(path, mode, 'must be a number between 0 and 0777 (octal), both inclusive');
}

function validateVolumes(spec: Obj, path: string, f: FieldErrors): Set<string> {
  const names = new Set<string>();
  for (const [i, v] of listOf(spec.volumes).entries()) {
    const vp = `${path}.volumes[${i}]`;
    if (!v.name) f.required(`${vp}.name`);
    else {
      for (const m of dns1123Label(v.name)) f.invalid(`${vp}.name`, v.name, m);
      if (names.has(v.name)) f.duplicate(`${vp}.name`, v.name);
      names.add(v.name);
    }
    const source = validateOneSource(v, VOLUME_SOURCES, vp, f);
    const s = isObj(v[source ?? '']) ? v[source!] : {};
    if (source === 'secret') {
      if (!s.secretName) f.required(`${vp}.secret.secretName`);
      validateMode(s.defaultMode, `${vp}.secret.defaultMode`, f);
    }
    if (source === 'configMap') {
      if (!s.name) f.required(`${vp}.configMap.name`);
      validateMode(s.defaultMode, `${vp}.configMap.defaultMode`, f);
    }
    if (source === 'persistentVolumeClaim' && !s.claimName) f.required(`${vp}.persistentVolumeClaim.claimName`);
    if (source === 'hostPath' && !s.path) f.required(`${vp}.hostPath.path`);
    for (const [j, item] of listOf(s.items).entries()) {
      if (!item.key) f.required(`${vp}.${source}.items[${j}].key`);
      if (!item.path) f.required(`${vp}.${source}.items[${j}].path`);
      validateMode(item.mode, `${vp}.${source}.items[${j}].mode`, f);
    }
  }
  return names;
}

const HANDLERS = ['exec', 'httpGet', 'tcpSocket', 'grpc'];

/** validateProbe + validateHandler: exactly one handler, sane thresholds. */
function validateProbe(probe: Obj, path: string, kind: 'liveness' | 'readiness' | 'startup', f: FieldErrors) {
  const present = HANDLERS.filter((h) => probe[h] !== undefined && probe[h] !== null);
  if (!present.length) f.required(path, 'must specify a handler type');
  for (const extra of present.slice(1)) f.forbidden(`${path}.${extra}`, 'may not specify more than 1 handler type');
  for (const k of ['initialDelaySeconds', 'timeoutSeconds', 'periodSeconds', 'successThreshold', 'failureThreshold']) {
    if (typeof probe[k] === 'number' && probe[k] < 0) f.invalid(`${path}.${k}`, probe[k], 'must be greater than or equal to 0');
  }
  if (kind !== 'readiness' && typeof probe.successThreshold === 'number' && probe.successThreshold !== 1) f.invalid(`${path}.successThreshold`, probe.successThreshold, 'must be 1');
  const port = probe.httpGet?.port ?? probe.tcpSocket?.port;
  const portPath = `${path}.${probe.httpGet ? 'httpGet' : 'tcpSocket'}.port`;
  if (typeof port === 'number') for (const m of portNumber(port)) f.invalid(portPath, port, m);
  if (typeof port === 'string') for (const m of portName(port)) f.invalid(portPath, port, m);
}

const STANDARD_RESOURCES = /^(cpu|memory|ephemeral-storage|hugepages-.+|[a-z0-9.-]+\/.+)$/;

function validateResources(c: Obj, cp: string, f: FieldErrors) {
  const requests = isObj(c.resources?.requests) ? c.resources.requests : {};
  const limits = isObj(c.resources?.limits) ? c.resources.limits : {};
  for (const [kind, rl] of [['requests', requests], ['limits', limits]] as const) {
    for (const [res, q] of Object.entries(rl)) {
      if (!STANDARD_RESOURCES.test(res)) f.invalid(`${cp}.resources.${kind}[${res}]`, res, 'must be a standard resource type or fully qualified');
      if (!QUANTITY.test(String(q))) f.invalid(`${cp}.resources.${kind}[${res}]`, q, 'must match the regular expression for a quantity');
      else if (quantityValue(String(q)) < 0) f.invalid(`${cp}.resources.${kind}[${res}]`, q, 'must be greater than or equal to 0');
    }
  }
  for (const [res, q] of Object.entries(requests)) {
    const lim = limits[res];
    if (lim === undefined || !QUANTITY.test(String(q)) || !QUANTITY.test(String(lim))) continue;
    if (quantityValue(String(q)) > quantityValue(String(lim))) f.invalid(`${cp}.resources.requests`, String(q), `must be less than or equal to ${res} limit of ${lim}`);
  }
}

function validateContainer(c: Obj, cp: string, volumes: Set<string>, f: FieldErrors) {
  if (!c.image) f.required(`${cp}.image`);
  const portNames = new Set<string>();
  for (const [j, p] of listOf(c.ports).entries()) {
    const pp = `${cp}.ports[${j}]`;
    if (p.containerPort === undefined) f.required(`${pp}.containerPort`);
    else for (const m of portNumber(p.containerPort)) f.invalid(`${pp}.containerPort`, p.containerPort, m);
    if (p.hostPort !== undefined && p.hostPort !== 0) for (const m of portNumber(p.hostPort)) f.invalid(`${pp}.hostPort`, p.hostPort, m);
    if (p.name) {
      for (const m of portName(p.name)) f.invalid(`${pp}.name`, p.name, m);
      if (portNames.has(p.name)) f.duplicate(`${pp}.name`, p.name);
      portNames.add(p.name);
    }
  }
  const kinds = [['livenessProbe', 'liveness'], ['readinessProbe', 'readiness'], ['startupProbe', 'startup']] as const;
  for (const [field, kind] of kinds) if (isObj(c[field])) validateProbe(c[field], `${cp}.${field}`, kind, f);
  validateResources(c, cp, f);
  const mountPaths = new Set<string>();
  for (const [j, m] of listOf(c.volumeMounts).entries()) {
    const mp = `${cp}.volumeMounts[${j}]`;
    if (!m.name) f.required(`${mp}.name`);
    else if (!volumes.has(m.name)) f.notFound(`${mp}.name`, m.name);
    if (!m.mountPath) f.required(`${mp}.mountPath`);
    else if (mountPaths.has(m.mountPath)) f.invalid(`${mp}.mountPath`, m.mountPath, 'must be unique');
    mountPaths.add(m.mountPath);
  }
}

/** ValidatePodTemplateSpec for a workload: the template's labels, then its pod spec. */
export function validatePodTemplate(template: Obj, path: string, f: FieldErrors): void {
  validateLabels(template.metadata?.labels, `${path}.metadata.labels`, f);
  const spec: Obj = isObj(template.spec) ? template.spec : {};
  const sp = `${path}.spec`;
  const volumes = validateVolumes(spec, sp, f);
  if (!listOf(spec.containers).length) f.required(`${sp}.containers`);
  const names = new Set<string>();
  for (const field of ['initContainers', 'containers'] as const) {
    for (const [i, c] of listOf(spec[field]).entries()) {
      const cp = `${sp}.${field}[${i}]`;
      if (!c.name) f.required(`${cp}.name`);
      else {
        for (const m of dns1123Label(c.name)) f.invalid(`${cp}.name`, c.name, m);
        if (names.has(c.name)) f.duplicate(`${cp}.name`, c.name);
        names.add(c.name);
      }
      validateContainer(c, cp, volumes, f);
    }
  }
  // pkg/apis/apps/validation ValidatePodTemplateSpecForReplicaSet: workloads restart Always.
  if (spec.restartPolicy !== undefined && spec.restartPolicy !== 'Always') f.notSupported(`${sp}.restartPolicy`, spec.restartPolicy, ['Always']);
  validateLabels(spec.nodeSelector, `${sp}.nodeSelector`, f);
}

/** The API server's pod template defaults (pkg/apis/core/v1/defaults.go). */
export function defaultPodSpec(spec: Obj): void {
  spec.restartPolicy ??= 'Always';
  spec.dnsPolicy ??= 'ClusterFirst';
  spec.schedulerName ??= 'default-scheduler';
  spec.terminationGracePeriodSeconds ??= 30;
  spec.securityContext ??= {};
  for (const v of listOf(spec.volumes)) {
    if (isObj(v.secret)) v.secret.defaultMode ??= 420;
    if (isObj(v.configMap)) v.configMap.defaultMode ??= 420;
  }
  for (const c of [...listOf(spec.initContainers), ...listOf(spec.containers)]) {
    const tag = String(c.image ?? '').split('/').pop()!;
    c.imagePullPolicy ??= !tag.includes(':') || tag.endsWith(':latest') ? 'Always' : 'IfNotPresent';
    c.terminationMessagePath ??= '/dev/termination-log';
    c.terminationMessagePolicy ??= 'File';
    c.resources ??= {};
    for (const p of listOf(c.ports)) p.protocol ??= 'TCP';
    for (const probe of [c.readinessProbe, c.livenessProbe, c.startupProbe]) {
      if (!isObj(probe)) continue;
      probe.timeoutSeconds ??= 1;
      probe.periodSeconds ??= 10;
      probe.successThreshold ??= 1;
      probe.failureThreshold ??= 3;
      if (isObj(probe.httpGet)) probe.httpGet.scheme ??= 'HTTP';
    }
  }
}
