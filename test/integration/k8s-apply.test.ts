// k8s-apply against the Kubernetes API stand-in (test/standin) with the real kubectl on the lab
// control-plane host: check lists every object as create → apply → apply again (nothing applied),
// then the registry that the stand-in runs from our Deployment answers a worker over TLS:
// 401 without credentials, 200 with them; the pull Secret in the cluster decodes right.
import test from 'ava';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inCidr, parseCidr } from '../standin/cidr.js';
import { labSupport, type Lab } from '../lab/index.js';
import { missing, serialUnless } from '../helpers/lab-test.js';
import { labProject, playProject, removeLabProject, type LabRun } from '../helpers/lab-project.js';
import { registryVars } from '../helpers/lab-vars.js';
import { cp1Cluster, k8sStep } from '../helpers/standin-cluster.js';
import { fingerprint } from '../helpers/host-state.js';

// root, namespaces, the stand-in, kubectl and docker-registry; otherwise every test is skipped with the reason
const support = labSupport({ standin: true });
const serial = serialUnless(missing(support));

const NAME = 'registry.lab';
const PORT = 5000;
const PASSWORD = 'alice-K8s-pw-5e1f0c';
const BOB_PASSWORD = 'bob-K8s-pw-9a7d21';
const env = { REG_ALICE_PW: PASSWORD, REG_BOB_PW: BOB_PASSWORD };
const TWO_USERS = `registry_users:
  - name: alice
    password: !env REG_ALICE_PW
  - name: bob
    password: !env REG_BOB_PW
`;
const VARS = registryVars({ name: NAME, port: PORT, user: 'alice', passwordEnv: 'REG_ALICE_PW', pullNamespaces: ['default', 'apps'] });
const PKI = `- name: registry PKI and users
  hosts: control_plane
  roles: [certs, htpasswd]
`;
const K8S = `${PKI}
- name: registry in Kubernetes
  hosts: control_plane
  roles: [k8s-apply]
`;

const DNS = `${K8S}
- name: registry name resolution
  hosts: all
  roles: [dns-hosts]
`;

let lab: Lab;
const cluster = cp1Cluster(() => lab);
const { kubectl, writeLog: writeRequests } = cluster;
let work: string;

const SECRETS = [PASSWORD, BOB_PASSWORD, Buffer.from(`alice:${PASSWORD}`).toString('base64')];
const play = (playbook: string, args: string[] = []): Promise<LabRun> => playProject(work, [join(work, playbook), ...args], { env, secrets: SECRETS });
const clusterIP = async () => (await kubectl('get service registry -n registry -o jsonpath={.spec.clusterIP}')).trim();
const output = (r: LabRun) => `${r.stdout}\n${r.stderr}`;

/** resourceVersion of every object the role manages, to prove that nothing was written. */
const versions = () => cluster.versions('namespaces,secrets,configmaps,services,serviceaccounts,persistentvolumes,persistentvolumeclaims,deployments');

const expectedObjects = [
  'ConfigMap default/regplay-registry',
  'Namespace registry',
  'Namespace default',
  'Namespace apps',
  'PersistentVolume registry-data',
  'PersistentVolumeClaim registry/registry-data',
  'Secret registry/registry-tls',
  'Secret registry/registry-auth',
  'ConfigMap registry/registry-config',
  'Deployment registry/registry',
  'Service registry/registry',
  'Secret default/regcred',
  'ServiceAccount default/default',
  'Secret apps/regcred',
  'ServiceAccount apps/default',
];

test.before(async () => {
  if (!support.ok) return;
  // Per process (`k8s-apply-<pid>`): other runs of this file at the same time must not tear down this lab.
  ({ lab, work } = await labProject('k8s-apply', { cp1: ['control_plane'], w1: ['workers'] }, { groupVars: { all: VARS } }));
  writeFileSync(join(work, 'pki.yaml'), PKI);
  writeFileSync(join(work, 'k8s.yaml'), K8S);
  writeFileSync(join(work, 'dns.yaml'), DNS);
  writeFileSync(join(work, 'two-users.yaml'), TWO_USERS);
});

test.after.always(() => removeLabProject(lab, work));

serial('with the certificate and htpasswd in place, check lists every object as create (or change for what the cluster already has) and applies nothing', async (t) => {
  const pki = await play('pki.yaml');
  t.is(pki.code, 0, output(pki));
  const existing = new Set<string>();
  for (const id of expectedObjects) {
    const [kind, ref] = id.split(' ') as [string, string];
    const [ns, name] = ref.includes('/') ? ref.split('/') : [undefined, ref];
    const r = await lab.exec('cp1', `kubectl --kubeconfig /root/.kube/config get ${kind.toLowerCase()} ${name}${ns ? ` -n ${ns}` : ''} -o name`);
    if (r.code === 0) existing.add(id);
  }
  const before = await versions();

  // --diff prints every object; play() fails on any password, key or bcrypt hash in the output
  const check = await play('k8s.yaml', ['--check', '--diff']);
  t.is(check.code, 0, output(check));
  t.regex(check.stdout, /kind: Deployment/);
  const step = k8sStep(check)!;
  t.is(step.status, 'changed');
  const listed = new Map((step.actions ?? []).map((a) => [a.replace(/^(create|change) /, '').replace(/:.*$/, ''), a.split(' ')[0]]));
  // A fresh cluster has only its defaults: Namespace default (already as wanted: no action) and the
  // ServiceAccount default/default (gains imagePullSecrets: change). Everything else is created.
  t.deepEqual([...existing].sort(), ['Namespace default', 'ServiceAccount default/default'], 'a fresh cluster');
  const want = new Map(expectedObjects.filter((id) => id !== 'Namespace default').map((id) => [id, existing.has(id) ? 'change' : 'create']));
  t.deepEqual(Object.fromEntries(listed), Object.fromEntries(want), 'each object the cluster lacks is listed as create, the existing one to change as change');
  t.is(await versions(), before, 'check wrote nothing');
});

serial('apply creates every object, and the rollout of the Deployment completes', async (t) => {
  const writesBefore = (await writeRequests()).length;
  const apply = await play('k8s.yaml');
  t.is(apply.code, 0, output(apply));
  t.is(k8sStep(apply)!.status, 'changed');
  t.is(apply.report.recap.cp1?.failed, 0);
  // the stand-in saw the server-side apply (so its request log can prove the next run writes nothing)
  const writes = (await writeRequests()).slice(writesBefore);
  t.true(writes.some((l) => /^\S+ PATCH \/apis\/apps\/v1\/namespaces\/registry\/deployments\/registry\?\S* application\/apply-patch\+yaml$/.test(l)), writes.join('\n'));
  const deployment = JSON.parse(await kubectl('get deployment registry -n registry -o json'));
  t.is(deployment.status?.readyReplicas, 1, JSON.stringify(deployment.status));
});

serial('apply again: every object unchanged, no kubectl apply issued, nothing written', async (t) => {
  const before = await versions();
  const writesBefore = await writeRequests();
  t.true(writesBefore.length > 0, 'the stand-in records write requests');
  const again = await play('k8s.yaml');
  t.is(again.code, 0, output(again));
  const step = k8sStep(again)!;
  t.is(step.status, 'ok');
  t.deepEqual(step.actions, []);
  t.is(again.report.recap.cp1?.changed, 0);
  t.is(await versions(), before, 'no object was written');
  const check = await play('k8s.yaml', ['--check', '--detailed-exitcode']);
  t.is(check.code, 0, output(check));
  // what the API server saw, not what the runner reports: not one PATCH/POST/PUT/DELETE
  t.deepEqual((await writeRequests()).slice(writesBefore.length), [], 'no write request reached the API server');
});

serial('the Service cluster IP is a virtual IP of the Service range, no host\'s; the registry does not listen on cp1\'s own address', async (t) => {
  const ip = await clusterIP();
  t.true(inCidr(parseCidr(lab.serviceCidr), ip), `${ip} in ${lab.serviceCidr}`);
  t.false(Object.values(lab.hosts).some((h) => h.address === ip), ip);
  const direct = await lab.exec('w1', `curl -sS -o /dev/null -w '%{http_code}' --max-time 5 -k https://${lab.address('cp1')}:${PORT}/v2/`);
  t.is(direct.stdout, '000', 'the registry runs in its pod\'s network namespace, not on cp1\'s address');
});

serial('dns-hosts maps the registry name to the Service address from the registry_k8s fact, on every host', async (t) => {
  const r = await play('dns.yaml');
  t.is(r.code, 0, output(r));
  const k8s = k8sStep(r)!;
  t.deepEqual([k8s.status, k8s.actions], ['ok', []]);
  const ip = await clusterIP();
  for (const host of ['cp1', 'w1']) {
    const hosts = (await lab.readFile(host, '/etc/hosts')) ?? '';
    t.regex(hosts, new RegExp(`^${ip.replaceAll('.', '\\.')}\\s+${NAME.replace('.', '\\.')}$`, 'm'), `${host}: ${hosts}`);
  }
});

serial('from a worker, the registry answers 401 without credentials and 200 with them, over TLS with the CA', async (t) => {
  const ca = await lab.readFile('cp1', '/registry/certs/ca.crt');
  t.truthy(ca);
  await lab.writeFile('w1', '/tmp/registry-ca.crt', ca!);
  // the name resolves through the /etc/hosts line dns-hosts wrote
  const curl = `curl -sS -o /dev/null -w '%{http_code}' --max-time 10 --cacert /tmp/registry-ca.crt https://${NAME}:${PORT}/v2/`;
  const anonymous = await lab.exec('w1', curl);
  t.is(anonymous.stdout, '401', anonymous.stderr);
  // credentials through curl's config on stdin, not the command line
  const authed = await lab.exec('w1', `${curl} -K -`, { stdin: `user = "alice:${PASSWORD}"\n` });
  t.is(authed.stdout, '200', authed.stderr);
  const wrong = await lab.exec('w1', `${curl} -K -`, { stdin: 'user = "alice:not-the-password"\n' });
  t.is(wrong.stdout, '401', wrong.stderr);
});

serial('the pull Secret in each pull namespace decodes to the registry address, user and password', async (t) => {
  for (const ns of ['default', 'apps']) {
    const secret = JSON.parse(await kubectl(`get secret regcred -n ${ns} -o json`));
    t.is(secret.type, 'kubernetes.io/dockerconfigjson');
    const config = JSON.parse(Buffer.from(secret.data['.dockerconfigjson'], 'base64').toString());
    t.deepEqual(config.auths[`${NAME}:${PORT}`], { username: 'alice', password: PASSWORD, auth: Buffer.from(`alice:${PASSWORD}`).toString('base64') });
    const sa = JSON.parse(await kubectl(`get serviceaccount default -n ${ns} -o json`));
    t.deepEqual(sa.imagePullSecrets, [{ name: 'regcred' }]);
  }
});

serial('a new storage size on the hostpath claim (class "", which Kubernetes cannot resize) is refused before any change, in --check and in apply, with the reason', async (t) => {
  const vars = join(work, 'group_vars', 'all.yaml');
  const text = readFileSync(vars, 'utf8');
  t.regex(text, /^registry_storage_size: 2Gi$/m);
  writeFileSync(vars, text.replace(/^registry_storage_size: 2Gi$/m, 'registry_storage_size: 3Gi'));
  const before = await versions();
  try {
    for (const args of [['--check'], []]) {
      const r = await play('k8s.yaml', args);
      t.is(r.code, 2, output(r));
      t.regex(k8sStep(r)?.error ?? '', /registry_storage_size changed, and the claim cannot take that size \(PersistentVolumeClaim registry\/registry-data: 2Gi → 3Gi: it has no StorageClass/);
    }
    t.is(await versions(), before, 'nothing was written');
    t.is(JSON.parse(await kubectl('get pv registry-data -o json')).spec.capacity.storage, '2Gi');
    t.is(JSON.parse(await kubectl('get pvc registry-data -n registry -o json')).spec.resources.requests.storage, '2Gi');
  } finally {
    writeFileSync(vars, text);
  }
  const again = await play('k8s.yaml');
  t.deepEqual(k8sStep(again)!.actions, [], 'back at its size, nothing to change');
});

serial('a new user changes exactly the htpasswd Secret and the Deployment; after the rollout the user can log in', async (t) => {
  const r = await play('k8s.yaml', ['-e', `@${join(work, 'two-users.yaml')}`]);
  t.is(r.code, 0, output(r));
  const changes = (k8sStep(r)!.actions ?? []).map((a) => a.replace(/:.*$/, ''));
  t.deepEqual(changes.sort(), ['change Deployment registry/registry', 'change Secret registry/registry-auth']);
  const ca = await lab.readFile('cp1', '/registry/certs/ca.crt');
  await lab.writeFile('w1', '/tmp/registry-ca.crt', ca!);
  const curl = `curl -sS -o /dev/null -w '%{http_code}' --max-time 10 --cacert /tmp/registry-ca.crt https://${NAME}:${PORT}/v2/ -K -`;
  const bob = await lab.exec('w1', curl, { stdin: `user = "bob:${BOB_PASSWORD}"\n` });
  t.is(bob.stdout, '200', bob.stderr);
  const again = await play('k8s.yaml', ['-e', `@${join(work, 'two-users.yaml')}`]);
  t.deepEqual(k8sStep(again)!.actions, [], 'and the next run changes nothing');
});

serial('kubectl missing, or the API unreachable, fails the control-plane host with a clear error and writes nothing; the other host converges', async (t) => {
  const before = await versions();
  const writesBefore = (await writeRequests()).length;
  // Both hosts lose their registry line: w1 must get it back (its dns-hosts takes the explicit
  // registry_ip, it needs nothing from cp1), cp1 must not (it left the run when k8s-apply failed).
  const ip = await clusterIP();
  const line = new RegExp(`^${ip.replaceAll('.', '\\.')}\\s+${NAME.replace('.', '\\.')}$`, 'm');
  for (const host of ['cp1', 'w1']) {
    await lab.sh(host, `sed '/[[:space:]]${NAME.replace('.', '\\.')}$/d' /etc/hosts > /tmp/hosts && cat /tmp/hosts > /etc/hosts`);
    t.notRegex((await lab.readFile(host, '/etc/hosts'))!, line, host);
  }
  const cp1Files = ['/etc/hosts', '/registry/certs/ca.crt', '/registry/certs/tls.crt', '/registry/auth/htpasswd'];
  // with the users the cluster has now (the previous test added bob), so only the failure differs
  const users = ['-e', `@${join(work, 'two-users.yaml')}`];
  const cp1Before = await fingerprint(lab, 'cp1', cp1Files);
  const missing = await play('dns.yaml', [...users, '-e', 'kubectl_path=/opt/none/kubectl', '-e', `registry_ip=${ip}`]);
  t.is(missing.code, 2, output(missing));
  t.is(missing.report.recap.cp1?.failed, 1);
  t.regex(k8sStep(missing)?.error ?? '', /kubectl get failed \(exit 127\).*\/opt\/none\/kubectl/);
  t.like(missing.report.recap.w1, { failed: 0, changed: 1 });
  t.regex((await lab.readFile('w1', '/etc/hosts'))!, line, 'w1 converged');
  t.is(await fingerprint(lab, 'cp1', cp1Files), cp1Before, 'cp1 untouched after its failure');
  // put cp1's line back for the tests that follow
  const restore = await play('dns.yaml', users);
  t.is(restore.code, 0, output(restore));
  t.regex((await lab.readFile('cp1', '/etc/hosts'))!, line);
  await lab.writeFile('cp1', '/tmp/unreachable.kubeconfig', (await lab.readFile('cp1', '/root/.kube/config'))!.replace(/server: \S+/, 'server: http://127.0.0.1:1'));
  const unreachable = await play('k8s.yaml', [...users, '-e', 'kubeconfig=/tmp/unreachable.kubeconfig']);
  t.is(unreachable.code, 2, output(unreachable));
  t.regex(k8sStep(unreachable)?.error ?? '', /kubectl get failed.*(refused|127\.0\.0\.1:1)/);
  t.is(await versions(), before);
  t.deepEqual((await writeRequests()).slice(writesBefore), [], 'no write request reached the API server');
});

serial('bad input (unknown storage kind) is refused before any host is touched', async (t) => {
  const before = await versions();
  const r = await play('k8s.yaml', ['-e', 'registry_storage_kind=emptydir']);
  t.is(r.code, 3, output(r));
  t.regex(output(r), /registry_storage_kind/);
  t.is(await versions(), before);
});
