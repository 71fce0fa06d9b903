// node-trust when the Ingress is turned off, on the lab (w1, w2: CRI-O/Podman, MicroK8s and k3s
// trust set by container_runtime, the kubelet credential and the registries.conf.d drop-in on), with
// assertions on the hosts' files. The Ingress on with registry_ingress_host cr.lab writes trust for
// `cr.lab` (no port) next to `registry.lab:5000`; turned off (registry_ingress: false, the host still
// named), what regplay wrote for cr.lab goes where it is exactly regplay's: /etc/containers/certs.d/
// cr.lab/, the MicroK8s certs.d/cr.lab/, the k3s registries.yaml entry and its CA directory, the
// kubelet's auths entry, the drop-in's table — on w1. On w2 the user has a file of their own in the
// CRI-O directory, an edited MicroK8s hosts.toml, a key of their own in the k3s entry and their own
// kubelet credential for cr.lab: all of it stays byte for byte. check → apply → apply changed=0; k3s
// is restarted once, on w1 only. Then the Ingress host left at its default (registry_name): turning it
// off cleans nothing (registry_ingress: false is also the default, so nothing names an old host) until
// registry_ingress_host names it, as the README says.
import test from 'ava';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { labSupport, labUp, type Lab } from '../lab/index.js';
import { missing, serialUnless } from '../helpers/lab-test.js';
import { runPlay, type PlayResult } from '../helpers/play.js';
import { fingerprint } from '../helpers/host-state.js';

const support = labSupport();
const serial = serialUnless(missing(support));

const ADDRESS = 'registry.lab:5000';
const OLD = 'cr.lab';
const PASSWORD = 'off-Alice-pw-81d3';
const env = { OFF_PW: PASSWORD };
const MICROK8S = '/srv/microk8s/args/certs.d';
const K3S_YAML = '/etc/rancher/k3s/registries.yaml';
const KUBELET = '/var/lib/kubelet/config.json';
const DROPIN = '/etc/containers/registries.conf.d/regplay-registry.lab.conf';
const USER_YAML = '# k3s registries: ops notes, keep\nconfigs:\n  "mirror.example:5000":\n    tls:\n      insecure_skip_verify: true\n';
const HOSTS = ['w1', 'w2'];
const dirsFor = (host: string) => [`/etc/containers/certs.d/${host}`, `${MICROK8S}/${host}`, `/etc/rancher/k3s/registry-ca/${host}`];

let lab: Lab;
let ca: string;

const play = (args: string[] = []): Promise<PlayResult> => runPlay([join(lab.dir, 'trust.yaml'), '-i', lab.inventoryPath, ...args], { env });
const out = (r: PlayResult) => `${r.stdout}\n${r.stderr}`;
const recapChanged = (r: PlayResult, host: string) => Number(new RegExp(`^${host}\\s.*changed=(\\d+)`, 'm').exec(r.stdout)?.[1] ?? NaN);
const k3sRestarts = async (host: string) => (await lab.serviceLog(host)).filter((l) => / k3s restart$/.test(l)).length;
const exists = async (host: string, path: string) => (await lab.exec(host, `test -e '${path}'`)).code === 0;
const k3sConfigs = async (host: string) => parseYaml((await lab.readFile(host, K3S_YAML))!).configs as Record<string, unknown>;
const kubeletAuths = async (host: string) => JSON.parse((await lab.readFile(host, KUBELET))!).auths as Record<string, unknown>;

function setVars(ingress: string): void {
  writeFileSync(
    join(lab.dir, 'group_vars', 'all.yaml'),
    `registry_name: registry.lab\nregistry_port: 5000\nregistry_users:\n  - name: alice\n    password: !env OFF_PW\nregistry_ca_pem: |\n${ca.trimEnd().replace(/^/gm, '  ')}\n` +
      `container_runtime: [crio, microk8s, k3s]\nnode_trust_microk8s_certs_dir: ${MICROK8S}\nnode_trust_kubelet_credentials: true\nnode_trust_containers_dropin: true\n` +
      `node_trust_restart_command: [service, "{unit}", restart]\n${ingress}`,
  );
}

test.before(async () => {
  if (!support.ok) return;
  lab = await labUp({ name: `nt-off-${process.pid}`, hosts: { w1: ['workers'], w2: ['workers'] } });
  const tls = join(lab.dir, 'tls');
  mkdirSync(tls);
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', join(tls, 'key'), '-out', join(tls, 'crt'), '-days', '2', '-subj', '/CN=registry.lab', '-addext', 'subjectAltName=DNS:registry.lab,DNS:cr.lab'], { stdio: 'ignore' });
  ca = readFileSync(join(tls, 'crt'), 'utf8');
  writeFileSync(join(lab.dir, 'trust.yaml'), '- name: every runtime trusts the registry\n  hosts: workers\n  roles:\n    - role: node-trust\n');
  mkdirSync(join(lab.dir, 'group_vars'));
  for (const host of HOSTS) {
    await lab.writeFile(host, K3S_YAML, USER_YAML, 0o644);
    await lab.writeFile(host, '/etc/systemd/system/k3s.service', '[Service]\nExecStart=/usr/local/bin/k3s server\n');
  }
});

test.after.always(async () => {
  await lab?.down();
});

serial('the Ingress on (cr.lab): every runtime of w1 and w2 trusts cr.lab next to registry.lab:5000', async (t) => {
  setVars(`registry_ingress: true\nregistry_ingress_host: ${OLD}\n`);
  const r = await play();
  t.is(r.code, 0, out(r));
  for (const host of HOSTS) {
    for (const dir of dirsFor(OLD)) t.is(await lab.readFile(host, `${dir}/ca.crt`), ca, `${host}: ${dir}`);
    t.true(await exists(host, `${MICROK8S}/${OLD}/hosts.toml`));
    t.deepEqual((await k3sConfigs(host))[OLD], { tls: { ca_file: `/etc/rancher/k3s/registry-ca/${OLD}/ca.crt` }, auth: { username: 'alice', password: PASSWORD } });
    t.deepEqual((await kubeletAuths(host))[OLD], { auth: Buffer.from(`alice:${PASSWORD}`).toString('base64') });
    t.regex((await lab.readFile(host, DROPIN))!, /prefix = "cr\.lab"/);
    t.is(await k3sRestarts(host), 1);
  }
});

serial('turned off (registry_ingress: false, the host still named): regplay\'s trust for cr.lab leaves w1; the user\'s on w2 stays byte for byte; check → apply → changed=0', async (t) => {
  // the user's own things in w2's cr.lab trust
  await lab.writeFile('w2', `/etc/containers/certs.d/${OLD}/client.cert`, 'the user\'s client certificate\n');
  await lab.sh('w2', `echo '# edited by ops' >> ${MICROK8S}/${OLD}/hosts.toml`);
  const yaml = (await lab.readFile('w2', K3S_YAML))!.replace(`      ca_file: /etc/rancher/k3s/registry-ca/${OLD}/ca.crt\n`, `      ca_file: /etc/rancher/k3s/registry-ca/${OLD}/ca.crt\n      insecure_skip_verify: false\n`);
  t.regex(yaml, /insecure_skip_verify: false/);
  await lab.writeFile('w2', K3S_YAML, yaml, 0o600);
  const kubelet = JSON.parse((await lab.readFile('w2', KUBELET))!);
  kubelet.auths[OLD] = { auth: Buffer.from('ops:their-own').toString('base64') };
  await lab.writeFile('w2', KUBELET, `${JSON.stringify(kubelet, null, 2)}\n`, 0o600);
  const userPaths = [`/etc/containers/certs.d/${OLD}/client.cert`, `/etc/containers/certs.d/${OLD}/ca.crt`, `${MICROK8S}/${OLD}/ca.crt`, `${MICROK8S}/${OLD}/hosts.toml`, K3S_YAML, `/etc/rancher/k3s/registry-ca/${OLD}/ca.crt`, KUBELET];
  const watched = [...userPaths, DROPIN, `/etc/containers/certs.d/${ADDRESS}/ca.crt`];
  const before = Object.fromEntries(await Promise.all(HOSTS.map(async (h) => [h, await fingerprint(lab, h, watched)] as const)));
  const w2User = await fingerprint(lab, 'w2', userPaths);

  setVars(`registry_ingress: false\nregistry_ingress_host: ${OLD}\n`);
  const check = await play(['--check']);
  t.is(check.code, 0, out(check));
  for (const step of ['crio trust for cr.lab removed', 'microk8s trust for cr.lab removed', 'k3s CA for cr.lab removed']) t.regex(check.stdout, new RegExp(`changed \\(check\\): \\[w1\\] node-trust \\| ${step.replace(/\./g, '\\.')}`), out(check));
  t.notRegex(check.stdout, /changed \(check\): \[w2\] node-trust \| (crio|microk8s) trust for cr\.lab removed/, 'w2\'s directories hold the user\'s files');
  t.regex(check.stdout, /skipping: \[w2\] node-trust \| k3s CA for cr\.lab removed/, 'w2\'s registries.yaml entry is the user\'s: its CA stays');
  for (const host of HOSTS) t.is(await fingerprint(lab, host, watched), before[host], `${host}: --check wrote nothing`);

  const apply = await play();
  t.is(apply.code, 0, out(apply));
  // w1: everything of regplay's for cr.lab is gone, registry.lab:5000 and the user's k3s entry stay
  for (const dir of dirsFor(OLD)) t.false(await exists('w1', dir), `w1: ${dir} removed`);
  for (const dir of dirsFor(ADDRESS)) t.is(await lab.readFile('w1', `${dir}/ca.crt`), ca, `w1: ${dir} kept`);
  const configs = await k3sConfigs('w1');
  t.deepEqual(Object.keys(configs).sort(), ['mirror.example:5000', ADDRESS].sort());
  t.true((await lab.readFile('w1', K3S_YAML))!.startsWith('# k3s registries: ops notes, keep\n'));
  t.deepEqual(Object.keys(await kubeletAuths('w1')), [ADDRESS]);
  t.is(await k3sRestarts('w1'), 2, 'w1: k3s restarted for the registries.yaml change');
  // w2: the user's files and entries are untouched; only the drop-in (regplay's own file) changed
  t.is(await fingerprint(lab, 'w2', userPaths), w2User, 'w2: the user\'s cr.lab trust is left whole');
  t.is(await k3sRestarts('w2'), 1, 'w2: registries.yaml unchanged, no restart');
  for (const host of HOSTS) {
    const dropin = (await lab.readFile(host, DROPIN))!;
    t.notRegex(dropin, /cr\.lab/, `${host}: the drop-in names registry.lab:5000 only`);
    t.regex(dropin, /prefix = "registry\.lab:5000"/);
  }

  const again = await play();
  t.is(again.code, 0, out(again));
  for (const host of HOSTS) t.is(recapChanged(again, host), 0, `${host}: ${out(again)}`);
  t.is(await k3sRestarts('w1'), 2);
});

serial('the Ingress host left at its default (registry_name): turned off, nothing names the old host and its trust stays; registry_ingress_host: registry.lab names it and it goes', async (t) => {
  setVars('registry_ingress: true\n');
  const on = await play();
  t.is(on.code, 0, out(on));
  t.is(await lab.readFile('w1', '/etc/containers/certs.d/registry.lab/ca.crt'), ca, 'the Ingress host is registry_name (no port)');

  setVars('registry_ingress: false\n');
  const off = await play();
  t.is(off.code, 0, out(off));
  t.true(await exists('w1', '/etc/containers/certs.d/registry.lab'), 'nothing named the old host: kept');

  setVars('registry_ingress: false\nregistry_ingress_host: registry.lab\n');
  const named = await play();
  t.is(named.code, 0, out(named));
  for (const dir of dirsFor('registry.lab')) t.false(await exists('w1', dir), `w1: ${dir} removed`);
  t.is(await lab.readFile('w1', `/etc/containers/certs.d/${ADDRESS}/ca.crt`), ca, 'registry.lab:5000 kept');
  t.false(Object.hasOwn(await k3sConfigs('w1'), 'registry.lab'));
  const again = await play();
  t.is(again.code, 0, out(again));
  t.is(recapChanged(again, 'w1'), 0, out(again));
});
