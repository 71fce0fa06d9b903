// Storage that cannot change is refused before any change, against the Kubernetes API stand-in
// with the real kubectl on cp1: fresh cluster check → apply → apply again (changed=0), the static PV
// and its claim pre-bound both ways (kubectl); then registry_storage_kind hostpath → nfs (the PV's
// source is immutable: a real API server refuses the apply) fails check and apply with how to
// migrate, hostpath → pvc is stopped by the data guard, and nothing in the cluster is written.
import test from 'ava';
import { join } from 'node:path';
import { labSupport, type Lab } from '../lab/index.js';
import { missing, serialUnless } from '../helpers/lab-test.js';
import { playProject, removeLabProject, type LabRun } from '../helpers/lab-project.js';
import { cp1Cluster, cp1Project, k8sStep as step } from '../helpers/standin-cluster.js';

const support = labSupport({ standin: true });
const serial = serialUnless(missing(support));
const env = { REG_ALICE_PW: 'alice-storage-pw-3e9b' };

let lab: Lab;
const { getJson, writes } = cp1Cluster(() => lab);
let work: string;

const play = (args: string[] = []): Promise<LabRun> => playProject(work, [join(work, 'k8s.yaml'), ...args], { env, secrets: Object.values(env) });
const output = (r: LabRun) => `${r.stdout}\n${r.stderr}`;

test.before(async () => {
  if (!support.ok) return;
  ({ lab, work } = await cp1Project('k8s-storage'));
});

test.after.always(() => removeLabProject(lab, work));

serial('the static PV and its claim are pre-bound; a storage kind change is refused before any change, with how to migrate', async (t) => {
  const check = await play(['--check']);
  t.is(check.code, 0, output(check));
  t.is(step(check)?.status, 'changed');
  const apply = await play();
  t.is(apply.code, 0, output(apply));
  const again = await play();
  t.is(again.code, 0, output(again));
  t.is(again.report.recap.cp1?.changed, 0, output(again));

  const pv = await getJson('pv registry-data');
  t.like(pv.spec.claimRef, { namespace: 'registry', name: 'registry-data' });
  t.is(pv.status.phase, 'Bound');
  const pvc = await getJson('pvc registry-data -n registry');
  t.like(pvc.spec, { volumeName: 'registry-data', storageClassName: '' });
  t.is(pvc.status.phase, 'Bound');

  const before = await writes();
  // hostpath → nfs: the same PV would need a new source, which the API server refuses (immutable)
  const nfs = ['-e', 'registry_storage_kind=nfs', '-e', `registry_storage_nfs_server=${lab.address('cp1')}`, '-e', 'registry_storage_nfs_path=/exports/registry'];
  for (const args of [['--check', ...nfs], nfs]) {
    const r = await play(args);
    t.not(r.code, 0, output(r));
    t.is(step(r)?.status, 'failed', output(r));
    t.regex(step(r)?.error ?? '', /registry_storage_kind, the host path or the NFS export changed.*immutable.*PersistentVolume registry-data: spec\.nfs, remove spec\.hostPath\)/, step(r)?.error);
    t.regex(output(r), /skopeo sync.*registry_allow_data_delete=true/);
  }
  // hostpath → pvc: the PV would be pruned, which the data guard refuses
  const toPvc = await play(['-e', 'registry_storage_kind=pvc']);
  t.not(toPvc.code, 0, output(toPvc));
  t.regex(step(toPvc)?.error ?? '', /registry's data would be deleted.*PersistentVolume registry-data/, step(toPvc)?.error);
  t.is(await writes(), before, 'nothing was written to the cluster');
  t.like((await getJson('pv registry-data')).spec, { hostPath: { path: '/var/lib/registry-data' } });
  t.like((await getJson('pvc registry-data -n registry')).spec, { volumeName: 'registry-data', storageClassName: '' });
});
