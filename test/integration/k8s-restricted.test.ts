// The registry's pod in a namespace enforcing Pod Security `restricted`, against the Kubernetes API
// stand-in with the real kubectl on cp1. Before state (real kubectl): the namespace labelled
// enforce=restricted, a user's Deployment without securityContext (its pod refused by admission, as the
// PodSecurity plugin does: the Deployment is admitted, its ReplicaSet cannot create the pod), and a
// hostpath data directory left root-owned by an older root-run registry. check → apply → apply again
// (changed=0); the registry runs as uid 10001 without capabilities and writes a pushed image as that
// uid; a data directory with the wrong owner makes the push fail, and the next run repairs it.
import test from 'ava';
import { join } from 'node:path';
import { labSupport, type Lab } from '../lab/index.js';
import { makeTestImage } from '../lab/image.js';
import { missing, serialUnless } from '../helpers/lab-test.js';
import { playProject, removeLabProject, type LabRun } from '../helpers/lab-project.js';
import { cp1Cluster, cp1Project } from '../helpers/standin-cluster.js';

const support = labSupport({ standin: true });
const serial = serialUnless(missing(support));

const PASSWORD = 'alice-restricted-pw-58c1';
const env = { REG_ALICE_PW: PASSWORD };
const DATA = '/var/lib/registry-data';

let lab: Lab;
const { kubectl, getJson } = cp1Cluster(() => lab);
let work: string;

const play = (args: string[] = []): Promise<LabRun> => playProject(work, [join(work, 'k8s.yaml'), ...args], { env, secrets: Object.values(env) });
/** The k8s-apply role's steps of a run. */
const k8sSteps = (r: LabRun) => r.report.events.filter((e) => e.type === 'step' && e.role === 'k8s-apply');
const output = (r: LabRun) => `${r.stdout}\n${r.stderr}`;

test.before(async () => {
  if (!support.ok) return;
  ({ lab, work } = await cp1Project('k8s-restricted'));
});

test.after.always(() => removeLabProject(lab, work));

async function push(tag: string): Promise<{ code: number; stderr: string }> {
  const image = makeTestImage(join(lab.dir, `image-${tag}`), { content: `restricted ${tag}\n` });
  const ip = (await getJson('service registry -n registry')).spec.clusterIP;
  return lab.exec('cp1', `skopeo copy --dest-tls-verify=false --dest-creds alice:${PASSWORD} ${image.ref} docker://${ip}:5000/restricted/hello:${tag}`);
}

serial('restricted namespace: a pod without securityContext is refused by Pod Security admission; the registry\'s pod runs there as its uid and writes pushed images as that uid', async (t) => {
  await kubectl('create namespace registry');
  await kubectl('label namespace registry pod-security.kubernetes.io/enforce=restricted');
  const rootedManifest = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'rooted', namespace: 'registry' }, spec: { selector: { matchLabels: { app: 'rooted' } }, template: { metadata: { labels: { app: 'rooted' } }, spec: { containers: [{ name: 'registry', image: 'registry:2.8.3' }] } } } };
  await lab.sh('cp1', `echo '${JSON.stringify(rootedManifest)}' | kubectl --kubeconfig /root/.kube/config create -f -`);
  await lab.sh('cp1', `mkdir -p ${DATA}/docker/registry/v2 && chown -R 0:0 ${DATA} && chmod 0755 ${DATA}`);

  // the PodSecurity plugin's behaviour for workloads: the Deployment is admitted, its pod is not
  const rollout = await lab.exec('cp1', 'kubectl --kubeconfig /root/.kube/config rollout status deployment/rooted -n registry --timeout=5s');
  t.not(rollout.code, 0);
  const rooted = await getJson('deployment rooted -n registry');
  const failure = rooted.status.conditions.find((c: { type: string }) => c.type === 'ReplicaFailure');
  t.like(failure, { status: 'True', reason: 'FailedCreate' });
  t.regex(failure.message, /^pods "rooted-[0-9a-f]+-[0-9a-f]+" is forbidden: violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false \(container "registry" must set securityContext\.allowPrivilegeEscalation=false\), unrestricted capabilities .*runAsNonRoot != true .*seccompProfile/);
  t.is((await getJson('pods -n registry -l app=rooted')).items.length, 0);

  const check = await play(['--check']);
  t.is(check.code, 0, output(check));
  t.true(k8sSteps(check).some((s) => s.status === 'changed'));
  const apply = await play();
  t.is(apply.code, 0, output(apply));
  const again = await play();
  t.is(again.code, 0, output(again));
  t.is(again.report.recap.cp1?.changed, 0, output(again));
  t.true(k8sSteps(again).every((s) => s.status === 'ok'), output(again));

  const [pod] = (await getJson('pods -n registry -l app.kubernetes.io/name=registry')).items;
  t.true(pod.status.containerStatuses[0].ready);
  t.is((await getJson('namespace registry')).metadata.labels['pod-security.kubernetes.io/enforce'], 'restricted', "the user's label stays");
  const pid = (await lab.sh('cp1', `grep -lz '^HOSTNAME=${pod.metadata.name}$' /proc/[0-9]*/environ | cut -d/ -f3 | head -1`)).trim();
  const status = await lab.sh('cp1', `grep -E '^(Uid|Gid|Groups|CapEff|CapBnd|NoNewPrivs):' /proc/${pid}/status`);
  t.regex(status, /^Uid:\s+10001\s+10001\s+10001\s+10001$/m);
  t.regex(status, /^Gid:\s+10001\s+10001\s+10001\s+10001$/m);
  t.regex(status, /^CapEff:\s+0+$/m);
  t.regex(status, /^CapBnd:\s+0+$/m);
  t.regex(status, /^NoNewPrivs:\s+1$/m);

  const pushed = await push('1');
  t.is(pushed.code, 0, pushed.stderr);
  const owners = (await lab.sh('cp1', `find ${DATA} -newer ${DATA}/docker/registry -type f -printf '%u:%g\\n' | sort -u`)).trim();
  t.is(owners, '10001:10001', 'the pushed blobs are written by the registry uid');

  // the wrong owner (root, as a kubelet's DirectoryOrCreate leaves it): the push fails
  await lab.sh('cp1', `chown -R 0:0 ${DATA}`);
  const refused = await push('2');
  t.not(refused.code, 0, 'a push to a data directory the uid cannot write must fail');
  const repair = await play();
  t.is(repair.code, 0, output(repair));
  t.deepEqual(k8sSteps(repair).filter((s) => s.status === 'changed').map((s) => s.step), ['registry data directory (hostPath)', 'registry data owned by the registry uid']);
  const fixed = await push('2');
  t.is(fixed.code, 0, fixed.stderr);
});
