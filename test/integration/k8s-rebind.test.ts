// The registry's namespace deleted and made again (a namespace rebuild), against the Kubernetes API
// stand-in with the real kubectl on cp1, hostpath storage (a Retain PV pre-bound to the claim).
// Deleting the namespace deletes the claim; the PV keeps the deleted claim's uid in claimRef and is
// Released (the PV controller's syncVolume; the stand-in models it: test/integration/standin-storage),
// so a new claim of that name would stay Pending ("already bound to a different claim"). The next run
// plans and makes the PV bindable again (the stale uid cleared, as the Kubernetes docs advise for
// reusing a Retained volume), the new claim binds the same PV, and the registry comes back with the
// image pushed before the rebuild: pulled after, the same manifest and the same file.
import test from 'ava';
import { join } from 'node:path';
import { labSupport, type Lab } from '../lab/index.js';
import { makeTestImage } from '../lab/image.js';
import { missing, serialUnless } from '../helpers/lab-test.js';
import { playProject, removeLabProject, type LabRun } from '../helpers/lab-project.js';
import { cp1Cluster, cp1Project, k8sOutput as output, k8sStep as step } from '../helpers/standin-cluster.js';

const support = labSupport({ standin: true });
const serial = serialUnless(missing(support));
const PASSWORD = 'alice-rebind-pw-0d4e';
const env = { REG_ALICE_PW: PASSWORD };
const CONTENT = 'pushed before the namespace was rebuilt\n';

let lab: Lab;
const { kubectl, getJson, writes } = cp1Cluster(() => lab);
let work: string;

const play = (args: string[] = []): Promise<LabRun> => playProject(work, [join(work, 'k8s.yaml'), ...args], { env, secrets: [PASSWORD] });
const registry = async () => `${(await getJson('service registry -n registry')).spec.clusterIP}:5000`;
const creds = `alice:${PASSWORD}`;

test.before(async () => {
  if (!support.ok) return;
  ({ lab, work } = await cp1Project('k8s-rebind'));
});

test.after.always(() => removeLabProject(lab, work));

serial('after a namespace rebuild the new claim binds the same Retain PV and the registry serves the images pushed before', async (t) => {
  const check = await play(['--check']);
  t.is(check.code, 0, output(check));
  t.is(step(check)?.status, 'changed');
  t.is((await play()).code, 0);
  const settled = await play();
  t.is(settled.code, 0, output(settled));
  t.is(settled.report.recap.cp1?.changed, 0, output(settled));

  const image = makeTestImage(join(lab.dir, 'image-rebind'), { content: CONTENT });
  const pushed = await lab.exec('cp1', `skopeo copy --dest-tls-verify=false --dest-creds ${creds} ${image.ref} docker://${await registry()}/rebind/hello:1`);
  t.is(pushed.code, 0, pushed.stderr);
  const digest = async () => (await lab.sh('cp1', `skopeo inspect --tls-verify=false --creds ${creds} --format '{{.Digest}}' docker://${await registry()}/rebind/hello:1`)).trim();
  const before = await digest();
  const oldClaim = await getJson('pvc registry-data -n registry');

  // the rebuild, as a user would do it
  await kubectl('delete namespace registry --wait=true');
  await kubectl('create namespace registry');
  const released = await getJson('pv registry-data');
  t.is(released.status.phase, 'Released');
  t.is(released.spec.claimRef.uid, oldClaim.metadata.uid, 'claimRef still names the deleted claim');

  const w = await writes();
  const plan = await play(['--check']);
  t.is(plan.code, 0, output(plan));
  t.is(step(plan)?.actions?.[0], `rebind PersistentVolume registry-data: Released (its claimRef names a deleted claim registry/registry-data, uid ${oldClaim.metadata.uid}): clear that uid so the new claim binds it, with its data`, output(plan));
  t.true(step(plan)?.actions?.includes('create PersistentVolumeClaim registry/registry-data'), output(plan));
  t.is(await writes(), w, '--check wrote nothing');
  t.is((await getJson('pv registry-data')).status.phase, 'Released');

  const apply = await play();
  t.is(apply.code, 0, output(apply));
  const claim = await getJson('pvc registry-data -n registry');
  t.not(claim.metadata.uid, oldClaim.metadata.uid, 'a new claim');
  t.like(claim, { spec: { volumeName: 'registry-data' }, status: { phase: 'Bound' } });
  const pv = await getJson('pv registry-data');
  t.is(pv.status.phase, 'Bound');
  t.like(pv.spec.claimRef, { namespace: 'registry', name: 'registry-data', uid: claim.metadata.uid });

  // the registry comes back with the old image: same manifest, same file
  t.is(await digest(), before);
  const pulled = await lab.exec('cp1', `rm -rf /root/pulled && skopeo copy --src-tls-verify=false --src-creds ${creds} docker://${await registry()}/rebind/hello:1 dir:/root/pulled`);
  t.is(pulled.code, 0, pulled.stderr);
  const layer = JSON.parse((await lab.readFile('cp1', '/root/pulled/manifest.json'))!).layers[0].digest.replace('sha256:', '');
  t.is(await lab.sh('cp1', `tar -xzOf /root/pulled/${layer} hello.txt`), CONTENT);

  const again = await play();
  t.is(again.code, 0, output(again));
  t.is(again.report.recap.cp1?.changed, 0, output(again));
});
