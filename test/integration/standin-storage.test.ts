// The Kubernetes API stand-in's storage behaviour, through the real kubectl: the DefaultStorageClass
// admission plugin (plugin/pkg/admission/storage/storageclass/setdefault), the PV controller's
// binding rules (pkg/controller/volume/persistentvolume: syncUnboundClaim, checkVolumeSatisfyClaim)
// and expansion (PersistentVolumeClaimResize admission). Nothing is assumed: a cluster has a default
// class only when one was created.
import test from 'ava';
import { startStandinApi, type StandinApi } from '../helpers/standin-api.js';

type Obj = Record<string, any>;

const storageClass = (name: string, extra: Obj = {}): Obj => ({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name }, provisioner: 'standin.regplay/hostpath', ...extra });
const defaultClass = (name: string, extra: Obj = {}) => storageClass(name, { metadata: { name, annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } }, ...extra });
const claim = (name: string, spec: Obj = {}): Obj => ({
  apiVersion: 'v1',
  kind: 'PersistentVolumeClaim',
  metadata: { name, namespace: 'default' },
  spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, ...spec },
});
const volume = (name: string, spec: Obj = {}): Obj => ({
  apiVersion: 'v1',
  kind: 'PersistentVolume',
  metadata: { name },
  spec: { capacity: { storage: '5Gi' }, accessModes: ['ReadWriteOnce'], storageClassName: '', hostPath: { path: `/srv/${name}` }, ...spec },
});

async function get(api: StandinApi, kind: string, name: string, namespaced = true): Promise<Obj | undefined> {
  const r = await api.kubectl(['get', kind, name, ...(namespaced ? ['-n', 'default'] : []), '-o', 'json', '--ignore-not-found']);
  return r.stdout.trim() ? (JSON.parse(r.stdout) as Obj) : undefined;
}

/** The claim once its phase is `phase` (the stand-in binds at once; a PV or class write retries soon after). */
async function claimIn(api: StandinApi, name: string, phase: string): Promise<Obj | undefined> {
  for (let i = 0; i < 20; i++) {
    const c = await get(api, 'pvc', name);
    if (c?.status?.phase === phase) return c;
    await new Promise((r) => setTimeout(r, 50));
  }
  return get(api, 'pvc', name);
}

async function withApi(fn: (api: StandinApi) => Promise<void>, addons: Obj[] = []): Promise<void> {
  const api = await startStandinApi({ addons });
  try {
    await fn(api);
  } finally {
    await api.stop();
  }
}

async function applied(t: { is: (a: unknown, b: unknown, m?: string) => void }, api: StandinApi, objects: Obj[]) {
  const r = await api.apply(objects);
  t.is(r.code, 0, r.stderr);
}

const pvNames = async (api: StandinApi) => ((await api.kubectl(['get', 'pv', '-o', 'jsonpath={.items[*].metadata.name}'])).stdout.split(' ').filter(Boolean));

test('without a default StorageClass a claim naming no class stays Pending; a default class created later binds it (KEP-3333)', async (t) => {
  await withApi(async (api) => {
    await applied(t, api, [claim('data')]);
    const pending = await claimIn(api, 'data', 'Pending');
    t.is(pending?.status?.phase, 'Pending');
    t.is(pending?.spec?.storageClassName, undefined, 'no class was assumed');
    t.deepEqual(await pvNames(api), [], 'nothing was provisioned');
    await applied(t, api, [defaultClass('standard')]);
    const bound = await claimIn(api, 'data', 'Bound');
    t.is(bound?.spec?.storageClassName, 'standard');
    t.is(bound?.status?.phase, 'Bound');
    t.is((await get(api, 'pv', bound!.spec.volumeName, false))?.spec?.storageClassName, 'standard');
  });
});

test('with a default class a class-less claim gets it, but a claim of class "" keeps "" and is not provisioned', async (t) => {
  await withApi(
    async (api) => {
      await applied(t, api, [claim('data'), claim('static', { storageClassName: '' })]);
      const data = await claimIn(api, 'data', 'Bound');
      t.is(data?.spec?.storageClassName, 'standard');
      const statik = await claimIn(api, 'static', 'Pending');
      t.is(statik?.spec?.storageClassName, '');
      t.is(statik?.status?.phase, 'Pending');
      t.deepEqual(await pvNames(api), [data!.spec.volumeName], 'one PV, for the claim of the default class');
    },
    [defaultClass('standard')],
  );
});

test('a class that does not exist, or of a provisioner the cluster does not run, provisions nothing', async (t) => {
  await withApi(async (api) => {
    await applied(t, api, [storageClass('external', { provisioner: 'ebs.csi.aws.com' }), claim('a', { storageClassName: 'nope' }), claim('b', { storageClassName: 'external' })]);
    t.is((await claimIn(api, 'a', 'Pending'))?.status?.phase, 'Pending');
    t.is((await claimIn(api, 'b', 'Pending'))?.status?.phase, 'Pending');
    t.deepEqual(await pvNames(api), []);
  });
});

const mismatches: Array<[string, Obj, Obj]> = [
  ['of another class', volume('pv1', { storageClassName: 'fast' }), claim('data', { storageClassName: '', volumeName: 'pv1' })],
  ['too small', volume('pv1', { capacity: { storage: '1Gi' } }), claim('data', { storageClassName: '', volumeName: 'pv1', resources: { requests: { storage: '2Gi' } } })],
  ['without the access mode', volume('pv1', { accessModes: ['ReadOnlyMany'] }), claim('data', { storageClassName: '', volumeName: 'pv1' })],
  [
    'bound to another claim',
    volume('pv1', { claimRef: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace: 'default', name: 'other' } }),
    claim('data', { storageClassName: '', volumeName: 'pv1' }),
  ],
];

for (const [why, pv, pvc] of mismatches) {
  test(`a claim naming a PV ${why} stays Pending (checkVolumeSatisfyClaim)`, async (t) => {
    await withApi(async (api) => {
      await applied(t, api, [pv, pvc]);
      const c = await claimIn(api, 'data', 'Pending');
      t.is(c?.status?.phase, 'Pending');
      t.not((await get(api, 'pv', 'pv1', false))?.spec?.claimRef?.name, 'data');
    });
  });
}

test('a claim naming a fitting PV binds it; without volumeName only a PV of the same class is taken', async (t) => {
  await withApi(async (api) => {
    await applied(t, api, [volume('pv1'), claim('named', { storageClassName: '', volumeName: 'pv1' })]);
    const named = await claimIn(api, 'named', 'Bound');
    t.is(named?.spec?.volumeName, 'pv1');
    t.is((await get(api, 'pv', 'pv1', false))?.spec?.claimRef?.name, 'named');
    await applied(t, api, [volume('pv2', { storageClassName: 'fast' }), claim('any', { storageClassName: '' })]);
    t.is((await claimIn(api, 'any', 'Pending'))?.status?.phase, 'Pending', 'pv2 is of class fast, the claim of class ""');
  });
});

test('a claim of a class that allows expansion grows: the claim capacity and its PV follow', async (t) => {
  await withApi(async (api) => {
    await applied(t, api, [storageClass('growable', { allowVolumeExpansion: true }), claim('data', { storageClassName: 'growable' })]);
    const before = await claimIn(api, 'data', 'Bound');
    await applied(t, api, [claim('data', { storageClassName: 'growable', resources: { requests: { storage: '3Gi' } } })]);
    const after = await get(api, 'pvc', 'data');
    t.is(after?.status?.capacity?.storage, '3Gi');
    t.is((await get(api, 'pv', before!.spec.volumeName, false))?.spec?.capacity?.storage, '3Gi');
  });
});

// The PV controller (pkg/controller/volume/persistentvolume/pv_controller.go): binding a pre-bound
// volume completes its claimRef with the claim's uid (bind → getBindVolumeToClaim); when that claim
// is deleted, syncVolume finds no claim with that uid — a new claim of the same name has another
// uid — and the volume is Released, which reclaim policy Retain keeps (the new claim: "volume ...
// already bound to a different claim."); once the stale uid is taken out of claimRef the volume is
// pre-bound again, Available, and the new claim binds it (the docs' "Retain": an administrator
// reclaims the volume manually, https://kubernetes.io/docs/concepts/storage/persistent-volumes/#retain).
test('a Retained PV whose claim is deleted is Released and does not bind the new claim of that name until its stale claimRef uid is cleared', async (t) => {
  await withApi(async (api) => {
    const prebound = volume('pv1', { persistentVolumeReclaimPolicy: 'Retain', claimRef: { namespace: 'default', name: 'data' } });
    await applied(t, api, [prebound, claim('data', { storageClassName: '', volumeName: 'pv1' })]);
    const first = await claimIn(api, 'data', 'Bound');
    const pv = await get(api, 'pv', 'pv1', false);
    t.like(pv?.spec?.claimRef, { kind: 'PersistentVolumeClaim', namespace: 'default', name: 'data', uid: first!.metadata.uid });
    t.is(pv?.status?.phase, 'Bound');
    t.is(pv?.metadata?.annotations?.['pv.kubernetes.io/bound-by-controller'], undefined, 'pre-bound by the user, not chosen by the controller');

    t.is((await api.kubectl(['delete', 'pvc', 'data', '-n', 'default'])).code, 0);
    const released = await get(api, 'pv', 'pv1', false);
    t.is(released?.status?.phase, 'Released');
    t.is(released?.spec?.claimRef?.uid, first!.metadata.uid, 'the claimRef still names the deleted claim');

    // the claim created again (the PV, unchanged, is not re-sent): it stays Pending
    await applied(t, api, [claim('data', { storageClassName: '', volumeName: 'pv1' })]);
    const second = await claimIn(api, 'data', 'Pending');
    t.is(second?.status?.phase, 'Pending');
    t.not(second?.metadata?.uid, first!.metadata.uid);
    t.is((await get(api, 'pv', 'pv1', false))?.status?.phase, 'Released');

    const cleared = await api.kubectl(['patch', 'pv', 'pv1', '--type=json', '-p', JSON.stringify([{ op: 'test', path: '/spec/claimRef/uid', value: first!.metadata.uid }, { op: 'remove', path: '/spec/claimRef/uid' }])]);
    t.is(cleared.code, 0, cleared.stderr);
    const bound = await claimIn(api, 'data', 'Bound');
    t.is(bound?.spec?.volumeName, 'pv1');
    const after = await get(api, 'pv', 'pv1', false);
    t.is(after?.spec?.claimRef?.uid, second!.metadata.uid);
    t.is(after?.status?.phase, 'Bound');
  });
});

test('deleting a Pending claim that names a volume bound to another claim does not release that volume', async (t) => {
  await withApi(async (api) => {
    await applied(t, api, [volume('pv1', { persistentVolumeReclaimPolicy: 'Retain' }), claim('owner', { storageClassName: '', volumeName: 'pv1' })]);
    await claimIn(api, 'owner', 'Bound');
    await applied(t, api, [claim('intruder', { storageClassName: '', volumeName: 'pv1' })]);
    t.is((await claimIn(api, 'intruder', 'Pending'))?.status?.phase, 'Pending');
    t.is((await api.kubectl(['delete', 'pvc', 'intruder', '-n', 'default'])).code, 0);
    t.is((await get(api, 'pv', 'pv1', false))?.status?.phase, 'Bound');
  });
});

test("binding is the PV controller's own write: the completed claimRef (atomic) is kube-controller-manager's; a forced re-apply replaces it whole and the bound claim is Lost", (t) =>
  withApi(async (api) => {
    await applied(t, api, [volume('pre', { claimRef: { namespace: 'default', name: 'data' } }), claim('data', { storageClassName: '', volumeName: 'pre' })]);
    const pv = (await api.request('GET', '/api/v1/persistentvolumes/pre')).body;
    t.is(pv.spec.claimRef.uid, (await get(api, 'pvc', 'data'))!.metadata.uid);
    const owners = (pv.metadata.managedFields as Obj[]).filter((e) => e.fieldsV1?.['f:spec']?.['f:claimRef']).map((e) => `${e.manager} ${e.operation}`);
    // FieldsV1 `f:claimRef: {}` (ObjectReference is +structType=atomic), owned by the controller's Update alone
    t.deepEqual(owners, ['kube-controller-manager Update']);
    t.deepEqual(pv.metadata.managedFields.find((e: Obj) => e.manager === 'kube-controller-manager').fieldsV1['f:spec']['f:claimRef'], {});
    // a forced re-apply takes the claimRef back whole: its uid goes, and the bound claim no longer
    // matches it (syncBoundClaim: claimRef.UID != claim.UID → ClaimLost, "ClaimMisbound")
    await applied(t, api, [volume('pre', { claimRef: { namespace: 'default', name: 'data' }, mountOptions: ['ro'] })]);
    const again = (await get(api, 'pv', 'pre', false))!;
    t.deepEqual(again.spec.claimRef, { namespace: 'default', name: 'data' });
    t.is(again.status.phase, 'Available', 'pre-bound, no uid (syncVolume)');
    t.is((await claimIn(api, 'data', 'Lost'))?.status?.phase, 'Lost');
  }));
