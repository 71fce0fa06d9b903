// The Ingress wired in, on the lab (cp1 control plane, w1 worker, b1 build host, the Kubernetes
// API stand-in running the registry on cp1) with `play site.yaml` and registry_ingress on
// (class traefik, as seed 001's cluster). The lab has no ingress controller, so what is proved on
// the hosts is what does not need one: the host in the certificate's SANs (openssl on cp1), the
// trust and login files for `<ingress host>` (no port: an Ingress serves 443) on every node and
// build host, the objects in the cluster (kubectl), the three runs — and real clients using the
// ingress host: b1 pushes with skopeo and w1 pulls with containerd through `cr.lab` (port 443),
// which dns-hosts maps to registry_ingress_ip — here the Service's IP — and an iptables DNAT of 443
// to the Service port in the client's own namespace carries. That DNAT is a STAND-IN for an ingress controller
// doing TLS passthrough (TCP forwarded, TLS end to end with the registry's certificate).
import test from 'ava';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { labSupport, type Lab } from '../lab/index.js';
import { missing, serialUnless } from '../helpers/lab-test.js';
import { labProject, playProject, removeLabProject, runOutput as output, type LabRun } from '../helpers/lab-project.js';
import { SITE } from '../helpers/site-project.js';
import { cp1Cluster } from '../helpers/standin-cluster.js';
import { registryVars } from '../helpers/lab-vars.js';
import { fingerprint } from '../helpers/host-state.js';
import { buildImage } from '../helpers/oci-image.js';

const support = labSupport({ standin: true });
const serial = serialUnless(missing(support));

const NAME = 'registry.lab';
const PORT = 5000;
const INGRESS_HOST = 'cr.lab';
const PASSWORD = 'alice-Ingress-pw-7c20e4';
const env = { REG_ALICE_PW: PASSWORD };
const SECRETS = [PASSWORD, Buffer.from(`alice:${PASSWORD}`).toString('base64')];
const HOSTS = ['cp1', 'w1', 'b1'];
const ALL_VARS = registryVars({
  name: NAME,
  port: PORT,
  user: 'alice',
  passwordEnv: 'REG_ALICE_PW',
  pullNamespaces: ['default'],
  extra: `registry_ingress: true\nregistry_ingress_host: ${INGRESS_HOST}\nregistry_ingress_class: traefik\n`,
});

let lab: Lab;
const { kubectl } = cp1Cluster(() => lab);
let work: string;

type Run = LabRun;
const play = (args: string[] = []): Promise<Run> => playProject(work, [SITE, ...args], { env, secrets: SECRETS });
const changedSteps = (r: Run, host: string) => r.report.events.filter((e) => e.type === 'step' && e.host === host && e.status === 'changed').map((e) => e.step ?? '');

const trustFiles: Record<string, string[]> = {
  cp1: ['/registry/certs/tls.crt', `/etc/containerd/certs.d/${INGRESS_HOST}/ca.crt`, `/etc/containerd/certs.d/${INGRESS_HOST}/hosts.toml`],
  w1: [`/etc/containerd/certs.d/${INGRESS_HOST}/ca.crt`, `/etc/containerd/certs.d/${INGRESS_HOST}/hosts.toml`, `/etc/containerd/certs.d/${NAME}:${PORT}/hosts.toml`],
  b1: [`/etc/docker/certs.d/${INGRESS_HOST}/ca.crt`, '/root/.docker/config.json'],
};

/** The ingress controller stand-in on `host`: 443 at the Service's IP goes to the Service port. */
async function passthroughStandIn(host: string, ip: string): Promise<void> {
  await lab.sh(host, `iptables -t nat -C OUTPUT -d ${ip} -p tcp --dport 443 -j DNAT --to-destination ${ip}:${PORT} 2>/dev/null || iptables -t nat -A OUTPUT -d ${ip} -p tcp --dport 443 -j DNAT --to-destination ${ip}:${PORT}`);
}

test.before(async () => {
  if (!support.ok) return;
  // b1 is outside the cluster: the Service's cluster IP (routed through cp1) is its way in
  const build = 'dns_hosts_ip_source: cluster_ip\n';
  ({ lab, work } = await labProject('ingress', { cp1: ['control_plane'], w1: ['workers'], b1: ['build'] }, { groupVars: { all: ALL_VARS, build } }));
});

test.after.always(() => removeLabProject(lab, work));

serial('run 1, --check with the Ingress on: the ingress host\'s trust files are planned on every host, nothing is written, exit 8', async (t) => {
  const before = Object.fromEntries(await Promise.all(HOSTS.map(async (h) => [h, await fingerprint(lab, h, trustFiles[h]!)] as const)));
  const r = await play(['--check', '--detailed-exitcode']);
  t.is(r.code, 8, output(r));
  for (const host of HOSTS) t.is(r.report.recap[host]?.failed, 0, host);
  t.true(changedSteps(r, 'w1').includes(`containerd CA for ${INGRESS_HOST}`), changedSteps(r, 'w1').join(', '));
  t.true(changedSteps(r, 'w1').includes(`containerd hosts.toml for ${INGRESS_HOST}`));
  t.true(changedSteps(r, 'b1').includes(`docker CA for ${INGRESS_HOST}`), changedSteps(r, 'b1').join(', '));
  t.true(changedSteps(r, 'b1').some((s) => s.startsWith(`docker login ${NAME}:${PORT}, ${INGRESS_HOST} `)));
  for (const host of HOSTS) t.is(await fingerprint(lab, host, trustFiles[host]!), before[host], `${host} untouched`);
});

serial('run 2, apply: the certificate names the ingress host (openssl on cp1); nodes and the build host trust it and log in to it', async (t) => {
  const r = await play();
  t.is(r.code, 0, output(r));
  const san = await lab.sh('cp1', 'openssl x509 -in /registry/certs/tls.crt -noout -ext subjectAltName');
  t.regex(san, new RegExp(`DNS:${NAME.replace('.', '\\.')}\\b`));
  t.regex(san, new RegExp(`DNS:${INGRESS_HOST.replace('.', '\\.')}\\b`));
  const verify = await lab.exec('cp1', `openssl verify -CAfile /registry/certs/ca.crt -verify_hostname ${INGRESS_HOST} /registry/certs/tls.crt`);
  t.is(verify.code, 0, verify.stdout + verify.stderr);
  const ca = (await lab.readFile('cp1', '/registry/certs/ca.crt'))!;
  for (const host of ['cp1', 'w1']) {
    t.is(await lab.readFile(host, `/etc/containerd/certs.d/${INGRESS_HOST}/ca.crt`), ca, host);
    const toml = (await lab.readFile(host, `/etc/containerd/certs.d/${INGRESS_HOST}/hosts.toml`))!;
    t.regex(toml, new RegExp(`^server = "https://${INGRESS_HOST.replace('.', '\\.')}"$`, 'm'), host);
    t.truthy(await lab.readFile(host, `/etc/containerd/certs.d/${NAME}:${PORT}/hosts.toml`), `${host}: name:port kept`);
  }
  t.is(await lab.readFile('b1', `/etc/docker/certs.d/${INGRESS_HOST}/ca.crt`), ca);
  const auths = JSON.parse((await lab.readFile('b1', '/root/.docker/config.json'))!).auths;
  t.deepEqual(Object.keys(auths).sort(), [INGRESS_HOST, `${NAME}:${PORT}`].sort());
  for (const a of Object.values(auths) as Array<{ auth: string }>) t.is(Buffer.from(a.auth, 'base64').toString(), `alice:${PASSWORD}`);
});

serial('the live objects (kubectl): Ingress on the ingress host with Traefik\'s annotations and the TLS Secret, https to the Service, a pull Secret for both addresses', async (t) => {
  const ingress = JSON.parse(await kubectl('get ingress registry -n registry -o json'));
  t.is(ingress.spec.ingressClassName, 'traefik');
  t.deepEqual(ingress.spec.tls, [{ hosts: [INGRESS_HOST], secretName: 'registry-tls' }]);
  t.is(ingress.spec.rules[0].host, INGRESS_HOST);
  t.like(ingress.metadata.annotations, { 'traefik.ingress.kubernetes.io/router.entrypoints': 'websecure', 'traefik.ingress.kubernetes.io/router.tls': 'true' });
  t.false(Object.keys(ingress.metadata.annotations).some((k) => k.startsWith('nginx.')), 'no nginx annotations on a Traefik Ingress');
  const service = JSON.parse(await kubectl('get service registry -n registry -o json'));
  t.is(service.metadata.annotations?.['traefik.ingress.kubernetes.io/service.serversscheme'], 'https');
  // the TLS Secret the Ingress serves is the certificate that names the ingress host
  const tls = JSON.parse(await kubectl('get secret registry-tls -n registry -o json'));
  t.is(Buffer.from(tls.data['tls.crt'], 'base64').toString(), await lab.readFile('cp1', '/registry/certs/tls.crt'));
  const pull = JSON.parse(await kubectl('get secret regcred -n default -o json'));
  const auths = JSON.parse(Buffer.from(pull.data['.dockerconfigjson'], 'base64').toString()).auths;
  t.deepEqual(Object.keys(auths).sort(), [INGRESS_HOST, `${NAME}:${PORT}`].sort());
  t.is(auths[INGRESS_HOST].password, PASSWORD);
});

serial('run 3, apply again: changed=0 on every host', async (t) => {
  const r = await play();
  t.is(r.code, 0, output(r));
  for (const host of HOSTS) t.is(r.report.recap[host]?.changed, 0, `${host}: ${changedSteps(r, host).join(', ')}`);
  const check = await play(['--check', '--detailed-exitcode']);
  t.is(check.code, 0, output(check));
});

serial('through the ingress host (dns-hosts maps it to registry_ingress_ip; 443 via a TLS-passthrough stand-in): b1 pushes with skopeo using only its certs.d and config.json; w1 pulls with containerd through certs.d/cr.lab', async (t) => {
  // the ingress "controller" address is the Service's IP: dns-hosts maps cr.lab to it on every host
  const ip = (await kubectl('get service registry -n registry -o jsonpath={.spec.clusterIP}')).trim();
  writeFileSync(join(work, 'group_vars', 'all.yaml'), `${ALL_VARS}registry_ingress_ip: ${ip}\n`);
  const mapped = await play();
  t.is(mapped.code, 0, output(mapped));
  for (const host of HOSTS) {
    // every host maps registry.lab to the cluster IP too (b1 through dns_hosts_ip_source: cluster_ip)
    t.deepEqual(changedSteps(mapped, host), [`/etc/hosts: ${NAME} -> ${ip}, ${INGRESS_HOST} -> ${ip}`], host);
    t.is((await lab.exec(host, `getent hosts ${INGRESS_HOST}`)).stdout.split(/\s+/)[0], ip, host);
  }
  const again = await play();
  for (const host of HOSTS) t.is(again.report.recap[host]?.changed, 0, `${host}: ${changedSteps(again, host).join(', ')}`);
  for (const host of ['b1', 'w1']) await passthroughStandIn(host, ip);
  const image = `${INGRESS_HOST}/ingress-test:1`;
  await buildImage(lab, 'b1', '/root/oci-ingress', 'through the ingress host\n');
  // No --dest-creds, --dest-cert-dir or --dest-tls-verify=false: the role's files are all skopeo has.
  const push = await lab.exec('b1', `skopeo copy --retry-times 0 oci:/root/oci-ingress:1 docker://${image}`);
  t.is(push.code, 0, push.stderr);

  await lab.writeFile('w1', '/root/.registry-credential', `alice:${PASSWORD}`, 0o600);
  const pull = () => lab.exec('w1', `ctr image rm ${image} >/dev/null 2>&1; ctr image pull --hosts-dir /etc/containerd/certs.d --user "$(cat /root/.registry-credential)" ${image}`);
  const pulled = await pull();
  t.is(pulled.code, 0, pulled.stderr);
  t.regex((await lab.exec('w1', 'ctr image check')).stdout, new RegExp(`${image.replaceAll('.', '\\.')}\\s.*complete`));
  // the trust comes from the role's certs.d/cr.lab: without it the same pull fails (unknown authority)
  await lab.sh('w1', `mv /etc/containerd/certs.d/${INGRESS_HOST} /root/cr.lab.aside`);
  const untrusted = await pull();
  await lab.sh('w1', `mv /root/cr.lab.aside /etc/containerd/certs.d/${INGRESS_HOST}`);
  t.not(untrusted.code, 0, 'without certs.d/cr.lab containerd does not trust the registry');
  t.regex(untrusted.stderr + untrusted.stdout, /certificate|x509|unknown authority/i);
  // and nothing but the stand-in serves 443: without the DNAT the pull cannot connect
  await lab.sh('w1', 'iptables -t nat -F OUTPUT');
  const noIngress = await pull();
  t.not(noIngress.code, 0, 'no ingress stand-in, no registry on 443');
  t.regex(noIngress.stderr + noIngress.stdout, /:443\b/);
});

serial('the Ingress turned off: the certificate is re-issued without the host (same CA), the Ingress and the Traefik Service annotation leave the cluster, the pull Secret names name:port only; the hosts lose regplay\'s trust, login and /etc/hosts line for cr.lab, the user\'s stay; check plans it, then changed=0', async (t) => {
  const ca = await lab.readFile('cp1', '/registry/certs/ca.crt');
  const ip = (await kubectl('get service registry -n registry -o jsonpath={.spec.clusterIP}')).trim();
  // the user's own things next to regplay's: a client certificate in cp1's certs.d/cr.lab (so that
  // directory is not regplay's alone), another registry's login and a commented cr.lab line on b1
  await lab.writeFile('cp1', `/etc/containerd/certs.d/${INGRESS_HOST}/client.cert`, 'the user\'s client certificate\n');
  const config = JSON.parse((await lab.readFile('b1', '/root/.docker/config.json'))!);
  config.auths['other.example:5000'] = { auth: Buffer.from('me:mine').toString('base64') };
  await lab.writeFile('b1', '/root/.docker/config.json', `${JSON.stringify(config, null, 2)}\n`, 0o600);
  await lab.sh('b1', `echo '${ip} ${INGRESS_HOST} # mine' >> /etc/hosts`);
  const trust: Record<string, string[]> = {
    cp1: [`/etc/containerd/certs.d/${INGRESS_HOST}/ca.crt`, `/etc/containerd/certs.d/${INGRESS_HOST}/hosts.toml`, '/etc/hosts'],
    w1: [`/etc/containerd/certs.d/${INGRESS_HOST}/ca.crt`, `/etc/containerd/certs.d/${INGRESS_HOST}/hosts.toml`, '/etc/hosts'],
    b1: [`/etc/docker/certs.d/${INGRESS_HOST}/ca.crt`, '/root/.docker/config.json', '/etc/hosts'],
  };
  const before = Object.fromEntries(await Promise.all(HOSTS.map(async (h) => [h, await fingerprint(lab, h, trust[h]!)] as const)));
  // registry_ingress_host (and registry_ingress_ip) stay set: they name what to clean up
  writeFileSync(join(work, 'group_vars', 'all.yaml'), `${ALL_VARS.replace('registry_ingress: true', 'registry_ingress: false')}registry_ingress_ip: ${ip}\n`);
  const check = await play(['--check']);
  t.is(check.code, 0, output(check));
  t.true(changedSteps(check, 'w1').includes(`containerd trust for ${INGRESS_HOST} removed (the Ingress is off)`), changedSteps(check, 'w1').join(', '));
  t.false(changedSteps(check, 'cp1').includes(`containerd trust for ${INGRESS_HOST} removed (the Ingress is off)`), 'cp1\'s directory holds a file of the user\'s');
  t.true(changedSteps(check, 'b1').includes(`docker trust for ${INGRESS_HOST} removed (the Ingress is off)`), changedSteps(check, 'b1').join(', '));
  for (const host of HOSTS) t.is(await fingerprint(lab, host, trust[host]!), before[host], `${host}: --check wrote nothing`);

  const r = await play();
  t.is(r.code, 0, output(r));
  const san = await lab.sh('cp1', 'openssl x509 -in /registry/certs/tls.crt -noout -ext subjectAltName');
  t.notRegex(san, /cr\.lab/);
  t.regex(san, /DNS:registry\.lab/);
  t.is(await lab.readFile('cp1', '/registry/certs/ca.crt'), ca, 'the CA is kept');
  t.not((await lab.exec('cp1', 'kubectl --kubeconfig /root/.kube/config get ingress registry -n registry -o name')).code, 0, 'the Ingress is gone');
  const service = JSON.parse(await kubectl('get service registry -n registry -o json'));
  t.is(service.metadata.annotations?.['traefik.ingress.kubernetes.io/service.serversscheme'], undefined);
  const pull = JSON.parse(await kubectl('get secret regcred -n default -o json'));
  t.deepEqual(Object.keys(JSON.parse(Buffer.from(pull.data['.dockerconfigjson'], 'base64').toString()).auths), [`${NAME}:${PORT}`]);

  // on the hosts (their files, read there): regplay's trust for cr.lab is gone, name:port stays
  t.is((await lab.exec('w1', `test -e /etc/containerd/certs.d/${INGRESS_HOST}`)).code, 1, 'w1: certs.d/cr.lab removed');
  t.truthy(await lab.readFile('w1', `/etc/containerd/certs.d/${NAME}:${PORT}/hosts.toml`), 'w1: name:port kept');
  t.is(await lab.readFile('cp1', `/etc/containerd/certs.d/${INGRESS_HOST}/client.cert`), 'the user\'s client certificate\n', 'cp1: a directory with the user\'s file is left whole');
  t.truthy(await lab.readFile('cp1', `/etc/containerd/certs.d/${INGRESS_HOST}/ca.crt`));
  t.is((await lab.exec('b1', `test -e /etc/docker/certs.d/${INGRESS_HOST}`)).code, 1, 'b1: docker certs.d/cr.lab removed');
  t.truthy(await lab.readFile('b1', `/etc/docker/certs.d/${NAME}:${PORT}/ca.crt`));
  const auths = JSON.parse((await lab.readFile('b1', '/root/.docker/config.json'))!).auths;
  t.deepEqual(Object.keys(auths).sort(), [`${NAME}:${PORT}`, 'other.example:5000'].sort(), 'b1: the cr.lab login gone, the user\'s other login kept');
  for (const host of ['cp1', 'w1']) t.notRegex((await lab.readFile(host, '/etc/hosts'))!, new RegExp(`\\s${INGRESS_HOST.replace('.', '\\.')}\\b`), `${host}: no cr.lab line`);
  const b1Hosts = (await lab.readFile('b1', '/etc/hosts'))!;
  t.deepEqual(b1Hosts.split('\n').filter((l) => l.includes(INGRESS_HOST)), [`${ip} ${INGRESS_HOST} # mine`], 'b1: only the user\'s commented line is left');

  const again = await play();
  t.is(again.code, 0, output(again));
  for (const host of HOSTS) t.is(again.report.recap[host]?.changed, 0, `${host}: ${changedSteps(again, host).join(', ')}`);
});
