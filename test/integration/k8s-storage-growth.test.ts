// Growing registry_storage_size, against the Kubernetes API stand-in with the real kubectl on cp1.
// Kubernetes lets a claim grow only when it is bound and its StorageClass sets
// allowVolumeExpansion: true (PersistentVolumeClaimResize admission,
// https://kubernetes.io/docs/concepts/storage/persistent-volumes/#expanding-persistent-volumes-claims),
// and never below its capacity. Three registries side by side (own namespace, own ApplySet):
// a claim of the lab's default class `standard` (expansion allowed) grows — planned by --check,
// applied, the claim, its capacity and its PV at the new size, then changed=0; a claim of class
// `fixed` (created here with kubectl, no allowVolumeExpansion) and the hostpath claim (class "") are
// refused before any change, with the reason, in --check and in apply; shrinking is refused too.
import test from 'ava';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { labSupport, labUp, type Lab } from '../lab/index.js';
import { missing, serialUnless } from '../helpers/lab-test.js';
import { playProject, removeLabProject, writeProject, type LabRun } from '../helpers/lab-project.js';
import { cp1Cluster, k8sOutput as output, k8sStep as step } from '../helpers/standin-cluster.js';
import { registryVars } from '../helpers/lab-vars.js';

const support = labSupport({ standin: true });
const serial = serialUnless(missing(support));
const PASSWORD = 'alice-growth-pw-51c8';
const env = { REG_ALICE_PW: PASSWORD };

let lab: Lab;
const { getJson, writes } = cp1Cluster(() => lab);
let work: string;


/** One registry per storage setup: its own namespace, ApplySet and claim. */
interface Setup {
  namespace: string;
  vars: string;
}
const setups: Record<'grows' | 'fixed' | 'hostpath', Setup> = {
  grows: { namespace: 'reg-grows', vars: 'registry_storage_kind: pvc\nregistry_storage_class: standard\n' },
  fixed: { namespace: 'reg-fixed', vars: 'registry_storage_kind: pvc\nregistry_storage_class: fixed\n' },
  hostpath: { namespace: 'reg-host', vars: 'registry_storage_kind: hostpath\n' },
};

function play(s: Setup, size: string, args: string[] = []): Promise<LabRun> {
  const dir = join(work, s.namespace);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'k8s.yaml'), '- hosts: control_plane\n  roles: [certs, htpasswd, k8s-apply]\n');
  const base = registryVars({ name: 'registry.lab', port: 5000, user: 'alice', passwordEnv: 'REG_ALICE_PW', pullNamespaces: ['default'] })
    .replace(/^registry_storage_(kind|size|host_path): .*\n/gm, '');
  const own = `registry_namespace: ${s.namespace}\nregistry_applyset: ${s.namespace}\nregistry_storage_pv: ${s.namespace}-data\nregistry_storage_host_path: /var/lib/${s.namespace}\nregistry_storage_size: ${size}\n`;
  writeProject(dir, lab, { groupVars: { all: `${base}${own}${s.vars}` } });
  return playProject(dir, [join(dir, 'k8s.yaml'), ...args], { env, secrets: [PASSWORD] });
}

const claimOf = (s: Setup) => getJson(`pvc registry-data -n ${s.namespace}`);

/** The three runs at `size`: check plans changes, apply, apply again changes nothing. */
async function threeRuns(t: { is: (a: unknown, b: unknown, m?: string) => void }, s: Setup, size: string) {
  const check = await play(s, size, ['--check']);
  t.is(check.code, 0, output(check));
  t.is(step(check)?.status, 'changed', output(check));
  const apply = await play(s, size);
  t.is(apply.code, 0, output(apply));
  const again = await play(s, size);
  t.is(again.code, 0, output(again));
  t.is(again.report.recap.cp1?.changed, 0, output(again));
}

test.before(async () => {
  if (!support.ok) return;
  work = mkdtempSync(join(tmpdir(), 'k8s-growth-'));
  lab = await labUp({ name: `k8s-growth-${process.pid}`, hosts: { cp1: ['control_plane'] }, standin: true });
  // a class whose provisioner works but which does not allow expansion (as kind's `standard`)
  await lab.sh('cp1', `kubectl --kubeconfig /root/.kube/config apply -f - <<'EOF'
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: fixed
provisioner: standin.regplay/hostpath
reclaimPolicy: Delete
EOF`);
});

test.after.always(() => removeLabProject(lab, work));

serial('a claim of a class with allowVolumeExpansion grows: --check plans it, apply grows the claim and its volume, then changed=0', async (t) => {
  const s = setups.grows;
  await threeRuns(t, s, '2Gi');
  t.like((await claimOf(s)).status, { phase: 'Bound', capacity: { storage: '2Gi' } });
  t.is((await getJson('storageclass standard')).allowVolumeExpansion, true);

  const before = await writes();
  const check = await play(s, '3Gi', ['--check', '--diff', '--detailed-exitcode']);
  t.is(check.code, 8, output(check));
  t.deepEqual(step(check)?.actions, ['change PersistentVolumeClaim reg-grows/registry-data: spec.resources.requests.storage'], output(check));
  t.regex(check.stdout, /-\s+storage: 2Gi[\s\S]*\+\s+storage: 3Gi/);
  t.is(await writes(), before, '--check wrote nothing');
  t.is((await claimOf(s)).spec.resources.requests.storage, '2Gi');

  const grow = await play(s, '3Gi');
  t.is(grow.code, 0, output(grow));
  const claim = await claimOf(s);
  t.is(claim.spec.resources.requests.storage, '3Gi');
  t.like(claim.status, { phase: 'Bound', capacity: { storage: '3Gi' } });
  t.is((await getJson(`pv ${claim.spec.volumeName}`)).spec.capacity.storage, '3Gi', 'the volume grew with it');
  const again = await play(s, '3Gi');
  t.is(again.code, 0, output(again));
  t.is(again.report.recap.cp1?.changed, 0, output(again));

  // a claim never shrinks: refused before any change
  const w = await writes();
  const shrink = await play(s, '2Gi');
  t.not(shrink.code, 0, output(shrink));
  t.regex(step(shrink)?.error ?? '', /registry_storage_size changed.*3Gi → 2Gi: a claim never shrinks.*nothing was changed/, output(shrink));
  t.is(await writes(), w, 'nothing was written');
  t.is((await claimOf(s)).spec.resources.requests.storage, '3Gi');
});

for (const which of ['fixed', 'hostpath'] as const) {
  const reason =
    which === 'fixed' ? /2Gi → 3Gi: its StorageClass "fixed" does not allow expansion \(allowVolumeExpansion is not true\); the API server refuses it\); nothing was changed/ : /2Gi → 3Gi: it has no StorageClass \(class "": bound to a static PersistentVolume.*only a dynamically provisioned claim can be resized; the API server refuses it\); nothing was changed/;
  serial(`${which === 'fixed' ? 'a class without allowVolumeExpansion' : 'the hostpath claim (class "")'}: growing is refused before any change, with the reason, in --check and in apply`, async (t) => {
    const s = setups[which];
    await threeRuns(t, s, '2Gi');
    const claim = await claimOf(s);
    t.is(claim.spec.storageClassName, which === 'fixed' ? 'fixed' : '');
    t.is(claim.status.phase, 'Bound');
    const pvBefore = await getJson(`pv ${claim.spec.volumeName}`);

    const before = await writes();
    for (const args of [['--check'], []]) {
      const r = await play(s, '3Gi', args);
      t.is(r.code, 2, output(r));
      t.is(step(r)?.status, 'failed', output(r));
      t.regex(step(r)?.error ?? '', new RegExp(`^registry_storage_size changed, and the claim cannot take that size \\(PersistentVolumeClaim ${s.namespace}/registry-data: `), output(r));
      t.regex(step(r)?.error ?? '', reason, output(r));
      t.regex(output(r), which === 'fixed' ? /allowVolumeExpansion: true.*ask the cluster's admin/ : /a hostPath volume is not limited by it/);
    }
    t.is(await writes(), before, 'nothing was written to the cluster');
    const after = await claimOf(s);
    t.is(after.spec.resources.requests.storage, '2Gi');
    t.is(after.status.capacity.storage, '2Gi');
    t.is((await getJson(`pv ${claim.spec.volumeName}`)).spec.capacity.storage, pvBefore.spec.capacity.storage, 'the volume is unchanged too');
    // what the role refused is what the API server refuses (the same change through kubectl)
    const direct = await lab.exec('cp1', `kubectl --kubeconfig /root/.kube/config patch pvc registry-data -n ${s.namespace} -p '{"spec":{"resources":{"requests":{"storage":"3Gi"}}}}'`);
    t.not(direct.code, 0);
    t.regex(direct.stderr, /is forbidden: only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize/);
  });
}
