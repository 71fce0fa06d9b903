// k8s-apply on day two, against the Kubernetes API stand-in with the real kubectl on cp1: the user
// changes their mind (a setting dropped from the inventory leaves the live object), or already has
// things in the cluster (their pull secrets on a ServiceAccount survive). Each case: the before state
// set up with real kubectl or a previous run, then check (plans it, writes nothing, exit 8 as a drift
// gate) → apply (the live state asserted with kubectl) → apply again (changed=0).
import test from 'ava';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { labSupport, type Lab } from '../lab/index.js';
import { missing, serialUnless } from '../helpers/lab-test.js';
import { labProject, playProject, removeLabProject, type LabRun } from '../helpers/lab-project.js';
import { registryVars } from '../helpers/lab-vars.js';
import { cp1Cluster, k8sStep, PKI_THEN_K8S } from '../helpers/standin-cluster.js';
import { applySetId } from '../../src/engine/kinds/k8s-applyset.js';

const support = labSupport({ standin: true });
const serial = serialUnless(missing(support));

const PASSWORD = 'alice-day2-pw-41c7e9';
const env = { REG_ALICE_PW: PASSWORD };

let lab: Lab;
const cluster = cp1Cluster(() => lab);
const { kubectl, getJson } = cluster;
let work: string;

type Run = LabRun;
const play = (args: string[] = [], playbook = 'k8s.yaml'): Promise<Run> => playProject(work, [join(work, playbook), ...args], { env, secrets: [PASSWORD] });
const output = (r: Run) => `${r.stdout}\n${r.stderr}`;

/** The inventory's group_vars: the lab's registry plus these lines. */
function setVars(extra: string, pullNamespaces = ['default', 'apps']) {
  writeFileSync(join(work, 'group_vars', 'all.yaml'), registryVars({ name: 'registry.lab', port: 5000, user: 'alice', passwordEnv: 'REG_ALICE_PW', pullNamespaces, extra }));
}

/** resourceVersion of every object in the cluster, to prove that a check wrote nothing. */
const versions = () => cluster.versions('namespaces,secrets,configmaps,services,serviceaccounts,persistentvolumes,persistentvolumeclaims,deployments,ingresses');

/** check (lists the changes, writes nothing, exit 8 as a drift gate) → apply → apply again (changed=0). */
async function threeRuns(t: import('ava').ExecutionContext): Promise<{ check: Run; diff: Run }> {
  const before = await versions();
  const diff = await play(['--check', '--diff']);
  t.is(diff.code, 0, output(diff));
  t.is(k8sStep(diff)?.status, 'changed', output(diff));
  const gate = await play(['--check', '--detailed-exitcode']);
  t.is(gate.code, 8, output(gate));
  t.is(await versions(), before, 'check wrote nothing');
  const apply = await play();
  t.is(apply.code, 0, output(apply));
  t.is(k8sStep(apply)?.status, 'changed');
  const again = await play();
  t.is(again.code, 0, output(again));
  t.deepEqual([k8sStep(again)?.status, k8sStep(again)?.actions], ['ok', []], output(again));
  t.is(again.report.recap.cp1?.changed, 0);
  const quiet = await play(['--check', '--detailed-exitcode']);
  t.is(quiet.code, 0, output(quiet));
  return { check: gate, diff };
}

test.before(async () => {
  if (!support.ok) return;
  // group_vars/all.yaml: each test's own (setVars)
  ({ lab, work } = await labProject('k8s-day2', { cp1: ['control_plane'] }, { groupVars: {} }));
  writeFileSync(join(work, 'k8s.yaml'), PKI_THEN_K8S);
  writeFileSync(join(work, 'dns.yaml'), `${PKI_THEN_K8S}\n- name: registry name resolution\n  hosts: control_plane\n  roles: [dns-hosts]\n`);
});

test.after.always(() => removeLabProject(lab, work));

// an address no test sends traffic to: it only goes into the Service and /etc/hosts
const EXTERNAL_IP = '198.51.100.7';
const SETTINGS = (ip: string) => `registry_external_ips: [${ip}]
registry_node_selector: {kubernetes.io/os: linux}
registry_resources:
  requests: {cpu: 50m, memory: 64Mi}
  limits: {memory: 256Mi, cpu: '1'}
`;

serial('removal: external IPs, a memory limit and the node selector taken out of the inventory leave the live objects; dns-hosts no longer gets the old external IP', async (t) => {
  setVars(SETTINGS(EXTERNAL_IP));
  // dns-hosts told to use the external IP (as on a build host outside the cluster)
  const external = ['-e', 'dns_hosts_ip_source=external_ip'];
  const first = await play(external, 'dns.yaml');
  t.is(first.code, 0, output(first));
  t.deepEqual((await getJson('service registry -n registry')).spec.externalIPs, [EXTERNAL_IP]);
  t.regex((await lab.readFile('cp1', '/etc/hosts')) ?? '', /^198\.51\.100\.7\s+registry\.lab$/m);
  const before = await getJson('deployment registry -n registry');
  t.is(before.spec.template.spec.containers[0].resources.limits.memory, '256Mi');
  // with hostpath storage the pod is also pinned to the volume's node (cp1, the stand-in's node)
  t.deepEqual(before.spec.template.spec.nodeSelector, { 'kubernetes.io/os': 'linux', 'kubernetes.io/hostname': 'cp1' });

  setVars(`registry_resources:
  requests: {cpu: 50m, memory: 64Mi}
  limits: {cpu: '1'}
`);
  const { diff } = await threeRuns(t);
  const actions = k8sStep(diff)!.actions ?? [];
  t.true(actions.includes('change Service registry/registry: remove spec.externalIPs'), actions.join('\n'));
  t.true(
    actions.some((a) => a.startsWith('change Deployment registry/registry:') && a.includes('remove spec.template.spec.nodeSelector.kubernetes.io/os') && a.includes('remove spec.template.spec.containers[name=registry].resources.limits.memory')),
    actions.join('\n'),
  );
  // --diff shows the removed values on the "before" side only
  t.regex(diff.stdout, /^-\s+- 198\.51\.100\.7$/m, diff.stdout);
  t.regex(diff.stdout, /^-\s+memory: 256Mi$/m, diff.stdout);
  t.regex(diff.stdout, /^-\s+kubernetes\.io\/os: linux$/m, diff.stdout);

  const service = await getJson('service registry -n registry');
  t.is(service.spec.externalIPs, undefined, JSON.stringify(service.spec));
  const after = await getJson('deployment registry -n registry');
  t.deepEqual(after.spec.template.spec.containers[0].resources, { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '1' } });
  t.deepEqual(after.spec.template.spec.nodeSelector, { 'kubernetes.io/hostname': 'cp1' });
  t.is(after.status?.readyReplicas, 1, JSON.stringify(after.status));
  // dns-hosts sees the Service as it is now: no external IP to map any more (it said so), not the old one
  const dns = await play(external, 'dns.yaml');
  t.is(dns.code, 2, output(dns));
  t.regex(output(dns), /has no externalIPs/);
  const auto = await play([], 'dns.yaml');
  t.is(auto.code, 0, output(auto));
  const clusterIP: string = (await getJson('service registry -n registry')).spec.clusterIP;
  t.not(clusterIP, lab.address('cp1'), 'a virtual IP, not the host\'s');
  t.regex((await lab.readFile('cp1', '/etc/hosts')) ?? '', new RegExp(`^${clusterIP.replaceAll('.', '\\.')}\\s+registry\\.lab$`, 'm'), 'the cluster IP');
});

const PART_OF = 'applyset.kubernetes.io/part-of';

serial('the ApplySet: a parent ConfigMap as kubectl defines it, every registry object labelled part-of it, the pull namespaces not', async (t) => {
  const parent = await getJson('configmap regplay-registry -n default');
  const id = parent.metadata.labels['applyset.kubernetes.io/id'];
  t.regex(id, /^applyset-[A-Za-z0-9_-]{43}-v1$/);
  t.is(parent.metadata.annotations['applyset.kubernetes.io/tooling'], 'regplay/v1');
  t.is(parent.metadata.annotations['applyset.kubernetes.io/contains-group-kinds'], 'ConfigMap,Deployment.apps,Namespace,PersistentVolume,PersistentVolumeClaim,Secret,Service');
  t.is(parent.metadata.annotations['applyset.kubernetes.io/additional-namespaces'], 'apps,registry');
  const members = await getJson(`namespaces,secrets,configmaps,services,persistentvolumes,persistentvolumeclaims,deployments -A -l ${PART_OF}=${id}`);
  t.deepEqual(
    members.items.map((o: { kind: string; metadata: { namespace?: string; name: string } }) => `${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`).sort(),
    [
      'ConfigMap registry/registry-config',
      'Deployment registry/registry',
      'Namespace /registry',
      'PersistentVolume /registry-data',
      'PersistentVolumeClaim registry/registry-data',
      'Secret apps/regcred',
      'Secret default/regcred',
      'Secret registry/registry-auth',
      'Secret registry/registry-tls',
      'Service registry/registry',
    ],
  );
  // kubectl's own ApplySet code takes the parent for what it is, one that another tool manages
  const kubectlApply = (parent: string) =>
    lab.exec('cp1', `KUBECTL_APPLYSET=true kubectl --kubeconfig /root/.kube/config apply --server-side --prune --applyset=configmap/${parent} -n default -f -`, {
      stdin: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `${parent}-member`, namespace: 'default' } }),
    });
  const refused = await kubectlApply('regplay-registry');
  t.not(refused.code, 0);
  t.regex(refused.stderr, /ApplySet parent object "configmaps\.\/regplay-registry" already exists and is managed by tooling "regplay" instead of "kubectl"/, refused.stderr);
  // and the ID is kubectl's: a set kubectl itself makes gets the ID regplay computes for its parent
  const own = await kubectlApply('kubectl-made');
  t.is(own.code, 0, own.stderr);
  t.is((await getJson('configmap kubectl-made -n default')).metadata.labels['applyset.kubernetes.io/id'], applySetId({ name: 'kubectl-made', namespace: 'default' }));
  t.is((await getJson('configmap kubectl-made-member -n default')).metadata.labels[PART_OF], applySetId({ name: 'kubectl-made', namespace: 'default' }));
  t.is(id, applySetId({ name: 'regplay-registry', namespace: 'default' }));
});

serial('pull secrets: the user\'s imagePullSecrets stay in order, regplay adds its own once, a re-run after the user adds more is changed=0, dropping the namespace removes only regplay\'s entry and its Secret', async (t) => {
  // before: the user's namespace and ServiceAccount with their own pull secrets, set with kubectl
  await kubectl('create namespace team');
  await kubectl(`patch serviceaccount default -n team -p '{"imagePullSecrets":[{"name":"dockerhub-creds"},{"name":"quay-creds"}]}'`);
  setVars('', ['default', 'apps', 'team']);
  const { diff } = await threeRuns(t);
  t.true((k8sStep(diff)!.actions ?? []).includes('change ServiceAccount team/default: imagePullSecrets'), (k8sStep(diff)!.actions ?? []).join('\n'));
  const names = async (ns: string) => ((await getJson(`serviceaccount default -n ${ns}`)).imagePullSecrets ?? []).map((e: { name: string }) => e.name);
  t.deepEqual(await names('team'), ['dockerhub-creds', 'quay-creds', 'regcred']);
  t.truthy(await getJson('secret regcred -n team'));

  // the user adds one more entry after regplay's: the next run leaves the list as it is
  await kubectl(`patch serviceaccount default -n team -p '{"imagePullSecrets":[{"name":"dockerhub-creds"},{"name":"quay-creds"},{"name":"regcred"},{"name":"late-creds"}]}'`);
  const again = await play();
  t.is(again.code, 0, output(again));
  t.deepEqual(k8sStep(again)?.actions, [], 'no flapping');
  t.deepEqual(await names('team'), ['dockerhub-creds', 'quay-creds', 'regcred', 'late-creds']);

  // the namespace leaves registry_pull_namespaces: regplay's entry and Secret go, the rest stays
  setVars('', ['default', 'apps']);
  const { diff: dropped } = await threeRuns(t);
  const actions = k8sStep(dropped)!.actions ?? [];
  t.true(actions.includes('delete Secret team/regcred'), actions.join('\n'));
  t.true(actions.includes('change ServiceAccount team/default: imagePullSecrets'), actions.join('\n'));
  t.deepEqual(await names('team'), ['dockerhub-creds', 'quay-creds', 'late-creds']);
  t.is((await lab.exec('cp1', 'kubectl --kubeconfig /root/.kube/config get secret regcred -n team')).code, 1, 'the pull Secret (credentials) is gone');
  t.truthy(await getJson('namespace team'), 'the user\'s namespace stays');
  t.deepEqual(await names('apps'), ['regcred']);
});

serial('prune: the Ingress turned off, a renamed ConfigMap and a renamed pull Secret leave no old object; the ServiceAccounts name the new Secret', async (t) => {
  setVars('registry_ingress: true\n');
  const on = await play();
  t.is(on.code, 0, output(on));
  t.truthy(await getJson('ingress registry -n registry'));
  await kubectl(`patch serviceaccount default -n apps -p '{"imagePullSecrets":[{"name":"mine"},{"name":"regcred"}]}'`);

  setVars('registry_config_map: registry-settings\nregistry_pull_secret: registry-pull\n');
  const { diff } = await threeRuns(t);
  const actions = k8sStep(diff)!.actions ?? [];
  for (const a of ['delete Ingress registry/registry', 'delete ConfigMap registry/registry-config', 'delete Secret default/regcred', 'delete Secret apps/regcred']) t.true(actions.includes(a), `${a}\n${actions.join('\n')}`);
  t.regex(diff.stdout, /^-kind: Ingress$/m, 'the diff shows the deleted object');
  const gone = async (args: string) => (await lab.exec('cp1', `kubectl --kubeconfig /root/.kube/config get ${args}`)).code === 1;
  t.true(await gone('ingress registry -n registry'));
  t.true(await gone('configmap registry-config -n registry'));
  t.true(await gone('secret regcred -n default'));
  t.true(await gone('secret regcred -n apps'));
  t.truthy(await getJson('configmap registry-settings -n registry'));
  t.deepEqual((await getJson('serviceaccount default -n apps')).imagePullSecrets, [{ name: 'mine' }, { name: 'registry-pull' }]);
  t.deepEqual((await getJson('serviceaccount default -n default')).imagePullSecrets, [{ name: 'registry-pull' }]);
  const deployment = await getJson('deployment registry -n registry');
  t.is(deployment.spec.template.spec.volumes.find((v: { name: string }) => v.name === 'config').configMap.name, 'registry-settings');
  t.is(deployment.status?.readyReplicas, 1, JSON.stringify(deployment.status));
});

serial('data is never deleted implicitly: a changed registry_namespace fails before any change with how to migrate, unless registry_allow_data_delete', async (t) => {
  setVars('registry_config_map: registry-settings\nregistry_pull_secret: registry-pull\nregistry_namespace: registry2\n');
  const before = await versions();
  for (const args of [['--check'], []]) {
    const r = await play(args);
    t.is(r.code, 2, output(r));
    const error = k8sStep(r)?.error ?? '';
    t.regex(error, /registry's data would be deleted/, error);
    t.regex(error, /Namespace registry\b/);
    t.regex(error, /PersistentVolumeClaim registry\/registry-data/);
    t.regex(output(r), /registry_allow_data_delete=true/);
  }
  t.is(await versions(), before, 'nothing was changed');
  const allowed = await play(['--check', '-e', 'registry_allow_data_delete=true']);
  t.is(allowed.code, 0, output(allowed));
  const actions = k8sStep(allowed)!.actions ?? [];
  t.true(actions.includes('delete Namespace registry') && actions.includes('delete PersistentVolumeClaim registry/registry-data'), actions.join('\n'));
  t.is(await versions(), before, 'check changed nothing');
});
