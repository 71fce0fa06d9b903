// Kubernetes API stand-in: defaulting and the validation rules a real API server would enforce for
// the kinds the registry role uses (a subset, enough to refuse the usual mistakes).
import { isPlainObject } from './fieldset.js';
import { canonicalizeQuantities } from './quantity.js';

export type Obj = Record<string, any>;

export interface Cause {
  field: string;
  message: string;
  reason?: string;
}

export class InvalidError extends Error {
  constructor(readonly causes: Cause[]) {
    super(causes.map((c) => `${c.field}: ${c.message}`).join(', '));
  }
}

export interface DefaultContext {
  serviceIP: string;
  /** Next free NodePort. */
  nodePort: () => number;
}

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
export const QUANTITY = /^[+-]?(\d+(\.\d*)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?\d+)?$/;

const SUFFIX: Record<string, number> = {
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
  n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
};

export function quantityValue(q: string | number): number {
  if (typeof q === 'number') return q;
  const m = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?\d+)?$/.exec(q);
  if (!m) return NaN;
  const suffix = m[2] ?? '';
  if (/^[eE]/.test(suffix)) return Number(m[1]) * 10 ** Number(suffix.slice(1));
  return Number(m[1]) * SUFFIX[suffix]!;
}

function checkName(o: Obj, causes: Cause[]) {
  const name = o.metadata?.name;
  const re = o.kind === 'Namespace' ? DNS1123_LABEL : o.kind === 'Service' ? DNS1035_LABEL : DNS1123_SUBDOMAIN;
  if (typeof name !== 'string' || !name) causes.push({ field: 'metadata.name', message: 'Required value: name or generateName is required', reason: 'FieldValueRequired' });
  else if (name.length > (o.kind === 'Namespace' || o.kind === 'Service' ? 63 : 253) || !re.test(name))
    causes.push({ field: 'metadata.name', message: `Invalid value: ${JSON.stringify(name)}: a lowercase RFC 1123 name must consist of lower case alphanumeric characters or '-'`, reason: 'FieldValueInvalid' });
  for (const [k, v] of Object.entries(o.metadata?.labels ?? {})) {
    if (typeof v !== 'string') causes.push({ field: `metadata.labels.${k}`, message: 'Invalid value: label values must be strings', reason: 'FieldValueInvalid' });
  }
}

function isBase64(s: unknown): boolean {
  return typeof s === 'string' && /^[A-Za-z0-9+/]*={0,2}$/.test(s) && s.length % 4 === 0;
}

function defaultSecret(o: Obj, causes: Cause[]) {
  o.type ??= 'Opaque';
  if (isPlainObject(o.stringData)) {
    o.data ??= {};
    for (const [k, v] of Object.entries(o.stringData)) o.data[k] = Buffer.from(String(v)).toString('base64');
    delete o.stringData;
  }
  for (const [k, v] of Object.entries(o.data ?? {})) {
    if (!isBase64(v)) causes.push({ field: `data[${k}]`, message: 'Invalid value: <secret contents redacted>: illegal base64 data', reason: 'FieldValueInvalid' });
  }
  const need = o.type === 'kubernetes.io/tls' ? ['tls.crt', 'tls.key'] : o.type === 'kubernetes.io/dockerconfigjson' ? ['.dockerconfigjson'] : [];
  for (const k of need) if (!o.data?.[k]) causes.push({ field: `data[${k}]`, message: 'Required value', reason: 'FieldValueRequired' });
  if (o.type === 'kubernetes.io/dockerconfigjson' && o.data?.['.dockerconfigjson']) {
    try {
      JSON.parse(Buffer.from(o.data['.dockerconfigjson'], 'base64').toString());
    } catch {
      causes.push({ field: 'data[.dockerconfigjson]', message: 'Invalid value: "<secret contents redacted>": invalid character in JSON', reason: 'FieldValueInvalid' });
    }
  }
}

function defaultService(o: Obj, live: Obj | undefined, ctx: DefaultContext, causes: Cause[]) {
  const s = (o.spec ??= {});
  s.type ??= 'ClusterIP';
  const liveIP = live?.spec?.clusterIP;
  if (liveIP && s.clusterIP && s.clusterIP !== liveIP) causes.push({ field: 'spec.clusterIP', message: 'Invalid value: field is immutable', reason: 'FieldValueInvalid' });
  s.clusterIP = liveIP ?? (s.clusterIP || ctx.serviceIP);
  s.clusterIPs = [s.clusterIP];
  s.ipFamilies ??= ['IPv4'];
  s.ipFamilyPolicy ??= 'SingleStack';
  s.internalTrafficPolicy ??= 'Cluster';
  s.sessionAffinity ??= 'None';
  if (!Array.isArray(s.ports) || !s.ports.length) causes.push({ field: 'spec.ports', message: 'Required value', reason: 'FieldValueRequired' });
  for (const [i, p] of (Array.isArray(s.ports) ? s.ports : []).entries()) {
    p.protocol ??= 'TCP';
    p.targetPort ??= p.port;
    if (!Number.isInteger(p.port) || p.port < 1 || p.port > 65535) causes.push({ field: `spec.ports[${i}].port`, message: `Invalid value: ${JSON.stringify(p.port)}: must be between 1 and 65535, inclusive`, reason: 'FieldValueInvalid' });
    if (s.type === 'NodePort' || s.type === 'LoadBalancer') {
      const prev = live?.spec?.ports?.find((lp: Obj) => lp.port === p.port)?.nodePort;
      p.nodePort ??= prev ?? ctx.nodePort();
    } else if (p.nodePort !== undefined) causes.push({ field: `spec.ports[${i}].nodePort`, message: 'Forbidden: may not be used when `type` is \'ClusterIP\'', reason: 'FieldValueForbidden' });
  }
  if (s.type === 'NodePort' || s.type === 'LoadBalancer') s.externalTrafficPolicy ??= 'Cluster';
  o.status ??= { loadBalancer: {} };
}

function defaultPodSpec(spec: Obj, path: string, causes: Cause[]) {
  spec.restartPolicy ??= 'Always';
  spec.dnsPolicy ??= 'ClusterFirst';
  spec.schedulerName ??= 'default-scheduler';
  spec.terminationGracePeriodSeconds ??= 30;
  spec.securityContext ??= {};
  const volumes = new Set<string>();
  for (const v of Array.isArray(spec.volumes) ? spec.volumes : []) {
    volumes.add(v.name);
    if (v.secret) v.secret.defaultMode ??= 420;
    if (v.configMap) v.configMap.defaultMode ??= 420;
  }
  if (!Array.isArray(spec.containers) || !spec.containers.length) {
    causes.push({ field: `${path}.containers`, message: 'Required value', reason: 'FieldValueRequired' });
    return;
  }
  for (const [i, c] of (spec.containers as Obj[]).entries()) {
    const cp = `${path}.containers[${i}]`;
    if (!c.name) causes.push({ field: `${cp}.name`, message: 'Required value', reason: 'FieldValueRequired' });
    if (!c.image) causes.push({ field: `${cp}.image`, message: 'Required value', reason: 'FieldValueRequired' });
    const tag = String(c.image ?? '').split('/').pop()!;
    c.imagePullPolicy ??= !tag.includes(':') || tag.endsWith(':latest') ? 'Always' : 'IfNotPresent';
    c.terminationMessagePath ??= '/dev/termination-log';
    c.terminationMessagePolicy ??= 'File';
    c.resources ??= {};
    for (const p of Array.isArray(c.ports) ? c.ports : []) p.protocol ??= 'TCP';
    for (const probe of [c.readinessProbe, c.livenessProbe, c.startupProbe]) {
      if (!isPlainObject(probe)) continue;
      probe.timeoutSeconds ??= 1;
      probe.periodSeconds ??= 10;
      probe.successThreshold ??= 1;
      probe.failureThreshold ??= 3;
      if (probe.httpGet) probe.httpGet.scheme ??= 'HTTP';
    }
    for (const [kind, rl] of Object.entries(c.resources ?? {})) {
      for (const [res, q] of Object.entries((rl as Obj) ?? {})) {
        if (!QUANTITY.test(String(q))) causes.push({ field: `${cp}.resources.${kind}[${res}]`, message: `Invalid value: ${JSON.stringify(q)}: must match the regular expression for a quantity`, reason: 'FieldValueInvalid' });
      }
    }
    const seen = new Set<string>();
    for (const [j, m] of (Array.isArray(c.volumeMounts) ? c.volumeMounts : []).entries()) {
      if (!volumes.has(m.name)) causes.push({ field: `${cp}.volumeMounts[${j}].name`, message: `Not found: ${JSON.stringify(m.name)}`, reason: 'FieldValueNotFound' });
      if (typeof m.mountPath !== 'string' || !m.mountPath.startsWith('/')) causes.push({ field: `${cp}.volumeMounts[${j}].mountPath`, message: 'Invalid value: must be an absolute path', reason: 'FieldValueInvalid' });
      if (seen.has(m.mountPath)) causes.push({ field: `${cp}.volumeMounts[${j}].mountPath`, message: `Invalid value: ${JSON.stringify(m.mountPath)}: must be unique`, reason: 'FieldValueInvalid' });
      seen.add(m.mountPath);
    }
  }
}

function defaultDeployment(o: Obj, live: Obj | undefined, causes: Cause[]) {
  const s = (o.spec ??= {});
  s.replicas ??= 1;
  s.revisionHistoryLimit ??= 10;
  s.progressDeadlineSeconds ??= 600;
  s.strategy ??= { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } };
  s.strategy.type ??= 'RollingUpdate';
  if (s.strategy.type === 'RollingUpdate') s.strategy.rollingUpdate ??= { maxUnavailable: '25%', maxSurge: '25%' };
  if (s.strategy.type === 'Recreate' && s.strategy.rollingUpdate)
    causes.push({ field: 'spec.strategy.rollingUpdate', message: "Forbidden: may not be specified when strategy `type` is 'Recreate'", reason: 'FieldValueForbidden' });
  const sel = s.selector?.matchLabels;
  if (!isPlainObject(sel) || !Object.keys(sel).length) causes.push({ field: 'spec.selector', message: 'Required value', reason: 'FieldValueRequired' });
  else {
    const labels = s.template?.metadata?.labels ?? {};
    if (!Object.entries(sel).every(([k, v]) => labels[k] === v))
      causes.push({ field: 'spec.template.metadata.labels', message: 'Invalid value: `selector` does not match template `labels`', reason: 'FieldValueInvalid' });
  }
  if (live && JSON.stringify(live.spec?.selector) !== JSON.stringify(s.selector))
    causes.push({ field: 'spec.selector', message: 'Invalid value: field is immutable', reason: 'FieldValueInvalid' });
  s.template ??= {};
  s.template.metadata ??= {};
  defaultPodSpec((s.template.spec ??= {}), 'spec.template.spec', causes);
}

function defaultPVC(o: Obj, live: Obj | undefined, causes: Cause[]) {
  const s = (o.spec ??= {});
  s.volumeMode ??= 'Filesystem';
  const size = s.resources?.requests?.storage;
  if (size === undefined) causes.push({ field: 'spec.resources[storage]', message: 'Required value', reason: 'FieldValueRequired' });
  else if (!QUANTITY.test(String(size))) causes.push({ field: 'spec.resources.requests[storage]', message: `Invalid value: ${JSON.stringify(size)}: must match the regular expression for a quantity`, reason: 'FieldValueInvalid' });
  if (!Array.isArray(s.accessModes) || !s.accessModes.length) causes.push({ field: 'spec.accessModes', message: 'Required value: at least 1 access mode is required', reason: 'FieldValueRequired' });
  if (live) {
    const { resources: a, volumeName: va, ...restLive } = live.spec ?? {};
    const { resources: b, volumeName: vb, ...restNew } = s;
    if (JSON.stringify(sortKeys(restLive)) !== JSON.stringify(sortKeys(restNew)) || (vb && va && va !== vb))
      causes.push({ field: 'spec', message: 'Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims', reason: 'FieldValueForbidden' });
    if (quantityValue(String(size)) < quantityValue(String(a?.requests?.storage)))
      causes.push({ field: 'spec.resources.requests.storage', message: 'Forbidden: field can not be less than status.capacity', reason: 'FieldValueForbidden' });
  }
}

function defaultPV(o: Obj, causes: Cause[]) {
  const s = (o.spec ??= {});
  s.persistentVolumeReclaimPolicy ??= 'Retain';
  s.volumeMode ??= 'Filesystem';
  if (!QUANTITY.test(String(s.capacity?.storage))) causes.push({ field: 'spec.capacity[storage]', message: 'Required value', reason: 'FieldValueRequired' });
  if (!s.hostPath && !s.nfs && !s.local) causes.push({ field: 'spec', message: 'Required value: must specify a volume type', reason: 'FieldValueRequired' });
  if (s.hostPath) s.hostPath.type ??= '';
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (isPlainObject(v)) return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys(v[k])]));
  return v;
}

/** Defaults the object in place and throws InvalidError listing every violation. */
export function defaultAndValidate(o: Obj, live: Obj | undefined, ctx: DefaultContext): void {
  const causes: Cause[] = [];
  checkName(o, causes);
  switch (o.kind) {
    case 'Namespace':
      o.metadata.labels = { ...(o.metadata.labels ?? {}), 'kubernetes.io/metadata.name': o.metadata.name };
      o.spec ??= { finalizers: ['kubernetes'] };
      o.status = { phase: 'Active' };
      break;
    case 'Secret':
      defaultSecret(o, causes);
      if (live && live.type !== o.type) causes.push({ field: 'type', message: 'Invalid value: field is immutable', reason: 'FieldValueInvalid' });
      break;
    case 'Service':
      defaultService(o, live, ctx, causes);
      break;
    case 'Deployment':
      defaultDeployment(o, live, causes);
      break;
    case 'PersistentVolumeClaim':
      defaultPVC(o, live, causes);
      break;
    case 'PersistentVolume':
      defaultPV(o, causes);
      break;
    case 'Ingress':
      o.status ??= { loadBalancer: {} };
      break;
  }
  if (causes.length) throw new InvalidError(causes);
  canonicalizeQuantities(o);
}
