// A hostPath volume exists on one node only: the PV gets required node affinity to that node
// (kubernetes.io/hostname; registry_storage_node, by default the first control-plane host) and the
// pod is pinned there, against the Kubernetes API stand-in (its one node is cp1, as kubeadm names a
// node after its host) with the real kubectl on cp1. The stand-in's scheduler honours PV node
// affinity like the real one (VolumeBinding: "node(s) had volume node affinity conflict") and the
// pod's node selector (NodeAffinity: "node(s) didn't match Pod's node affinity/selector"), so a wrong
// plan leaves the pod Pending. Before state: the PV as an older regplay left it (no node affinity),
// which the API server lets a client add once; changing the node of an existing PV is refused
// before any change (immutable), with how to move.
import test from 'ava';
import { join } from 'node:path';
import { labSupport, type Lab } from '../lab/index.js';
import { missing, serialUnless } from '../helpers/lab-test.js';
import { playProject, removeLabProject, type LabRun } from '../helpers/lab-project.js';
import { cp1Cluster, cp1Project, k8sOutput as output, k8sStep as step } from '../helpers/standin-cluster.js';

const support = labSupport({ standin: true });
const serial = serialUnless(missing(support));
const PASSWORD = 'alice-node-pw-93aa';
const env = { REG_ALICE_PW: PASSWORD };
const HOSTNAME_AFFINITY = { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['cp1'] }] }] } };

let lab: Lab;
const { kubectl, getJson, writes } = cp1Cluster(() => lab);
let work: string;

const play = (args: string[] = []): Promise<LabRun> => playProject(work, [join(work, 'k8s.yaml'), ...args], { env, secrets: [PASSWORD] });

/** The pods of a Deployment once `done` holds for one of them (the stand-in schedules within a second or so). */
async function podOf(namespace: string, app: string, done: (p: any) => boolean): Promise<any> {
  let pod: any;
  for (let i = 0; i < 40; i++) {
    pod = (await getJson(`pods -n ${namespace} -l app=${app}`)).items[0];
    if (pod && done(pod)) return pod;
    await new Promise((r) => setTimeout(r, 500));
  }
  return pod;
}

test.before(async () => {
  if (!support.ok) return;
  ({ lab, work } = await cp1Project('k8s-node'));
});

test.after.always(() => removeLabProject(lab, work));

serial('the hostPath PV gets required node affinity to cp1 (added to the PV an older run left), the pod runs pinned there; check → apply → changed=0', async (t) => {
  // the before state: the PV as an older regplay applied it, without node affinity
  await kubectl('apply --server-side --field-manager=regplay -f -', JSON.stringify({
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: { name: 'registry-data', labels: { 'app.kubernetes.io/name': 'registry' } },
    spec: { capacity: { storage: '2Gi' }, accessModes: ['ReadWriteOnce'], persistentVolumeReclaimPolicy: 'Retain', storageClassName: '', claimRef: { namespace: 'registry', name: 'registry-data' }, hostPath: { path: '/var/lib/registry-data', type: 'DirectoryOrCreate' } },
  }));
  t.is((await getJson('pv registry-data')).spec.nodeAffinity, undefined);

  const check = await play(['--check']);
  t.is(check.code, 0, output(check));
  t.true(step(check)?.actions?.some((a) => a.startsWith('change PersistentVolume registry-data:') && a.includes('spec.nodeAffinity')), output(check));
  const apply = await play();
  t.is(apply.code, 0, output(apply));
  const again = await play();
  t.is(again.code, 0, output(again));
  t.is(again.report.recap.cp1?.changed, 0, output(again));

  t.deepEqual((await getJson('pv registry-data')).spec.nodeAffinity, HOSTNAME_AFFINITY);
  t.deepEqual((await getJson('deployment registry -n registry')).spec.template.spec.nodeSelector, { 'kubernetes.io/hostname': 'cp1' });
  const pod = (await getJson('pods -n registry -l app.kubernetes.io/name=registry')).items[0];
  t.is(pod.spec.nodeName, 'cp1');
  t.like(pod.status.conditions.find((c: any) => c.type === 'PodScheduled'), { status: 'True' });
  t.like(pod.status.conditions.find((c: any) => c.type === 'Ready'), { status: 'True' });
});

serial('re-applying a bound PV keeps its claim bound: the applied claimRef carries the bound claim\'s uid (the API server replaces claimRef whole; without the uid the claim would be Lost, its data cut off)', async (t) => {
  const claimUid = (await getJson('pvc registry-data -n registry')).metadata.uid;
  t.is((await getJson('pvc registry-data -n registry')).status.phase, 'Bound');
  t.is((await getJson('pv registry-data')).spec.claimRef.uid, claimUid);
  // a field of regplay's PV drifts (a label taken off by hand): the next run applies the PV again
  await kubectl('label pv registry-data app.kubernetes.io/managed-by-');
  const check = await play(['--check']);
  t.true(step(check)?.actions?.some((a) => a.startsWith('change PersistentVolume registry-data:') && a.includes('metadata.labels')), output(check));
  const apply = await play();
  t.is(apply.code, 0, output(apply));
  const pv = await getJson('pv registry-data');
  t.is(pv.metadata.labels['app.kubernetes.io/managed-by'], 'regplay');
  t.like(pv.spec.claimRef, { namespace: 'registry', name: 'registry-data', uid: claimUid });
  const claim = await getJson('pvc registry-data -n registry');
  t.is(claim.metadata.uid, claimUid);
  t.is(claim.status.phase, 'Bound', 'the claim is not Lost');
  const again = await play();
  t.is(again.code, 0, output(again));
  t.is(again.report.recap.cp1?.changed, 0, output(again));
});

serial('another registry_storage_node for the existing PV is refused before any change (its node affinity is immutable), in --check and apply', async (t) => {
  const before = await writes();
  for (const args of [['--check'], []]) {
    const r = await play([...args, '-e', 'registry_storage_node=w1']);
    t.is(r.code, 2, output(r));
    t.regex(step(r)?.error ?? '', /^registry_storage_node changed .*node affinity cannot change.*\(PersistentVolume registry-data: spec\.nodeAffinity/, output(r));
    t.regex(output(r), /set it back to the node the volume lives on/);
  }
  t.is(await writes(), before, 'nothing was written');
  t.deepEqual((await getJson('pv registry-data')).spec.nodeAffinity, HOSTNAME_AFFINITY);
  // and the API server refuses the same change (ValidatePersistentVolumeUpdate: immutable once set)
  const direct = await lab.exec('cp1', `kubectl --kubeconfig /root/.kube/config patch pv registry-data --type=json -p '[{"op":"replace","path":"/spec/nodeAffinity/required/nodeSelectorTerms/0/matchExpressions/0/values/0","value":"w1"}]'`);
  t.not(direct.code, 0);
  t.regex(direct.stderr, /spec\.nodeAffinity: Invalid value: .*field is immutable/);
});

serial("the stand-in's scheduler honours a PV's node affinity and a pod's node selector: a pod that does not fit the node stays Pending, Unschedulable, with the scheduler's reason", async (t) => {
  await kubectl('create namespace sched');
  const deployment = (name: string, claim: string, nodeSelector?: Record<string, string>) => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'sched' },
    spec: {
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { ...(nodeSelector ? { nodeSelector } : {}), containers: [{ name: 'registry', image: 'registry:2.8.3', volumeMounts: [{ name: 'data', mountPath: '/var/lib/registry' }] }], volumes: [{ name: 'data', persistentVolumeClaim: { claimName: claim } }] },
      },
    },
  });
  const pv = (name: string, node: string) => ({
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: { name },
    spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], storageClassName: '', claimRef: { namespace: 'sched', name }, hostPath: { path: `/srv/${name}`, type: 'DirectoryOrCreate' }, nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [node] }] }] } } },
  });
  const claim = (name: string) => ({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name, namespace: 'sched' }, spec: { storageClassName: '', volumeName: name, accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } });
  const list = (...items: object[]) => items.map((o) => JSON.stringify(o)).join('\n');
  await kubectl('apply --server-side -f -', list(pv('elsewhere', 'w1'), claim('elsewhere'), deployment('elsewhere', 'elsewhere'), pv('here', 'cp1'), claim('here'), deployment('here', 'here'), deployment('selector', 'here', { 'kubernetes.io/hostname': 'w1' })));

  const conflict = await podOf('sched', 'elsewhere', (p) => p.status.conditions?.some((c: any) => c.type === 'PodScheduled' && c.status === 'False'));
  t.like(conflict.status.conditions.find((c: any) => c.type === 'PodScheduled'), { status: 'False', reason: 'Unschedulable' });
  t.regex(conflict.status.conditions.find((c: any) => c.type === 'PodScheduled').message, /^0\/1 nodes are available: 1 node\(s\) had volume node affinity conflict\./);
  t.is(conflict.status.phase, 'Pending');
  const fits = await podOf('sched', 'here', (p) => p.status.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True'));
  t.like(fits.status.conditions.find((c: any) => c.type === 'PodScheduled'), { status: 'True' });
  const pinned = await podOf('sched', 'selector', (p) => p.status.conditions?.some((c: any) => c.type === 'PodScheduled' && c.status === 'False'));
  t.regex(pinned.status.conditions.find((c: any) => c.type === 'PodScheduled').message, /^0\/1 nodes are available: 1 node\(s\) didn't match Pod's node affinity\/selector\./);
  t.is((await getJson('deployment elsewhere -n sched')).status.availableReplicas, undefined, 'never available');
});
