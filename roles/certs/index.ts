// certs: a small CA and the registry's server certificate, kept on the control-plane host and
// reused while valid, so a run from a fresh clone changes nothing. Nodes trust the CA (fact
// `registry_pki`, read through roles/_shared/pki.ts), so the certificate renews without re-trusting.
import type { Vars } from '../../src/resources/role.js';
import type { Resource } from '../../src/resources/types.js';
import { ingressHost, parseVars } from '../_shared/vars.js';
import { decidePki, pkiPaths, type PkiSpec } from './pki.js';
import { certsVars } from './vars.js';
import { defineRole } from '../_shared/role.js';

export function pkiSpec(vars: Vars): PkiSpec {
  const v = parseVars('certs', certsVars, vars);
  return {
    dir: v.registry_cert_dir,
    registryName: v.registry_name,
    // the Ingress host too: clients reaching the registry through the Ingress verify the same certificate
    extraDns: [...v.registry_cert_extra_dns, ...[ingressHost(v)].filter((h): h is string => h !== undefined)],
    ips: v.registry_cert_extra_ips,
    keyType: v.registry_key_type,
    caDays: v.registry_ca_days,
    certDays: v.registry_cert_days,
    renewDays: v.cert_renew_days,
    forceRenew: v.certs_force_renew,
  };
}

export function certsResources(spec: PkiSpec, now: () => Date = () => new Date()): Resource[] {
  const p = pkiPaths(spec.dir);
  return [
    { kind: 'directory', name: 'registry PKI directory', path: spec.dir, mode: '0700' },
    {
      kind: 'fileset',
      name: 'registry CA and certificate',
      files: [
        { path: p.caCrt, mode: '0644' },
        { path: p.caKey, mode: '0600', sensitive: true },
        { path: p.tlsCrt, mode: '0644' },
        { path: p.tlsKey, mode: '0600', sensitive: true },
      ],
      register: 'registry_pki',
      edit: (current) => decidePki(spec, current, now()),
    },
  ];
}

const certs = defineRole({
  name: 'certs',
  vars: pkiSpec,
  files: (spec) => Object.values(pkiPaths(spec.dir)),
  plan: (spec) => certsResources(spec),
});

export default certs;
