// node-trust: runtime detection, each runtime's trust files, the registries.yaml edit (k3s/RKE2,
// format per https://docs.k3s.io/installation/private-registry and docs.rke2.io/install/private_registry)
// and the kubelet's config.json. The lab test (test/integration/node-trust.test.ts) writes them on hosts.
import test from 'ava';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { InputError, StateError } from '../../src/errors.js';
import type { RoleContext, Vars } from '../../src/resources/role.js';
import type { CommandState, FileState, Resource } from '../../src/resources/types.js';
import { isSecret } from '../../src/secret.js';
import nodeTrust from '../../roles/node-trust/index.js';
import { setRancherTrust } from '../../roles/node-trust/registries-yaml.js';
import { parseRuntimeFacts } from '../../src/facts/container-runtimes.js';
import { runtimeFactQuery } from '../../roles/node-trust/runtimes.js';
import { checkDropinConflicts, parseRegistriesConfFiles, registriesConfQuery } from '../../roles/node-trust/registries-conf.js';
import { parse as parseToml } from 'smol-toml';

const CA = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const ADDRESS = 'registry.lab:5000';
const site = { registry_name: 'registry.lab', registry_port: 5000, registry_ca_pem: CA, registry_users: [{ name: 'alice', password: 'pw-Node-1' }] };
const defaults = parseYaml(readFileSync(new URL('../../roles/node-trust/defaults.yaml', import.meta.url), 'utf8')) as Vars;

function context(vars: Vars, groups = ['workers']): RoleContext {
  return { host: { name: 'w1', groups }, vars: { ...defaults, ...site, ...vars }, hostvars: () => ({}), groups: { control_plane: ['cp1'], workers: ['w1'] }, template: () => '' };
}
function plan(vars: Vars = {}, groups?: string[]): Resource[] {
  const ctx = context(vars, groups);
  nodeTrust.validate?.(ctx.vars);
  return nodeTrust.plan(ctx);
}
const files = (rs: Resource[]) => rs.filter((r): r is FileState => r.kind === 'file');
const file = (rs: Resource[], path: string) => files(rs).find((r) => r.path === path)!;
const text = (c: unknown) => (isSecret(c) ? c.reveal() : String(c));
const facts = (runtimes: string[], units: string[] = []) => ({ node_runtimes: { runtimes, units } });

test('detection: the fact lists runtimes and k3s/RKE2 units; auto with nothing found names what was looked for', (t) => {
  t.deepEqual(parseRuntimeFacts('runtime containerd\nruntime crio\nunit k3s-agent\n'), { runtimes: ['containerd', 'crio'], units: ['k3s-agent'] });
  const err = t.throws(() => runtimeFactQuery(true).parse('', 0), { instanceOf: StateError })!;
  t.regex(err.message, /found no container runtime; looked for .*\/etc\/containers.*\/etc\/rancher\/k3s.*\/var\/snap\/microk8s/);
  t.deepEqual(runtimeFactQuery(false).parse('', 0), { runtimes: [], units: [] });
});

test('auto: every runtime planned, each gated on the detected facts; containerd left to containerd-trust', (t) => {
  const rs = plan();
  const crio = file(rs, `/etc/containers/certs.d/${ADDRESS}/ca.crt`);
  t.is(crio.content, CA);
  t.is(crio.mode, '0644');
  t.is(crio.notify, undefined);
  t.true(crio.when!(facts(['containerd', 'crio'])));
  t.false(crio.when!(facts(['containerd'])));
  t.false(rs.some((r) => 'path' in r && r.path.startsWith('/etc/containerd')));
  const micro = file(rs, `/var/snap/microk8s/current/args/certs.d/${ADDRESS}/hosts.toml`);
  t.regex(text(micro.content), /server = "https:\/\/registry\.lab:5000"[\s\S]*ca = "\/var\/snap\/microk8s\/current\/args\/certs\.d\/registry\.lab:5000\/ca\.crt"/);
  t.is(micro.notify, undefined);
  t.true(micro.when!(facts(['microk8s'])));
});

test('override: container_runtime: crio plans only /etc/containers, ungated; a list plans each', (t) => {
  const rs = plan({ container_runtime: 'crio' });
  t.deepEqual(files(rs).map((f) => f.path), [`/etc/containers/certs.d/${ADDRESS}/ca.crt`]);
  t.true(rs.every((r) => r.when === undefined));
  const both = plan({ container_runtime: ['docker', 'k3s'] });
  t.deepEqual(files(both).map((f) => f.path).sort(), [`/etc/docker/certs.d/${ADDRESS}/ca.crt`, `/etc/rancher/k3s/registries.yaml`, `/etc/rancher/k3s/registry-ca/${ADDRESS}/ca.crt`].sort());
});

test('docker: hosts of the build group are left to docker-trust (one owner per file)', (t) => {
  t.false(files(plan({ container_runtime: 'docker' }, ['workers', 'build'])).some((f) => f.path.startsWith('/etc/docker')));
  t.deepEqual(nodeTrust.files!(context({ container_runtime: 'docker' }, ['build']).vars, { name: 'w1', groups: ['build'] }), []);
});

test('bad input: an unknown container_runtime is refused naming the variable and the choices', (t) => {
  const err = t.throws(() => plan({ container_runtime: 'crio-o' }), { instanceOf: InputError })!;
  t.regex(err.message, /container_runtime = "crio-o": must be auto or one of containerd, crio, docker, k3s, rke2, microk8s/);
});

test('k3s: registries.yaml gets ca_file and auth (0600, sensitive, backup) and notifies the restart; the CA file does not', (t) => {
  const rs = plan({ container_runtime: 'k3s' });
  const yaml = file(rs, '/etc/rancher/k3s/registries.yaml');
  t.is(yaml.mode, '0600');
  t.true(yaml.sensitive);
  t.true(yaml.backup);
  t.deepEqual(yaml.notify, ['restart k3s (registries.yaml)']);
  const out = yaml.edit!(null, {});
  t.true(isSecret(out));
  t.deepEqual(parseYaml(text(out)), { configs: { [ADDRESS]: { tls: { ca_file: `/etc/rancher/k3s/registry-ca/${ADDRESS}/ca.crt` }, auth: { username: 'alice', password: 'pw-Node-1' } } } });
  t.is(file(rs, `/etc/rancher/k3s/registry-ca/${ADDRESS}/ca.crt`).notify, undefined);
});

test('k3s: without auth the file keeps its mode and is shown', (t) => {
  const yaml = file(plan({ container_runtime: 'rke2', node_trust_rancher_auth: false }), '/etc/rancher/rke2/registries.yaml');
  t.is(yaml.mode, undefined);
  t.false(yaml.sensitive);
  t.false(isSecret(yaml.edit!(null, {})));
});

test('restart handlers: only the installed units, each once; none installed fails with what to do', (t) => {
  const h = nodeTrust.handlers!(context({ container_runtime: 'k3s', node_trust_restart_command: ['service', '{unit}', 'restart'] }));
  const k3s = h['restart k3s (registries.yaml)'] as CommandState[];
  const runs = (units: string[]) => k3s.filter((c) => c.when!(facts(['k3s'], units))).map((c) => c.argv.join(' '));
  t.deepEqual(runs(['k3s']), ['service k3s restart']);
  t.deepEqual(runs(['k3s-agent']), ['service k3s-agent restart']);
  t.deepEqual(runs(['rke2-server']).length, 1);
  t.regex(runs([])[0]!, /no k3s or k3s-agent systemd unit was found/);
  const rke2 = h['restart rke2 (registries.yaml)'] as CommandState[];
  t.deepEqual(rke2.filter((c) => c.when!(facts(['rke2'], ['rke2-agent']))).map((c) => c.argv.join(' ')), ['service rke2-agent restart']);
});

const USER_YAML = `# ops: keep this comment
mirrors:
  docker.io:
    endpoint:
      - "https://mirror.example:5000" # our mirror
configs:
  "mirror.example:5000":
    tls:
      insecure_skip_verify: true
`;
const trust = { address: ADDRESS, caFile: '/etc/rancher/k3s/registry-ca/registry.lab:5000/ca.crt', auth: { username: 'alice', password: 'p: w"#x' } };

test('registries.yaml: other mirrors/configs entries and comments are kept; a second edit changes nothing', (t) => {
  const out = setRancherTrust(USER_YAML, trust);
  t.true(out.startsWith('# ops: keep this comment\n'));
  t.regex(out, /# our mirror/);
  const doc = parseYaml(out);
  t.deepEqual(doc.mirrors, { 'docker.io': { endpoint: ['https://mirror.example:5000'] } });
  t.deepEqual(doc.configs['mirror.example:5000'], { tls: { insecure_skip_verify: true } });
  t.deepEqual(doc.configs[ADDRESS], { tls: { ca_file: trust.caFile }, auth: { username: 'alice', password: 'p: w"#x' } });
  t.is(setRancherTrust(out, trust), out);
});

test('registries.yaml: a new password is written, the CA entry kept', (t) => {
  const out = setRancherTrust(setRancherTrust(USER_YAML, trust), { ...trust, auth: { username: 'alice', password: 'new' } });
  t.is(parseYaml(out).configs[ADDRESS].auth.password, 'new');
});

test('registries.yaml: a different CA already set for the registry is refused, not overwritten', (t) => {
  const theirs = `${USER_YAML}  "${ADDRESS}":\n    tls:\n      ca_file: /etc/ssl/their-ca.pem\n`;
  const err = t.throws(() => setRancherTrust(theirs, trust), { instanceOf: StateError })!;
  t.regex(err.message, /already sets configs\."registry\.lab:5000"\.tls\.ca_file to "\/etc\/ssl\/their-ca\.pem"/);
});

test('registries.yaml: invalid YAML is refused naming the line, never quoting the file', (t) => {
  const err = t.throws(() => setRancherTrust('configs:\n  a: [secret-pw\n', trust), { instanceOf: StateError })!;
  t.regex(err.message, /is not valid YAML/);
  t.notRegex(err.message, /secret-pw/);
  t.throws(() => setRancherTrust('- a\n- b\n', trust), { instanceOf: StateError, message: /does not hold a mapping/ });
});

test('kubelet config.json (optional): 0600, sensitive, an auths entry added, other entries kept', (t) => {
  t.false(files(plan()).some((f) => f.path === '/var/lib/kubelet/config.json'));
  const kubelet = file(plan({ node_trust_kubelet_credentials: true }), '/var/lib/kubelet/config.json');
  t.is(kubelet.mode, '0600');
  t.true(kubelet.sensitive);
  const out = JSON.parse(text(kubelet.edit!('{"auths":{"other:5000":{"auth":"eA=="}},"x":1}', {})));
  t.deepEqual(out, { auths: { 'other:5000': { auth: 'eA==' }, [ADDRESS]: { auth: Buffer.from('alice:pw-Node-1').toString('base64') } }, x: 1 });
});

// containers-registries.conf.d(5): drop-ins are version 2 files read after registries.conf in
// alpha-numerical order; a [[registry]] table overwrites an earlier one with the same prefix.
const DROPIN = '/etc/containers/registries.conf.d/regplay-registry.lab.conf';
const dropinFacts = (files: Array<{ path: string; text: string }>) => ({ ...facts(['crio']), node_containers_registries_conf: files });

test('registries.conf.d drop-in (optional): off by default; on, one [[registry]] per address, TLS verified, gated on crio, no restart', (t) => {
  t.false(files(plan()).some((f) => f.path.includes('registries.conf.d')));
  t.deepEqual(Object.keys(nodeTrust.facts!(context({}))), ['node_runtimes']);
  const vars = { node_trust_containers_dropin: true, registry_ingress: true, registry_ingress_host: 'reg.lab' };
  const drop = file(plan(vars), DROPIN);
  t.is(drop.mode, '0644');
  t.is(drop.notify, undefined);
  t.true(drop.when!(facts(['crio'])));
  t.false(drop.when!(facts(['containerd'])));
  const doc = parseToml(text(drop.edit!(null, dropinFacts([]))));
  t.deepEqual(doc, { registry: [{ prefix: ADDRESS, location: ADDRESS, insecure: false }, { prefix: 'reg.lab', location: 'reg.lab', insecure: false }] });
  t.true(nodeTrust.files!(context(vars).vars, { name: 'w1', groups: ['workers'] }).includes(DROPIN));
  t.deepEqual(Object.keys(nodeTrust.facts!(context(vars))), ['node_runtimes', 'node_containers_registries_conf']);
});

test('registries.conf.d drop-in: the other files are read through arguments, never spliced into the shell text', (t) => {
  const q = registriesConfQuery('/etc/containers/registries.conf.d');
  t.deepEqual(q.argv.slice(-2), ['/etc/containers/registries.conf', '/etc/containers/registries.conf.d']);
  t.false(q.argv[2]!.includes('/etc/containers'));
  t.deepEqual(parseRegistriesConfFiles('\n#@regplay-file /a.conf\nx = 1\n\n#@regplay-file /b.conf\n'), [{ path: '/a.conf', text: 'x = 1\n\n' }, { path: '/b.conf', text: '\n' }]);
});

test('registries.conf.d drop-in: other drop-ins are fine; a different table for the same prefix, a version 1 file or broken TOML is refused', (t) => {
  const shortnames = { path: '/etc/containers/registries.conf.d/shortnames.conf', text: '[aliases]\n"busybox" = "docker.io/library/busybox"\n' };
  const other = { path: '/etc/containers/registries.conf.d/10-mirror.conf', text: '[[registry]]\nlocation = "docker.io"\n[[registry.mirror]]\nlocation = "mirror.example:5000"\n' };
  const same = { path: '/etc/containers/registries.conf.d/99-same.conf', text: `[[registry]]\nprefix = "${ADDRESS}"\nlocation = "${ADDRESS}"\ninsecure = false\n` };
  t.notThrows(() => checkDropinConflicts([shortnames, other, same, { path: DROPIN, text: '[[registry]]\nlocation = "anything"\ninsecure = true\n' }], DROPIN, [ADDRESS]));
  const insecure = { path: '/etc/containers/registries.conf', text: `unqualified-search-registries = []\n[[registry]]\nlocation = "${ADDRESS}"\ninsecure = true\n` };
  t.throws(() => checkDropinConflicts([shortnames, insecure], DROPIN, [ADDRESS]), { instanceOf: StateError, message: /\/etc\/containers\/registries\.conf already has a \[\[registry\]\] table for registry\.lab:5000 .*"insecure":true/ });
  const v1 = { path: '/etc/containers/registries.conf', text: '[registries.search]\nregistries = ["docker.io"]\n' };
  t.throws(() => checkDropinConflicts([v1], DROPIN, [ADDRESS]), { instanceOf: StateError, message: /version 1 format/ });
  t.throws(() => checkDropinConflicts([{ path: '/x.conf', text: '[[registry]\n' }], DROPIN, [ADDRESS]), { instanceOf: StateError, message: /\/x\.conf is not valid TOML/ });
  // through the plan: the edit refuses, so the host fails and nothing is written
  const drop = file(plan({ node_trust_containers_dropin: true }), DROPIN);
  t.throws(() => drop.edit!(null, dropinFacts([insecure])), { instanceOf: StateError });
});

test('kubelet config.json with a credential store: refused naming node-trust\'s own switch (not docker-trust\'s)', (t) => {
  const kubelet = file(plan({ node_trust_kubelet_credentials: true }), '/var/lib/kubelet/config.json');
  const err = t.throws(() => kubelet.edit!('{"credsStore":"pass"}', {}), { instanceOf: StateError })!;
  t.regex(err.message, /\/var\/lib\/kubelet\/config\.json uses the credential store pass/);
  t.regex(err.hint ?? '', /remove credsStore from \/var\/lib\/kubelet\/config\.json, or set node_trust_kubelet_credentials: false/);
});
