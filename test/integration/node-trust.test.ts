// node-trust on the lab, three runs (check → apply → apply changed=0), assertions on the hosts' files:
// - w1 (auto): containerd and containers/image (/etc/containers, skopeo) are detected; a k3s layout
//   fixture (/etc/rancher/k3s with the user's registries.yaml, a k3s.service unit file) is detected
//   too; the kubelet's config.json gets the pull credential.
// - w2 (container_runtime: [crio, microk8s], a MicroK8s certs.d under /srv) serves a real registry
//   (Debian's docker-registry, TLS with a self-signed cert for registry.lab)
//   and htpasswd auth (bcrypt).
// Real proof for the CRI-O/Podman path: skopeo on w1 (no /etc/docker/certs.d, no ~/.config) pushes to
// and inspects that registry, and Podman pulls from it, over verified TLS through
// /etc/containers/certs.d only, logged in with a 0600 auth file; refused (unknown authority) before the
// role ran, 401 without the credential. k3s/MicroK8s/kubelet files are checked against their
// documented format (https://docs.k3s.io/installation/private-registry; containerd hosts.toml for
// MicroK8s, https://microk8s.io/docs/registry-private; a docker config.json for the kubelet); k3s's
// restart is the lab's `service` shim, which records it.
// - `play verify` on w1 checks the k3s layout without k3s: registries.yaml names the CA file and TLS
//   with that CA verifies the real registry (the pull is skipped, saying why); without the CA it fails.
// - w3 (group bare, auto) has no runtime: its containerd, podman and skopeo binaries are hidden in its
//   own mount namespace (a non-executable file bound over each) and /etc/containerd, /etc/containers
//   removed: a run over workers:bare fails w3 alone (exit 2) naming what was looked for, w2 converges;
//   `play verify` fails w3's check the same way (exit 2) while w1 is checked.
import test from 'ava';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { labSupport, labUp, type Lab } from '../lab/index.js';
import { makeTestImage } from '../lab/image.js';
import { missing, serialUnless } from '../helpers/lab-test.js';
import { runPlay, type PlayResult } from '../helpers/play.js';
import { fingerprint } from '../helpers/host-state.js';

const support = labSupport();
const serial = serialUnless(missing(support));

const ADDRESS = 'registry.lab:5000';
const PASSWORD = 'nt-Alice-pw-5c1e';
const env = { NT_PW: PASSWORD };
const K3S_YAML = '/etc/rancher/k3s/registries.yaml';
const K3S_CA = `/etc/rancher/k3s/registry-ca/${ADDRESS}/ca.crt`;
const KUBELET = '/var/lib/kubelet/config.json';
const MICROK8S = '/srv/microk8s/args/certs.d';
const CONTAINERS_CA = `/etc/containers/certs.d/${ADDRESS}/ca.crt`;
const USER_YAML = `# k3s registries: ops notes, keep
mirrors:
  docker.io:
    endpoint:
      - "https://mirror.example:5000" # our mirror
configs:
  "mirror.example:5000":
    tls:
      insecure_skip_verify: true
`;
const AUTHFILE = '/root/registry-auth.json';
const USER_KUBELET = '{"auths":{"other.example:443":{"auth":"b3RoZXI6eA=="}}}\n';

let lab: Lab;
let ca: string;
let image: { ref: string };

function play(args: string[] = []): Promise<PlayResult> {
  return runPlay([join(lab.dir, 'trust.yaml'), '-i', lab.inventoryPath, ...args], { env });
}
const out = (r: PlayResult) => `${r.stdout}\n${r.stderr}`;
const recapChanged = (r: PlayResult, host: string) => Number(new RegExp(`^${host}\\s.*changed=(\\d+)`, 'm').exec(r.stdout)?.[1] ?? NaN);
const k3sRestarts = async () => (await lab.serviceLog('w1')).filter((l) => / k3s restart$/.test(l)).length;
const skopeo = (args: string) => lab.exec('w1', `skopeo ${args}`);
const watched = { w1: [CONTAINERS_CA, K3S_YAML, K3S_CA, KUBELET], w2: [CONTAINERS_CA, `${MICROK8S}/${ADDRESS}/ca.crt`, `${MICROK8S}/${ADDRESS}/hosts.toml`] };

test.before(async () => {
  if (!support.ok) return;
  lab = await labUp({ name: `nodetrust-${process.pid}`, hosts: { w1: ['workers'], w2: ['workers'], w3: ['bare'] } });
  const tls = join(lab.dir, 'tls');
  mkdirSync(tls);
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', join(tls, 'key'), '-out', join(tls, 'crt'), '-days', '2', '-subj', '/CN=registry.lab', '-addext', 'subjectAltName=DNS:registry.lab'], { stdio: 'ignore' });
  ca = readFileSync(join(tls, 'crt'), 'utf8');
  image = makeTestImage(join(lab.dir, 'image'));
  writeFileSync(join(lab.dir, 'trust-all.yaml'), '- name: every runtime trusts the registry, also on a bare host\n  hosts: workers:bare\n  roles:\n    - role: node-trust\n');
  writeFileSync(join(lab.dir, 'trust.yaml'), '- name: every runtime trusts the registry\n  hosts: workers\n  roles:\n    - role: node-trust\n');
  mkdirSync(join(lab.dir, 'group_vars'));
  mkdirSync(join(lab.dir, 'host_vars'));
  writeFileSync(
    join(lab.dir, 'group_vars', 'all.yaml'),
    `registry_name: registry.lab\nregistry_port: 5000\nregistry_users:\n  - name: alice\n    password: !env NT_PW\nregistry_ca_pem: |\n${ca.trimEnd().replace(/^/gm, '  ')}\nnode_trust_restart_command: [service, "{unit}", restart]\n`,
  );
  writeFileSync(join(lab.dir, 'host_vars', 'w1.yaml'), 'node_trust_kubelet_credentials: true\n');
  writeFileSync(join(lab.dir, 'host_vars', 'w2.yaml'), `container_runtime: [crio, microk8s]\nnode_trust_microk8s_certs_dir: ${MICROK8S}\n`);
  // w1: a k3s node's layout (files only: k3s cannot run here) and a kubelet config with another registry.
  await lab.writeFile('w1', K3S_YAML, USER_YAML, 0o644);
  await lab.writeFile('w1', '/etc/systemd/system/k3s.service', '[Service]\nExecStart=/usr/local/bin/k3s server\n');
  await lab.writeFile('w1', KUBELET, USER_KUBELET, 0o600);
  await lab.sh('w1', `echo '${lab.hosts.w2!.address} registry.lab' >> /etc/hosts`);
  // w2: a real registry with TLS for registry.lab (no auth).
  await lab.writeFile('w2', '/srv/tls.crt', ca);
  await lab.writeFile('w2', '/srv/tls.key', readFileSync(join(tls, 'key'), 'utf8'), 0o600);
  await lab.writeFile('w2', '/srv/htpasswd', execFileSync('htpasswd', ['-nbB', '-C', '5', 'alice', PASSWORD], { encoding: 'utf8' }));
  await lab.writeFile('w2', '/srv/registry.yml', `version: 0.1\nlog: {level: warn}\nstorage: {filesystem: {rootdirectory: /srv/registry-data}}\nauth: {htpasswd: {realm: lab, path: /srv/htpasswd}}\nhttp:\n  addr: ${lab.hosts.w2!.address}:5000\n  tls: {certificate: /srv/tls.crt, key: /srv/tls.key}\n`);
  // The client credential in a 0600 auth file (never on a command line); Podman in nested overlays needs vfs.
  await lab.writeFile('w1', AUTHFILE, JSON.stringify({ auths: { [ADDRESS]: { auth: Buffer.from(`alice:${PASSWORD}`).toString('base64') } } }), 0o600);
  await lab.writeFile('w1', '/etc/containers/storage.conf', '[storage]\ndriver = "vfs"\nrunroot = "/run/containers/storage"\ngraphroot = "/var/lib/containers/storage"\n');
  await lab.sh('w2', 'setsid docker-registry serve /srv/registry.yml </dev/null >/var/log/registry.log 2>&1 &');
  for (let i = 0; ; i++) {
    // Up-ness only (-k): trust is what the tests below check.
    if ((await lab.exec('w1', 'curl -skf -o /dev/null https://registry.lab:5000/')).code === 0) break;
    if (i > 100) throw new Error(`registry did not come up on w2: ${await lab.readFile('w2', '/var/log/registry.log')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
});

test.after.always(async () => {
  await lab?.down();
});

serial('before: skopeo on w1 refuses the registry (unknown authority): nothing else trusts it', async (t) => {
  const r = await skopeo(`copy --dest-authfile ${AUTHFILE} ${image.ref} docker://${ADDRESS}/nt:1`);
  t.not(r.code, 0);
  t.regex(r.stderr, /x509|certificate/);
});

serial('check: reports the changes, writes nothing', async (t) => {
  const before = { w1: await fingerprint(lab, 'w1', watched.w1), w2: await fingerprint(lab, 'w2', watched.w2) };
  const r = await play(['--check']);
  t.is(r.code, 0, out(r));
  t.true(recapChanged(r, 'w1') > 0, out(r));
  t.true(recapChanged(r, 'w2') > 0, out(r));
  t.deepEqual(await fingerprint(lab, 'w1', watched.w1), before.w1);
  t.deepEqual(await fingerprint(lab, 'w2', watched.w2), before.w2);
  t.is(await k3sRestarts(), 0);
});

serial('apply: each detected runtime gets its trust, the user content stays, k3s restarted once', async (t) => {
  const r = await play();
  t.is(r.code, 0, out(r));
  t.false(out(r).includes(PASSWORD), 'the password must never be printed');
  // containers/image on both (w1 auto-detected, w2 set)
  for (const host of ['w1', 'w2']) {
    t.is(await lab.readFile(host, CONTAINERS_CA), ca, host);
    t.is((await lab.sh(host, `stat -c %a ${CONTAINERS_CA}`)).trim(), '644');
  }
  // k3s: the documented keys, the user's mirror/config entries and comments kept, 0600 (it holds auth)
  const yaml = (await lab.readFile('w1', K3S_YAML))!;
  t.true(yaml.startsWith('# k3s registries: ops notes, keep\n'));
  t.regex(yaml, /# our mirror/);
  const doc = parseYaml(yaml);
  t.deepEqual(doc.mirrors, { 'docker.io': { endpoint: ['https://mirror.example:5000'] } });
  t.deepEqual(doc.configs['mirror.example:5000'], { tls: { insecure_skip_verify: true } });
  t.deepEqual(doc.configs[ADDRESS], { tls: { ca_file: K3S_CA }, auth: { username: 'alice', password: PASSWORD } });
  t.is((await lab.sh('w1', `stat -c %a ${K3S_YAML}`)).trim(), '600');
  t.is(await lab.readFile('w1', K3S_CA), ca);
  t.is(await k3sRestarts(), 1);
  // kubelet: the other registry kept, ours added, 0600
  const kubelet = JSON.parse((await lab.readFile('w1', KUBELET))!);
  t.deepEqual(kubelet.auths, { 'other.example:443': { auth: 'b3RoZXI6eA==' }, [ADDRESS]: { auth: Buffer.from(`alice:${PASSWORD}`).toString('base64') } });
  t.is((await lab.sh('w1', `stat -c %a ${KUBELET}`)).trim(), '600');
  // MicroK8s on w2: containerd's hosts.toml format naming the CA beside it; no k3s files on w2 (not detected, not set)
  t.is(await lab.readFile('w2', `${MICROK8S}/${ADDRESS}/ca.crt`), ca);
  t.regex((await lab.readFile('w2', `${MICROK8S}/${ADDRESS}/hosts.toml`))!, new RegExp(`server = "https://${ADDRESS}"[\\s\\S]*\\[host\\."https://${ADDRESS}"\\][\\s\\S]*ca = "${MICROK8S}/${ADDRESS}/ca.crt"`));
  t.is((await lab.exec('w2', 'test -e /etc/rancher/k3s/registries.yaml')).code, 1);
  // k3s's restart is the only service action of the run
  t.false((await lab.serviceLog('w1')).some((l) => / containerd restart$/.test(l)));
});

serial('real: skopeo on w1 pushes and inspects over verified TLS through /etc/containers/certs.d only', async (t) => {
  t.is((await lab.exec('w1', 'test -e /etc/docker/certs.d || test -e /root/.config/containers')).code, 1, 'no other trust on w1');
  const push = await skopeo(`copy --dest-authfile ${AUTHFILE} ${image.ref} docker://${ADDRESS}/nt:1`);
  t.is(push.code, 0, push.stderr);
  const inspect = await skopeo(`inspect --authfile ${AUTHFILE} docker://${ADDRESS}/nt:1`);
  t.is(inspect.code, 0, inspect.stderr);
  t.regex(inspect.stdout, /"Digest": "sha256:/);
});

serial('real: podman on w1 pulls through /etc/containers/certs.d with the credential; without the credential it is refused (401)', async (t) => {
  const pull = await lab.exec('w1', `podman pull --authfile ${AUTHFILE} ${ADDRESS}/nt:1`);
  t.is(pull.code, 0, pull.stderr);
  t.regex((await lab.sh('w1', `podman image inspect --format '{{.Digest}}' ${ADDRESS}/nt:1`)).trim(), /^sha256:/);
  await lab.writeFile('w1', '/root/no-auth.json', '{}');
  const anonymous = await lab.exec('w1', `podman rmi -f ${ADDRESS}/nt:1 >/dev/null 2>&1; podman pull --authfile /root/no-auth.json ${ADDRESS}/nt:1`);
  t.not(anonymous.code, 0);
  t.regex(anonymous.stderr, /unauthorized|authentication required|401/i);
  t.notRegex(anonymous.stderr, /x509|certificate/);
});

serial('apply again: changed=0, nothing rewritten, k3s not restarted again', async (t) => {
  const before = { w1: await fingerprint(lab, 'w1', watched.w1), w2: await fingerprint(lab, 'w2', watched.w2) };
  const r = await play();
  t.is(r.code, 0, out(r));
  t.is(recapChanged(r, 'w1'), 0, out(r));
  t.is(recapChanged(r, 'w2'), 0, out(r));
  t.deepEqual(await fingerprint(lab, 'w1', watched.w1), before.w1);
  t.deepEqual(await fingerprint(lab, 'w2', watched.w2), before.w2);
  t.is(await k3sRestarts(), 1);
});

serial('play verify on w1 without k3s: registries.yaml names the CA, TLS verifies with it, /v2/ login; the pull is skipped saying why; no CA fails naming k3s', async (t) => {
  const verify = () => runPlay(['verify', join(lab.dir, 'trust.yaml'), '-i', lab.inventoryPath, '--limit', 'w1'], { env });
  const r = await verify();
  t.is(r.code, 0, out(r));
  t.false(out(r).includes(PASSWORD));
  // (the test certificate lives 2 days: the cert column warns, under cert_renew_days)
  t.regex(r.stdout, /^w1\s+k3s\s+ok\s+ok\s+ok\s+ok\s+WARN\s+ok\s+skip$/m);
  t.regex(r.stdout, /^w1\s+crio\s+ok\s+ok\s+-\s+ok\s+WARN\s+ok\s+skip$/m);
  t.regex(r.stdout, /skipping: \[w1\] verify \| k3s: pull canary \(k3s\) \(not checked: /);
  await lab.sh('w1', `mv ${K3S_CA} ${K3S_CA}.away`);
  const broken = await verify();
  t.is(broken.code, 2, out(broken));
  t.regex(broken.stdout, /w1: TLS: no CA at \/etc\/rancher\/k3s\/registry-ca\/registry\.lab:5000\/ca\.crt \(k3s's trust location\) — run `play trust\.yaml --limit w1`/);
  t.regex(broken.stdout, /^w1\s+crio\s+ok\s+ok\s+-\s+ok\s+WARN\s+ok\s+skip$/m, 'the other runtime is unaffected');
  await lab.sh('w1', `mv ${K3S_CA}.away ${K3S_CA}`);
});

serial('nothing detected on w3 (auto): w3 alone fails, exit 2, naming what was looked for; nothing written there; w2 converges in the same run', async (t) => {
  // Hidden in w3's private mount namespace only (the lab hosts' mounts are private).
  await lab.writeFile('w3', '/srv/not-a-binary', 'hidden by the test\n', 0o644);
  for (const bin of ['containerd', 'podman', 'skopeo', 'buildah', 'crio']) {
    await lab.sh('w3', `p=$(command -v ${bin}) && mount --bind /srv/not-a-binary "$p" || true`);
  }
  await lab.sh('w3', 'rm -rf /etc/containerd /etc/containers');
  t.is((await lab.exec('w3', 'command -v podman || command -v skopeo || command -v containerd || test -d /etc/containers')).code, 1, 'w3 has no runtime left');
  t.is((await lab.exec('w1', 'command -v podman')).code, 0, 'the other hosts keep theirs');
  await lab.sh('w2', `rm -f ${CONTAINERS_CA}`);
  const r = await runPlay([join(lab.dir, 'trust-all.yaml'), '-i', lab.inventoryPath], { env });
  t.is(r.code, 2, out(r));
  t.regex(out(r), /container_runtime: auto found no container runtime; looked for containerd \(containerd on PATH, \/etc\/containerd\); crio \(crio on PATH, podman on PATH, buildah on PATH, skopeo on PATH, \/etc\/containers, \/etc\/crio\); docker \(cri-dockerd on PATH\); k3s \(k3s on PATH, \/etc\/rancher\/k3s\); rke2 \(rke2 on PATH, \/etc\/rancher\/rke2\); microk8s \(microk8s on PATH, \/var\/snap\/microk8s\)/);
  t.regex(r.stdout, /^w3\s.*failed=1/m);
  t.regex(r.stdout, /^w2\s.*changed=[1-9].*failed=0/m);
  t.regex(r.stdout, /^w1\s.*changed=0.*failed=0/m);
  t.is(await lab.readFile('w2', CONTAINERS_CA), ca, 'w2 converged in the same run');
  t.is((await lab.exec('w3', 'test -e /etc/containers || test -e /etc/rancher || test -e /var/lib/kubelet/config.json')).code, 1, 'nothing written on w3');
});

serial('play verify over w1 and w3 (auto, nothing found on w3): w3\'s check fails naming what was looked for, exit 2; w1 is checked as before', async (t) => {
  const r = await runPlay(['verify', join(lab.dir, 'trust-all.yaml'), '-i', lab.inventoryPath, '--limit', 'w1,w3'], { env });
  t.is(r.code, 2, out(r));
  t.regex(r.stdout, /^w3\s+none found(\s+-){7}$/m);
  t.regex(out(r), /failed: \[w3\] verify \| container runtimes \(node-trust, auto\): container_runtime: auto found no container runtime/);
  t.regex(out(r), /^ {2}w3: container_runtime: auto found no container runtime; looked for containerd \(containerd on PATH, \/etc\/containerd\); crio \(crio on PATH, podman on PATH, buildah on PATH, skopeo on PATH, \/etc\/containers, \/etc\/crio\);.* — install the runtime first, or set container_runtime for this host/m);
  t.regex(r.stdout, /^w3\s.*failed=1/m);
  t.regex(r.stdout, /^w1\s.*failed=0/m);
  t.regex(r.stdout, /^w1\s+k3s\s+ok\s+ok\s+ok\s+ok\s+WARN\s+ok\s+skip$/m, 'w1 is checked in the same run');
  t.notRegex(r.stdout, /^ok: \[w3\]/m, 'no check passes on w3');
});

serial('conflict: a registries.yaml that already sets another CA for the registry fails w1 only (exit 2), unchanged', async (t) => {
  const theirs = `${USER_YAML}  "${ADDRESS}":\n    tls:\n      ca_file: /etc/ssl/their-ca.pem\n`;
  await lab.writeFile('w1', K3S_YAML, theirs, 0o644);
  const r = await play();
  t.is(r.code, 2, out(r));
  t.regex(out(r), /already sets configs\."registry\.lab:5000"\.tls\.ca_file to "\/etc\/ssl\/their-ca\.pem"/);
  t.is(await lab.readFile('w1', K3S_YAML), theirs);
  t.is(recapChanged(r, 'w2'), 0, out(r));
  t.is(await k3sRestarts(), 1);
});
