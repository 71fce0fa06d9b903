// node-trust after the Ingress is turned off (registry_ingress: false, registry_ingress_host still
// naming it): the old host's trust goes where it is exactly regplay's — the CRI-O/Podman, Docker and
// MicroK8s directories (guarded removals, run on real directories in stale-ingress.test.ts), the k3s/RKE2
// registries.yaml entry and its CA directory, the kubelet's auths entry — and nothing of the user's.
// The lab test (test/integration/node-trust-ingress-off.test.ts) does it on hosts.
import test from 'ava';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { RoleContext, Vars } from '../../src/resources/role.js';
import type { CommandState, FileState, Resource } from '../../src/resources/types.js';
import { isSecret } from '../../src/secret.js';
import nodeTrust from '../../roles/node-trust/index.js';
import { rancherEntryOwner, removeRancherTrust, setRancherTrust } from '../../roles/node-trust/registries-yaml.js';
import { hostsToml } from '../../roles/_shared/hosts-toml.js';

const CA = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const OLD = 'cr.lab';
const K3S_CA = `/etc/rancher/k3s/registry-ca/${OLD}/ca.crt`;
const site = { registry_name: 'registry.lab', registry_port: 5000, registry_ca_pem: CA, registry_users: [{ name: 'alice', password: 'pw-Off-1' }] };
const defaults = parseYaml(readFileSync(new URL('../../roles/node-trust/defaults.yaml', import.meta.url), 'utf8')) as Vars;
const OFF = { registry_ingress: false, registry_ingress_host: OLD, container_runtime: ['crio', 'microk8s', 'k3s', 'docker'], node_trust_kubelet_credentials: true };

function context(vars: Vars): RoleContext {
  return { host: { name: 'w1', groups: ['workers'] }, vars: { ...defaults, ...site, ...vars }, hostvars: () => ({}), groups: { control_plane: ['cp1'], workers: ['w1'] }, template: () => '' };
}
function plan(vars: Vars): Resource[] {
  const ctx = context(vars);
  nodeTrust.validate?.(ctx.vars);
  return nodeTrust.plan(ctx);
}
const removals = (rs: Resource[]) => rs.filter((r): r is CommandState => r.kind === 'command');
const file = (rs: Resource[], path: string) => rs.find((r): r is FileState => r.kind === 'file' && r.path === path)!;
const text = (c: unknown) => (isSecret(c) ? c.reveal() : String(c));
const sha = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');
const staleFact = (verdict: string) => ({ node_runtimes: { runtimes: [], units: [] }, node_k3s_stale_ingress_entry: verdict });

test('off with the host named: one guarded removal per trust directory of the old host, with exactly the files regplay writes there', (t) => {
  const rs = removals(plan(OFF));
  t.deepEqual(rs.map((r) => r.name), [
    `crio trust for ${OLD} removed (the Ingress is off)`,
    `microk8s trust for ${OLD} removed (the Ingress is off)`,
    `k3s CA for ${OLD} removed (the Ingress is off)`,
    `docker trust for ${OLD} removed (the Ingress is off)`,
  ]);
  const dirOf = (r: CommandState) => r.argv[4];
  const namesOf = (r: CommandState) => r.argv.slice(5);
  t.deepEqual(rs.map(dirOf), [`/etc/containers/certs.d/${OLD}`, `/var/snap/microk8s/current/args/certs.d/${OLD}`, `/etc/rancher/k3s/registry-ca/${OLD}`, `/etc/docker/certs.d/${OLD}`]);
  t.deepEqual(rs.map(namesOf), [['ca.crt'], ['ca.crt', 'hosts.toml'], ['ca.crt'], ['ca.crt']]);
  // MicroK8s: the hosts.toml digest is that of the file regplay wrote for the old host
  const micro = rs[1]!.unless!;
  t.true(micro.includes(sha(hostsToml(OLD, `/var/snap/microk8s/current/args/certs.d/${OLD}/ca.crt`, { role: 'node-trust', reader: 'MicroK8s containerd', capabilities: ['pull', 'resolve'] }))));
  t.true(micro.includes(sha(CA)));
});

test('the k3s CA directory goes only when registries.yaml holds no entry of the user\'s for the old host (read as a fact, a verdict only)', (t) => {
  const k3sCa = removals(plan(OFF)).find((r) => r.name?.startsWith('k3s CA'))!;
  t.true(k3sCa.when!(staleFact('regplay')));
  t.true(k3sCa.when!(staleFact('none')));
  t.false(k3sCa.when!(staleFact('user')));
  const ctx = context(OFF);
  const queries = nodeTrust.facts!(ctx);
  const q = queries['node_k3s_stale_ingress_entry']!;
  t.deepEqual(q.argv.slice(-1), ['/etc/rancher/k3s/registries.yaml'], 'the path is an argument, never spliced into the shell text');
  t.is(q.parse(`configs:\n  ${OLD}:\n    tls:\n      ca_file: ${K3S_CA}\n    auth:\n      username: alice\n      password: pw-Off-1\n`, 0), 'regplay');
  t.is(q.parse('', 0), 'none');
  t.is(q.parse(`configs:\n  ${OLD}:\n    tls:\n      ca_file: ${K3S_CA}\n      insecure_skip_verify: false\n`, 0), 'user');
});

test('registries.yaml: regplay\'s entry for the old host goes (with or without its auth); the user\'s entries, comments and a changed entry stay', (t) => {
  const trust = { address: OLD, caFile: K3S_CA, auth: { username: 'alice', password: 'pw-Off-1' } };
  const user = '# ops notes\nmirrors:\n  docker.io:\n    endpoint: ["https://mirror.example"] # ours\nconfigs:\n  "mirror.example:443":\n    tls:\n      insecure_skip_verify: true\n';
  const withOurs = setRancherTrust(setRancherTrust(user, { ...trust, address: 'registry.lab:5000', caFile: '/x/ca.crt' }), trust);
  const removed = removeRancherTrust(withOurs, trust)!;
  t.deepEqual(parseYaml(removed).configs, { 'mirror.example:443': { tls: { insecure_skip_verify: true } }, 'registry.lab:5000': { tls: { ca_file: '/x/ca.crt' }, auth: { username: 'alice', password: 'pw-Off-1' } } });
  t.true(removed.startsWith('# ops notes\n'));
  t.regex(removed, /# ours/);
  t.is(removeRancherTrust(removed, trust), removed, 'a second run changes nothing');
  const tlsOnly = setRancherTrust(user, { address: OLD, caFile: K3S_CA });
  t.deepEqual(parseYaml(removeRancherTrust(tlsOnly, trust)!), parseYaml(user), 'written without auth (node_trust_rancher_auth: false then): still regplay\'s');
  for (const [why, entry] of [
    ['another password', `auth: {username: alice, password: other}\n    tls: {ca_file: ${K3S_CA}}`],
    ['another CA file', 'tls: {ca_file: /etc/ssl/mine.pem}'],
    ['a key of the user\'s', `tls: {ca_file: ${K3S_CA}, insecure_skip_verify: false}`],
  ] as const) {
    const yaml = `configs:\n  ${OLD}:\n    ${entry}\n`;
    t.is(rancherEntryOwner(yaml, trust), 'user', why);
    t.is(removeRancherTrust(yaml, trust), yaml, why);
  }
  t.is(rancherEntryOwner('configs: [', trust), 'user', 'a file that does not parse is left to the user');
  t.is(removeRancherTrust(null, trust), null);
});

test('the k3s registries.yaml step removes the old entry in the same edit that keeps name:port', (t) => {
  const yaml = file(plan(OFF), '/etc/rancher/k3s/registries.yaml');
  t.is(yaml.name, `k3s registries.yaml (registry.lab:5000, not ${OLD})`);
  const before = `configs:\n  ${OLD}:\n    tls:\n      ca_file: ${K3S_CA}\n    auth:\n      username: alice\n      password: pw-Off-1\n`;
  const after = parseYaml(text(yaml.edit!(before, {})));
  t.deepEqual(Object.keys(after.configs), ['registry.lab:5000']);
});

test('kubelet config.json: the old host\'s entry goes when it is exactly regplay\'s credential; another credential for it stays', (t) => {
  const kubelet = file(plan(OFF), '/var/lib/kubelet/config.json');
  const ours = Buffer.from('alice:pw-Off-1').toString('base64');
  const gone = JSON.parse(text(kubelet.edit!(JSON.stringify({ auths: { [OLD]: { auth: ours }, 'other:443': { auth: 'eA==' } } }), {})));
  t.deepEqual(Object.keys(gone.auths).sort(), ['other:443', 'registry.lab:5000']);
  const kept = JSON.parse(text(kubelet.edit!(JSON.stringify({ auths: { [OLD]: { auth: 'bWluZQ==' } } }), {})));
  t.deepEqual(kept.auths[OLD], { auth: 'bWluZQ==' });
});

test('nothing to remove and no extra fact while the Ingress is on, or when no host names it (registry_ingress_host never set)', (t) => {
  for (const vars of [{ ...OFF, registry_ingress: true }, { ...OFF, registry_ingress_host: null }]) {
    t.deepEqual(removals(plan(vars)), []);
    t.deepEqual(Object.keys(nodeTrust.facts!(context(vars))), ['node_runtimes']);
  }
});
