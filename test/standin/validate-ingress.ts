// Kubernetes API stand-in: the rules of pkg/apis/networking/validation/validation.go
// ValidateIngressSpec that a registry Ingress meets: a pathType on every path, absolute paths for
// Prefix/Exact, DNS host names (not IPs), one backend with a service name and a port.
import { isIP } from 'node:net';
import type { FieldErrors } from './field-errors.js';
import { dns1035Label, dns1123Subdomain, portName, portNumber } from './syntax.js';

export type Obj = Record<string, any>;

const listOf = (v: unknown): Obj[] => (Array.isArray(v) ? v.filter((x) => x && typeof x === 'object') : []);

function validateHost(host: unknown, path: string, f: FieldErrors) {
  if (typeof host !== 'string' || !host) return;
  if (isIP(host)) return f.invalid(path, host, 'must be a DNS name, not an IP address');
  const name = host.startsWith('*.') ? host.slice(2) : host;
  for (const m of dns1123Subdomain(name)) f.invalid(path, host, m);
}

function validateBackend(b: Obj | undefined, path: string, f: FieldErrors) {
  const hasService = !!b?.service;
  const hasResource = !!b?.resource;
  if (hasService && hasResource) return f.invalid(path, '', 'cannot set both resource and service backends');
  if (!hasService && !hasResource) return f.invalid(path, '', 'resource or service backend is required');
  if (!hasService) return;
  const svc = b!.service as Obj;
  if (!svc.name) f.required(`${path}.service.name`);
  else for (const m of dns1035Label(svc.name)) f.invalid(`${path}.service.name`, svc.name, m);
  const name = svc.port?.name;
  const number = svc.port?.number;
  if (name && number) f.invalid(path, '', 'cannot set both port name & port number');
  else if (name) for (const m of portName(name)) f.invalid(`${path}.service.port.name`, name, m);
  else if (number) for (const m of portNumber(number)) f.invalid(`${path}.service.port.number`, number, m);
  else f.required(path, 'port name or number is required');
}

export function validateIngress(o: Obj, f: FieldErrors): void {
  const s: Obj = o.spec ?? {};
  if (!s.defaultBackend && !listOf(s.rules).length) f.invalid('spec', s.rules ?? [], 'either `defaultBackend` or `rules` must be specified');
  if (s.defaultBackend) validateBackend(s.defaultBackend, 'spec.defaultBackend', f);
  if (s.ingressClassName) for (const m of dns1123Subdomain(s.ingressClassName)) f.invalid('spec.ingressClassName', s.ingressClassName, m);
  for (const [i, tls] of listOf(s.tls).entries()) {
    for (const [j, h] of (Array.isArray(tls.hosts) ? tls.hosts : []).entries()) validateHost(h, `spec.tls[${i}].hosts[${j}]`, f);
  }
  for (const [i, rule] of listOf(s.rules).entries()) {
    const rp = `spec.rules[${i}]`;
    validateHost(rule.host, `${rp}.host`, f);
    if (!rule.http) continue;
    const paths = listOf(rule.http.paths);
    if (!paths.length) f.required(`${rp}.http.paths`);
    for (const [j, p] of paths.entries()) {
      const pp = `${rp}.http.paths[${j}]`;
      // The schema already reports a missing pathType ("pathType must be specified").
      if ((p.pathType === 'Prefix' || p.pathType === 'Exact') && !String(p.path ?? '').startsWith('/')) f.invalid(`${pp}.path`, p.path ?? '', 'must be an absolute path');
      validateBackend(p.backend, `${pp}.backend`, f);
    }
  }
}
