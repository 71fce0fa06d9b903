// The Ingress wired into every role: its host in the certificate (re-issued when it is turned on),
// certs.d/<ingress host>/ on nodes and build hosts, a login entry and a pull Secret entry for it,
// and the annotations of the chosen controller (nginx, Traefik, others through variables).
import test from 'ava';
import { readFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { parse as parseYaml } from 'yaml';
import type { Role, RoleContext, Vars } from '../../src/resources/role.js';
import type { FileState, Resource } from '../../src/resources/types.js';
import { isSecret, type Secret } from '../../src/secret.js';
import { InputError } from '../../src/errors.js';
import containerdTrust from '../../roles/containerd-trust/index.js';
import dockerTrust from '../../roles/docker-trust/index.js';
import dnsHosts from '../../roles/dns-hosts/index.js';
import { pkiSpec } from '../../roles/certs/index.js';
import { decidePki, pkiPaths } from '../../roles/certs/pki.js';
import { ingressAnnotations } from '../../roles/k8s-apply/ingress.js';
import { k8sApplyVars } from '../../roles/k8s-apply/vars.js';
import { parseVars, registryAddresses } from '../../roles/_shared/vars.js';
import { find, objects, password, revealed, vars as k8sVars } from './k8s-apply.fixture.js';

const CA = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const site = { registry_name: 'registry.lab', registry_port: 5000, registry_ca_pem: CA };
const INGRESS = { registry_ingress: true, registry_ingress_host: 'cr.example.test' };
const defaults = (role: string): Vars => (parseYaml(readFileSync(new URL(`../../roles/${role}/defaults.yaml`, import.meta.url), 'utf8')) ?? {}) as Vars;

function plan(role: Role, name: string, extra: Vars, host = 'w1'): Resource[] {
  const ctx: RoleContext = {
    host: { name: host, groups: [] },
    vars: { ...defaults(name), ...site, registry_users: [{ name: 'ci', password: 'ci-pw-1' }], ...extra },
    hostvars: () => ({}),
    groups: { control_plane: ['cp1'] },
    template: () => '',
  };
  role.validate?.(ctx.vars);
  return role.plan(ctx);
}
const filePaths = (rs: Resource[]) => rs.filter((r): r is FileState => r.kind === 'file').map((r) => r.path);
const fileAt = (rs: Resource[], path: string) => rs.find((r): r is FileState => r.kind === 'file' && r.path === path)!;

test('addresses: name:port alone; with the Ingress also its host without a port (443), or registry_name when no host is given', (t) => {
  t.deepEqual(registryAddresses(site), ['registry.lab:5000']);
  t.deepEqual(registryAddresses({ ...site, ...INGRESS }), ['registry.lab:5000', 'cr.example.test']);
  t.deepEqual(registryAddresses({ ...site, registry_ingress: true }), ['registry.lab:5000', 'registry.lab']);
  t.deepEqual(registryAddresses({ ...site, registry_ingress: false, registry_ingress_host: 'cr.example.test' }), ['registry.lab:5000'], 'a host alone does not turn it on');
});

test('containerd-trust: certs.d/<ingress host>/ gets the CA and a hosts.toml for https://<host> only when the Ingress is on', (t) => {
  t.deepEqual(filePaths(plan(containerdTrust, 'containerd-trust', {})).filter((p) => p.includes('certs.d')), ['/etc/containerd/certs.d/registry.lab:5000/ca.crt', '/etc/containerd/certs.d/registry.lab:5000/hosts.toml']);
  const rs = plan(containerdTrust, 'containerd-trust', INGRESS);
  t.is(fileAt(rs, '/etc/containerd/certs.d/cr.example.test/ca.crt').content, CA);
  const toml = fileAt(rs, '/etc/containerd/certs.d/cr.example.test/hosts.toml').content as string;
  t.regex(toml, /^server = "https:\/\/cr\.example\.test"$/m);
  t.regex(toml, /^\[host\."https:\/\/cr\.example\.test"\]$/m);
  t.regex(toml, /ca = "\/etc\/containerd\/certs\.d\/cr\.example\.test\/ca\.crt"/);
  t.truthy(fileAt(rs, '/etc/containerd/certs.d/registry.lab:5000/hosts.toml'), 'name:port is kept');
});

test('docker-trust: certs.d/<ingress host>/ca.crt and one login entry per address, other entries kept; a re-run leaves the file as it is', (t) => {
  const rs = plan(dockerTrust, 'docker-trust', INGRESS, 'b1');
  t.is(fileAt(rs, '/etc/docker/certs.d/cr.example.test/ca.crt').content, CA);
  t.is(fileAt(rs, '/etc/docker/certs.d/registry.lab:5000/ca.crt').content, CA);
  const config = fileAt(rs, '/root/.docker/config.json');
  const first = (config.edit!('{"auths":{"other.io":{"auth":"eDp5"}}}', {}) as Secret).reveal();
  const auths = JSON.parse(first).auths;
  t.deepEqual(Object.keys(auths), ['other.io', 'registry.lab:5000', 'cr.example.test']);
  for (const a of ['registry.lab:5000', 'cr.example.test']) t.is(Buffer.from(auths[a].auth, 'base64').toString(), 'ci:ci-pw-1');
  t.is((config.edit!(first, {}) as Secret).reveal(), first, 'unchanged on the next run');
});

test('certs: the Ingress host is a SAN; turning the Ingress on re-issues the certificate (CA kept), off again drops it', async (t) => {
  const certsVars = (extra: Vars) => ({ ...defaults('certs'), registry_name: 'registry.lab', registry_port: 5000, registry_key_type: 'ecdsa-p256', ...extra });
  const now = new Date('2026-01-10T00:00:00Z');
  const off = pkiSpec(certsVars({}));
  const on = pkiSpec(certsVars(INGRESS));
  t.deepEqual(on.extraDns, ['cr.example.test']);
  const p = pkiPaths(off.dir);
  const empty = { [p.caCrt]: null, [p.caKey]: null, [p.tlsCrt]: null, [p.tlsKey]: null };
  const reveal = (c: Record<string, unknown>) => Object.fromEntries(Object.entries(c).map(([k, v]) => [k, isSecret(v) ? v.reveal() : (v as string)]));
  const files = reveal((await decidePki(off, empty, now)).content);
  const turnedOn = await decidePki(on, files, now);
  t.regex(turnedOn.why ?? '', /subjectAltName changes \(\+DNS:cr\.example\.test\): re-issue/);
  const onFiles = reveal(turnedOn.content);
  t.is(onFiles[p.caCrt], files[p.caCrt], 'the CA is kept: nodes need not re-trust');
  t.is(new X509Certificate(onFiles[p.tlsCrt]!).subjectAltName, 'DNS:registry.lab, DNS:cr.example.test');
  t.is((await decidePki(on, onFiles, now)).why, undefined, 'and the next run keeps it');
  t.regex((await decidePki(off, onFiles, now)).why ?? '', /-DNS:cr\.example\.test/);
});

test('pull Secret: .dockerconfigjson names name:port and the Ingress host, with the same credentials', (t) => {
  const secret = revealed(find(objects(INGRESS), 'Secret', 'regcred')) as any;
  const auths = JSON.parse(Buffer.from(secret.data['.dockerconfigjson'], 'base64').toString()).auths;
  const entry = { username: 'alice', password, auth: Buffer.from(`alice:${password}`).toString('base64') };
  t.deepEqual(auths, { 'registry.local:5000': entry, 'cr.example.test': entry });
  const without = revealed(find(objects(), 'Secret', 'regcred')) as any;
  t.deepEqual(Object.keys(JSON.parse(Buffer.from(without.data['.dockerconfigjson'], 'base64').toString()).auths), ['registry.local:5000']);
});

const annotations = (extra: Vars) => ingressAnnotations(parseVars('k8s-apply', k8sApplyVars, k8sVars({ registry_ingress: true, ...extra })));

const classes: Array<[string, Vars, { ingress: Record<string, string>; service: Record<string, string> }]> = [
  ['nginx (the default class): no body limit, HTTPS to the registry', {}, { ingress: { 'nginx.ingress.kubernetes.io/proxy-body-size': '0', 'nginx.ingress.kubernetes.io/backend-protocol': 'HTTPS' }, service: {} }],
  [
    'traefik: a TLS router on websecure, https to the Service',
    { registry_ingress_class: 'traefik' },
    { ingress: { 'traefik.ingress.kubernetes.io/router.entrypoints': 'websecure', 'traefik.ingress.kubernetes.io/router.tls': 'true' }, service: { 'traefik.ingress.kubernetes.io/service.serversscheme': 'https' } },
  ],
  ['an unknown class: none', { registry_ingress_class: 'haproxy' }, { ingress: {}, service: {} }],
  ['a class named otherwise, controller given', { registry_ingress_class: 'internal', registry_ingress_controller: 'traefik' }, annotationsOf('traefik')],
  [
    'nginx with passthrough asked for and a default dropped (null)',
    { registry_ingress_annotations: { 'nginx.ingress.kubernetes.io/ssl-passthrough': 'true', 'nginx.ingress.kubernetes.io/backend-protocol': null } },
    { ingress: { 'nginx.ingress.kubernetes.io/proxy-body-size': '0', 'nginx.ingress.kubernetes.io/ssl-passthrough': 'true' }, service: {} },
  ],
  [
    'traefik with a ServersTransport on the Service',
    { registry_ingress_class: 'traefik', registry_ingress_service_annotations: { 'traefik.ingress.kubernetes.io/service.serverstransport': 'registry-ca@kubernetescrd' } },
    { ingress: annotationsOf('traefik').ingress, service: { 'traefik.ingress.kubernetes.io/service.serversscheme': 'https', 'traefik.ingress.kubernetes.io/service.serverstransport': 'registry-ca@kubernetescrd' } },
  ],
];
function annotationsOf(controller: string) {
  return ingressAnnotations(parseVars('k8s-apply', k8sApplyVars, k8sVars({ registry_ingress: true, registry_ingress_class: controller })));
}

for (const [label, extra, want] of classes) {
  test(`annotations per controller: ${label}`, (t) => {
    t.deepEqual(annotations(extra), want);
    const list = objects({ registry_ingress: true, ...extra });
    t.deepEqual((find(list, 'Ingress') as any).metadata.annotations ?? {}, want.ingress, 'rendered on the Ingress');
    t.deepEqual((find(list, 'Service') as any).metadata.annotations ?? {}, want.service, 'rendered on the Service');
  });
}

test('the Ingress off: no Ingress, no controller annotations on the Service', (t) => {
  const list = objects({ registry_ingress_class: 'traefik' });
  t.false(list.some((o) => o.kind === 'Ingress'));
  t.is((find(list, 'Service') as any).metadata.annotations, undefined);
});

test('an annotation key that is not a qualified name is bad input naming the variable', (t) => {
  t.throws(() => annotations({ registry_ingress_annotations: { 'bad key/with/slashes': 'x' } }), { instanceOf: InputError, message: /registry_ingress_annotations/ });
});

test('dns-hosts: with registry_ingress_ip the ingress host gets its own line (other lines kept); without it only registry_name is mapped', (t) => {
  const hostsFile = (extra: Vars) => fileAt(plan(dnsHosts, 'dns-hosts', { registry_ip: '10.0.0.5', ...extra }), '/etc/hosts');
  const current = '127.0.0.1 localhost\n';
  t.is(hostsFile(INGRESS).edit!(current, {}), '127.0.0.1 localhost\n10.0.0.5 registry.lab\n', 'no address given: your DNS resolves it');
  const f = hostsFile({ ...INGRESS, registry_ingress_ip: '10.0.0.80' });
  t.is(f.name, '/etc/hosts: registry.lab -> 10.0.0.5, cr.example.test -> 10.0.0.80');
  const once = f.edit!(current, {}) as string;
  t.is(once, '127.0.0.1 localhost\n10.0.0.5 registry.lab\n10.0.0.80 cr.example.test\n');
  t.is(f.edit!(once, {}), once, 'unchanged on the next run');
  t.is(hostsFile({ ...INGRESS, registry_ingress: false, registry_ingress_ip: '10.0.0.80' }).edit!(current, {}), '127.0.0.1 localhost\n10.0.0.5 registry.lab\n', 'the Ingress off: no line');
  t.throws(() => hostsFile({ registry_ingress: true, registry_ingress_ip: '10.0.0.80' }), { instanceOf: InputError, message: /registry_ingress_ip .*other than registry_name/ });
});
