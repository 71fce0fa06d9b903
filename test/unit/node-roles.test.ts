// The five node roles' plans (no hosts): what they declare from their variables and facts.
import test from 'ava';
import { markCliStrings } from '../../src/cli-strings.js';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { InputError, StateError } from '../../src/errors.js';
import type { Role, RoleContext, Vars } from '../../src/resources/role.js';
import type { CommandState, FileState, Resource } from '../../src/resources/types.js';
import { isSecret, redact, Secret } from '../../src/secret.js';
import containerdTrust from '../../roles/containerd-trust/index.js';
import criProxy from '../../roles/cri-proxy/index.js';
import dnsHosts from '../../roles/dns-hosts/index.js';
import dockerTrust from '../../roles/docker-trust/index.js';
import fstabNfs from '../../roles/fstab-nfs/index.js';

const CA = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const site = { registry_name: 'registry.lab', registry_port: 5000, registry_ca_pem: CA };

function defaults(role: string): Vars {
  return (parseYaml(readFileSync(new URL(`../../roles/${role}/defaults.yaml`, import.meta.url), 'utf8')) ?? {}) as Vars;
}

function context(role: string, vars: Vars, o: { host?: string; groups?: string[]; hostvars?: Record<string, Vars> } = {}): RoleContext {
  return {
    host: { name: o.host ?? 'w1', groups: o.groups ?? ['workers'] },
    vars: { ...defaults(role), ...site, ...vars },
    hostvars: (h) => o.hostvars?.[h] ?? {},
    groups: { control_plane: ['cp1'], workers: ['w1', 'w2'], build: ['b1'] },
    template: () => '',
  };
}

function plan(role: Role, name: string, vars: Vars = {}, o: Parameters<typeof context>[2] = {}): Resource[] {
  const ctx = context(name, vars, o);
  role.validate?.(ctx.vars);
  return role.plan(ctx);
}

const file = (rs: Resource[], path: string) => rs.find((r): r is FileState => r.kind === 'file' && r.path === path)!;
const content = (f: FileState) => (isSecret(f.content) ? f.content.reveal() : f.content);

// containerd-trust
test('containerd-trust: a host whose container_runtime leaves containerd out (a CRI-O/Podman node) gets nothing; auto or a list with containerd is planned', (t) => {
  for (const runtime of ['crio', ['crio', 'k3s']]) {
    t.deepEqual(plan(containerdTrust, 'containerd-trust', { container_runtime: runtime }), [], JSON.stringify(runtime));
    const ctx = context('containerd-trust', { container_runtime: runtime });
    t.deepEqual(containerdTrust.files!(ctx.vars, ctx.host), []);
    t.deepEqual(containerdTrust.facts!(ctx), {});
  }
  for (const runtime of ['auto', 'containerd', ['containerd', 'crio']]) {
    t.truthy(file(plan(containerdTrust, 'containerd-trust', { container_runtime: runtime }), '/etc/containerd/config.toml'), JSON.stringify(runtime));
  }
  t.throws(() => plan(containerdTrust, 'containerd-trust', { container_runtime: 'podman' }), { instanceOf: InputError, message: /container_runtime = "podman": must be auto or one of containerd, crio/ });
});


test('containerd-trust: config.toml (edit, backup) notifies the restart; certs.d files do not', (t) => {
  const rs = plan(containerdTrust, 'containerd-trust');
  const config = file(rs, '/etc/containerd/config.toml');
  t.deepEqual(config.notify, ['restart containerd']);
  t.true(config.backup);
  const ca = file(rs, '/etc/containerd/certs.d/registry.lab:5000/ca.crt');
  const hosts = file(rs, '/etc/containerd/certs.d/registry.lab:5000/hosts.toml');
  t.is(ca.content, CA);
  t.is(ca.notify, undefined);
  t.is(hosts.notify, undefined);
  t.true(rs.some((r) => r.kind === 'directory' && r.path === '/etc/containerd/certs.d/registry.lab:5000' && r.mode === '0755'));
});

test('containerd-trust: /etc/containerd is ensured (mode untouched) before config.toml is written into it', (t) => {
  const rs = plan(containerdTrust, 'containerd-trust');
  const dir = rs.findIndex((r) => r.kind === 'directory' && r.path === '/etc/containerd');
  const config = rs.findIndex((r) => r.kind === 'file' && r.path === '/etc/containerd/config.toml');
  t.true(dir >= 0 && dir < config);
  t.is((rs[dir] as { mode?: string }).mode, undefined);
});

test('containerd-trust: hosts.toml names https://name:port with pull/resolve/push and the CA path', (t) => {
  const hosts = content(file(plan(containerdTrust, 'containerd-trust'), '/etc/containerd/certs.d/registry.lab:5000/hosts.toml'));
  t.regex(hosts!, /^server = "https:\/\/registry\.lab:5000"$/m);
  t.regex(hosts!, /^\[host\."https:\/\/registry\.lab:5000"\]$/m);
  t.regex(hosts!, /capabilities = \["pull", "resolve", "push"\]/);
  t.regex(hosts!, /ca = "\/etc\/containerd\/certs\.d\/registry\.lab:5000\/ca\.crt"/);
});

test('containerd-trust: a missing config.toml gets version 2 for containerd 1.x and version 3 for 2.x (from the fact)', (t) => {
  const config = file(plan(containerdTrust, 'containerd-trust'), '/etc/containerd/config.toml');
  t.regex(String(config.edit!(null, { containerd_version: { major: 1, minor: 6 } })), /version = 2[\s\S]*io\.containerd\.grpc\.v1\.cri".registry/);
  t.regex(String(config.edit!(null, { containerd_version: { major: 2, minor: 1 } })), /version = 3[\s\S]*io\.containerd\.cri\.v1\.images".registry/);
  t.throws(() => config.edit!(null, { containerd_version: null }), { instanceOf: StateError, message: /containerd --version/ });
});

test('containerd-trust: the containerd --version fact parses 1.6 and 2.x outputs, null when absent', (t) => {
  const q = containerdTrust.facts!(context('containerd-trust', {}))['containerd_version']!;
  t.deepEqual(q.argv, ['sh', '-c', 'test -s "$1" || containerd --version', 'sh', '/etc/containerd/config.toml']);
  t.deepEqual(q.parse('containerd github.com/containerd/containerd 1.6.20~ds1 1.6.20~ds1-1+deb12u3\n', 0), { major: 1, minor: 6 });
  t.deepEqual(q.parse('containerd github.com/containerd/containerd/v2 v2.1.3 c787fb98\n', 0), { major: 2, minor: 1 });
  t.is(q.parse('', 127), null);
  t.is(q.parse('', 0), null, 'config.toml present: containerd is not asked');
});

test('containerd-trust: a pinned containerd_config_version asks the host nothing', (t) => {
  t.deepEqual(containerdTrust.facts!(context('containerd-trust', { containerd_config_version: 2 })), {});
});

test('containerd-trust: the restart handler runs containerd_restart_command', (t) => {
  const ctx = context('containerd-trust', { containerd_restart_command: ['service', 'containerd', 'restart'] });
  t.deepEqual(containerdTrust.handlers!(ctx), { 'restart containerd': [{ kind: 'command', name: 'restart containerd', argv: ['service', 'containerd', 'restart'] }] });
  t.deepEqual((containerdTrust.handlers!(context('containerd-trust', {}))['restart containerd']![0] as CommandState).argv, ['systemctl', 'restart', 'containerd']);
});

test('containerd-trust: a relative containerd_certs_dir is an InputError naming it', (t) => {
  t.throws(() => plan(containerdTrust, 'containerd-trust', { containerd_certs_dir: 'certs.d' }), { instanceOf: InputError, message: /containerd_certs_dir/ });
});

// docker-trust

test('docker-trust: CA under /etc/docker/certs.d/<name:port>; login entry merged as sensitive Secret content (0600)', (t) => {
  const password = new Secret('s3cret-pw');
  const rs = plan(dockerTrust, 'docker-trust', { registry_users: [{ name: 'ci', password }] }, { host: 'b1', groups: ['build'] });
  t.is(content(file(rs, '/etc/docker/certs.d/registry.lab:5000/ca.crt')), CA);
  const config = file(rs, '/root/.docker/config.json');
  t.true(config.sensitive);
  t.is(config.mode, '0600');
  const out = config.edit!('{"auths":{"other.io":{"auth":"eDp5"}}}', {});
  t.true(isSecret(out));
  const json = JSON.parse((out as Secret).reveal());
  t.is(Buffer.from(json.auths['registry.lab:5000'].auth, 'base64').toString(), 'ci:s3cret-pw');
  t.deepEqual(json.auths['other.io'], { auth: 'eDp5' });
  t.false(redact(`auth ${json.auths['registry.lab:5000'].auth}`).includes(json.auths['registry.lab:5000'].auth));
});

test('docker-trust: docker_login_user/password win over registry_users; login can be turned off', (t) => {
  const rs = plan(dockerTrust, 'docker-trust', { docker_login_user: 'builder', docker_login_password: new Secret('pw-b'), registry_users: [{ name: 'ci', password: 'x' }] });
  const json = JSON.parse((file(rs, '/root/.docker/config.json').edit!(null, {}) as Secret).reveal());
  t.is(Buffer.from(json.auths['registry.lab:5000'].auth, 'base64').toString(), 'builder:pw-b');
  t.false(plan(dockerTrust, 'docker-trust', { docker_login_enabled: false }).some((r) => r.kind === 'file' && r.path.endsWith('config.json')));
});

test('docker-trust: login without any credentials is an InputError naming docker_login_user', (t) => {
  t.throws(() => plan(dockerTrust, 'docker-trust'), { instanceOf: InputError, message: /docker_login_user/ });
});

// dns-hosts

const k8sFact = (spec: object) => ({ registry_k8s: { objects: [{ apiVersion: 'v1', kind: 'Service', metadata: { name: 'registry', namespace: 'registry' }, spec: { ports: [{ name: 'registry', port: 5000 }], ...spec } }] } });
const service = { cp1: k8sFact({ clusterIP: '10.96.0.50', externalIPs: ['10.213.0.9'] }) };

test('dns-hosts: cluster nodes map the name to the Service clusterIP from cp1', (t) => {
  const [hosts] = plan(dnsHosts, 'dns-hosts', {}, { hostvars: service }) as FileState[];
  t.is(hosts!.path, '/etc/hosts');
  t.is(hosts!.edit!('127.0.0.1 localhost\n', {}), '127.0.0.1 localhost\n10.96.0.50 registry.lab\n');
});

test('dns-hosts: a build host outside the cluster uses the first externalIP; registry_ip overrides both', (t) => {
  const [b1] = plan(dnsHosts, 'dns-hosts', {}, { host: 'b1', groups: ['build'], hostvars: service }) as FileState[];
  t.is(b1!.edit!(null, {}), '10.213.0.9 registry.lab\n');
  const [w1] = plan(dnsHosts, 'dns-hosts', { registry_ip: '192.0.2.7' }, { hostvars: service }) as FileState[];
  t.is(w1!.edit!(null, {}), '192.0.2.7 registry.lab\n');
});

test('dns-hosts: without registry_ip and without the k8s-apply fact it is a StateError naming k8s-apply', (t) => {
  t.throws(() => plan(dnsHosts, 'dns-hosts'), { instanceOf: StateError, message: /registry_k8s/ });
  t.throws(() => plan(dnsHosts, 'dns-hosts', {}, { host: 'b1', groups: ['build'], hostvars: { cp1: k8sFact({ clusterIP: '10.96.0.50' }) } }), {
    instanceOf: StateError,
    message: /externalIPs/,
  });
});

test('dns-hosts: registry_ip must be an IP address', (t) => {
  t.throws(() => plan(dnsHosts, 'dns-hosts', { registry_ip: 'registry.example' }), { instanceOf: InputError, message: /registry_ip/ });
});

// fstab-nfs

test('fstab-nfs: disabled by default (no resources)', (t) => {
  t.deepEqual(plan(fstabNfs, 'fstab-nfs'), []);
});

test('fstab-nfs: directory, then the fstab line checked by findmnt, then mount unless mounted', (t) => {
  const rs = plan(fstabNfs, 'fstab-nfs', { fstab_nfs_enabled: 'true', fstab_nfs_server: 'nfs1', fstab_nfs_export: '/export/reg', fstab_nfs_mountpoint: '/mnt/reg/' });
  t.deepEqual(rs.map((r) => r.kind), ['directory', 'file', 'command']);
  t.deepEqual(rs[0], { kind: 'directory', path: '/mnt/reg' });
  const fstab = rs[1] as FileState;
  t.is(fstab.path, '/etc/fstab');
  t.deepEqual(fstab.validate, ['findmnt', '--verify', '--tab-file', '%s']);
  t.is(fstab.edit!('# fstab\n', {}), '# fstab\nnfs1:/export/reg /mnt/reg nfs rw,hard,_netdev 0 0\n');
  t.like(rs[2], { argv: ['mount', '/mnt/reg'], unless: ['mountpoint', '-q', '/mnt/reg'] });
});

test('fstab-nfs: enabled without a server is an InputError naming fstab_nfs_server', (t) => {
  t.throws(() => plan(fstabNfs, 'fstab-nfs', { fstab_nfs_enabled: true, fstab_nfs_export: '/e', fstab_nfs_mountpoint: '/m' }), { instanceOf: InputError, message: /fstab_nfs_server/ });
});

// cri-proxy

test('cri-proxy: no proxy variables, no resources', (t) => {
  t.deepEqual(plan(criProxy, 'cri-proxy'), []);
});

test('cri-proxy: drop-in with the proxies and NO_PROXY led by the registry name; % escaped for systemd', (t) => {
  const rs = plan(criProxy, 'cri-proxy', { https_proxy: 'http://proxy.lab:3128/%7E', no_proxy: ['.svc', 'localhost'] });
  const dropIn = file(rs, '/etc/systemd/system/containerd.service.d/http-proxy.conf');
  t.is(
    content(dropIn),
    '# Managed by regplay (cri-proxy).\n[Service]\nEnvironment="HTTPS_PROXY=http://proxy.lab:3128/%%7E"\nEnvironment="NO_PROXY=registry.lab,.svc,localhost"\n',
  );
  t.deepEqual(dropIn.notify, ['reload systemd and restart containerd (proxy)']);
});

test('cri-proxy: auto services: containerd on cluster nodes, docker on build hosts', (t) => {
  const paths = (groups: string[]) => plan(criProxy, 'cri-proxy', { http_proxy: 'http://p:3128' }, { groups }).filter((r) => r.kind === 'file').map((r) => (r as FileState).path);
  t.deepEqual(paths(['workers']), ['/etc/systemd/system/containerd.service.d/http-proxy.conf']);
  t.deepEqual(paths(['build']), ['/etc/systemd/system/docker.service.d/http-proxy.conf']);
  t.deepEqual(paths(['monitoring']), []);
});

test('containerd-trust: containerd_config_version from -e (a string) is accepted; other values name the variable', (t) => {
  const ctx = context('containerd-trust', { containerd_config_version: '3' });
  markCliStrings(ctx.vars, ['containerd_config_version']);
  const config = file(containerdTrust.plan(ctx), '/etc/containerd/config.toml');
  t.throws(() => plan(containerdTrust, 'containerd-trust', { containerd_config_version: '3' }), { instanceOf: InputError, message: /containerd_config_version = "3": must be auto, 2 or 3/ });
  t.regex(String(config.edit!(null, { containerd_version: null })), /version = 3/);
  t.throws(() => plan(containerdTrust, 'containerd-trust', { containerd_config_version: 4 }), { instanceOf: InputError, message: /containerd_config_version.*auto, 2 or 3/ });
});

test('cri-proxy: a Secret proxy URL makes the drop-in Secret content', (t) => {
  const rs = plan(criProxy, 'cri-proxy', { http_proxy: new Secret('http://u:pw@proxy:3128'), cri_proxy_services: ['containerd', 'docker'] });
  t.true(isSecret(file(rs, '/etc/systemd/system/docker.service.d/http-proxy.conf').content));
});

test('cri-proxy: each handler reloads systemd before restarting its runtime (configurable commands)', (t) => {
  const ctx = context('cri-proxy', { http_proxy: 'http://p:3128', cri_proxy_services: ['containerd', 'docker'], docker_restart_command: ['service', 'docker', 'restart'] });
  const h = criProxy.handlers!(ctx);
  t.deepEqual(
    h['reload systemd and restart docker (proxy)']!.map((r) => (r as CommandState).argv),
    [['systemctl', 'daemon-reload'], ['service', 'docker', 'restart']],
  );
  t.deepEqual(
    h['reload systemd and restart containerd (proxy)']!.map((r) => (r as CommandState).argv),
    [['systemctl', 'daemon-reload'], ['systemctl', 'restart', 'containerd']],
  );
});
