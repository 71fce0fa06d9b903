// Kubernetes API stand-in: Service defaults and the rules of pkg/apis/core/validation/validation.go
// ValidateService / ValidateServiceUpdate and of the NodePort allocator
// (pkg/registry/core/service/portallocator): named ports when there are several, unique names,
// ports in range, nodePort in 30000-32767 and free, externalIPs real non-special IPs, clusterIP
// immutable.
import { isIP } from 'node:net';
import type { FieldErrors } from './field-errors.js';
import { dns1123Label, ipAddress, portName, portNumber } from './syntax.js';
import { validateLabels } from './validate-meta.js';

export type Obj = Record<string, any>;

export interface ServiceContext {
  /** Every Service's cluster IP when there is no `clusterIPs` range (the stand-in run alone). */
  serviceIP: string;
  /**
   * The Service range (--service-cidr), as the API server's ipallocator: a new Service gets its
   * first free address; a requested one must be in the range and free.
   */
  clusterIPs?: { range: string; contains: (ip: string) => boolean; inUse: (namespace: string, name: string) => Set<string>; next: (inUse: Set<string>) => string | undefined };
  /** Next free NodePort. */
  nodePort: () => number;
  /** NodePorts that Services other than `namespace/name` hold. */
  nodePortsInUse: (namespace: string, name: string) => Set<number>;
}

export const NODE_PORT_RANGE = { min: 30000, max: 32767 };

const listOf = (v: unknown): Obj[] => (Array.isArray(v) ? v.filter((x) => x && typeof x === 'object') : []);

/** ValidateNonSpecialIP (externalIPs). */
function nonSpecialIP(ip: string): string[] {
  if (isIP(ip) === 4) {
    const [a, b, c] = ip.split('.').map(Number);
    if (ip === '0.0.0.0') return [`may not be unspecified (${ip})`];
    if (a === 127) return ['may not be in the loopback range (127.0.0.0/8, ::1/128)'];
    if (a === 169 && b === 254) return ['may not be in the link-local range (169.254.0.0/16, fe80::/10)'];
    if (a === 224 && b === 0 && c === 0) return ['may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)'];
    return [];
  }
  const low = ip.toLowerCase();
  if (low === '::') return [`may not be unspecified (${ip})`];
  if (low === '::1') return ['may not be in the loopback range (127.0.0.0/8, ::1/128)'];
  if (/^fe[89ab]/.test(low)) return ['may not be in the link-local range (169.254.0.0/16, fe80::/10)'];
  if (low.startsWith('ff02:')) return ['may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)'];
  return [];
}

function validatePorts(s: Obj, f: FieldErrors) {
  const ports = listOf(s.ports);
  const names = new Set<string>();
  const seen = new Set<string>();
  for (const [i, p] of ports.entries()) {
    const pp = `spec.ports[${i}]`;
    if (ports.length > 1 && !p.name) f.required(`${pp}.name`);
    if (p.name) {
      for (const m of dns1123Label(p.name)) f.invalid(`${pp}.name`, p.name, m);
      if (names.has(p.name)) f.duplicate(`${pp}.name`, p.name);
      names.add(p.name);
    }
    for (const m of portNumber(p.port)) f.invalid(`${pp}.port`, p.port, m);
    if (typeof p.targetPort === 'number') for (const m of portNumber(p.targetPort)) f.invalid(`${pp}.targetPort`, p.targetPort, m);
    if (typeof p.targetPort === 'string') for (const m of portName(p.targetPort)) f.invalid(`${pp}.targetPort`, p.targetPort, m);
    const key = `${p.port}/${p.protocol ?? 'TCP'}`;
    if (seen.has(key)) f.duplicate(pp, { port: p.port, protocol: p.protocol ?? 'TCP' });
    seen.add(key);
  }
}

/** pkg/registry/core/service/ipallocator, as the Service REST storage reports its errors. */
function allocateClusterIP(s: Obj, used: Set<string>, r: NonNullable<ServiceContext['clusterIPs']>, f: FieldErrors): void {
  if (s.clusterIP === 'None') return;
  if (!s.clusterIP) {
    const ip = r.next(used);
    if (ip) s.clusterIP = ip;
    else f.invalid('spec.clusterIPs', [], `failed to allocate IP: range is full`);
    return;
  }
  if (isIP(s.clusterIP) !== 4) return;
  if (!r.contains(s.clusterIP))
    f.invalid('spec.clusterIPs', [s.clusterIP], `failed to allocate IP ${s.clusterIP}: the provided IP (${s.clusterIP}) is not in the valid range. The range of valid IPs is ${r.range}`);
  else if (used.has(s.clusterIP)) f.invalid('spec.clusterIPs', [s.clusterIP], `failed to allocate IP ${s.clusterIP}: provided IP is already allocated`);
}

/** Defaults the Service in place (cluster IP, NodePorts) and records every violation in `f`. */
export function defaultAndValidateService(o: Obj, live: Obj | undefined, ctx: ServiceContext, f: FieldErrors): void {
  const s = (o.spec ??= {});
  s.type ??= 'ClusterIP';
  validateLabels(s.selector, 'spec.selector', f);
  if (!listOf(s.ports).length) f.required('spec.ports');
  validatePorts(s, f);
  for (const [i, ip] of (Array.isArray(s.externalIPs) ? s.externalIPs : []).entries()) {
    const msgs = ipAddress(String(ip));
    for (const m of msgs.length ? msgs : nonSpecialIP(String(ip))) f.invalid(`spec.externalIPs[${i}]`, ip, m);
  }
  if (s.clusterIP && s.clusterIP !== 'None') for (const m of ipAddress(s.clusterIP)) f.invalid('spec.clusterIPs[0]', s.clusterIP, m);
  const liveIP = live?.spec?.clusterIP;
  if (liveIP && s.clusterIP && s.clusterIP !== liveIP) f.immutable('spec.clusterIP', s.clusterIP);
  if (!liveIP && ctx.clusterIPs) allocateClusterIP(s, ctx.clusterIPs.inUse(o.metadata?.namespace, o.metadata?.name), ctx.clusterIPs, f);
  s.clusterIP = liveIP ?? (s.clusterIP || ctx.serviceIP);
  s.clusterIPs = [s.clusterIP];
  s.ipFamilies ??= ['IPv4'];
  s.ipFamilyPolicy ??= 'SingleStack';
  s.internalTrafficPolicy ??= 'Cluster';
  s.sessionAffinity ??= 'None';
  const external = s.type === 'NodePort' || s.type === 'LoadBalancer';
  const wasExternal = live?.spec?.type === 'NodePort' || live?.spec?.type === 'LoadBalancer';
  // pkg/registry/core/service/strategy.go dropTypeDependentFields: leaving NodePort, the node ports
  // the user did not change are released, not refused.
  if (wasExternal && !external) {
    const livePorts = listOf(live!.spec.ports);
    const same = listOf(s.ports).every((p, i) => p.nodePort === undefined || p.nodePort === livePorts[i]?.nodePort);
    if (same) for (const p of listOf(s.ports)) delete p.nodePort;
    if (s.externalTrafficPolicy === live!.spec.externalTrafficPolicy) delete s.externalTrafficPolicy;
  }
  const inUse = ctx.nodePortsInUse(o.metadata?.namespace, o.metadata?.name);
  for (const [i, p] of listOf(s.ports).entries()) {
    p.protocol ??= 'TCP';
    p.targetPort ??= p.port;
    if (external) {
      if (p.nodePort !== undefined) {
        if (typeof p.nodePort === 'number' && (p.nodePort < NODE_PORT_RANGE.min || p.nodePort > NODE_PORT_RANGE.max))
          f.invalid(`spec.ports[${i}].nodePort`, p.nodePort, `provided port is not in the valid range. The range of valid ports is ${NODE_PORT_RANGE.min}-${NODE_PORT_RANGE.max}`);
        else if (inUse.has(p.nodePort)) f.invalid(`spec.ports[${i}].nodePort`, p.nodePort, 'provided port is already allocated');
      }
      const prev = listOf(live?.spec?.ports).find((lp) => lp.port === p.port)?.nodePort;
      p.nodePort ??= prev ?? ctx.nodePort();
    } else if (p.nodePort !== undefined) f.forbidden(`spec.ports[${i}].nodePort`, "may not be used when `type` is 'ClusterIP'");
  }
  if (external) s.externalTrafficPolicy ??= 'Cluster';
  o.status ??= { loadBalancer: {} };
}
