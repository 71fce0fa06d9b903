// A claim's new size is checked as the API server's PersistentVolumeClaimResize admission and
// ValidatePersistentVolumeClaimUpdate decide it (a bound claim of a class with
// allowVolumeExpansion: true grows; class "", a class without it, an unbound claim do not; nothing
// shrinks below its capacity), so a refused resize fails the plan before any change.
import test from 'ava';
import { k8s, k8sReadCommands, planK8s as k8sPlan } from '../../src/engine/kinds/k8s.js';
import { shown } from '../helpers/kinds.js';
import type { K8sObject, K8sState } from '../../src/resources/types.js';

const claim = (size: string, extra: object = {}): K8sObject => ({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data', namespace: 'registry' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: size } } }, ...extra });
const bound = (size: string, storageClassName: string, phase = 'Bound') => claim(size, { spec: { storageClassName, volumeName: 'pv-1', accessModes: ['ReadWriteOnce'], resources: { requests: { storage: size } } }, status: { phase, capacity: { storage: size } } });
const sc = (name: string, allowVolumeExpansion?: boolean) => ({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name }, provisioner: 'x', ...(allowVolumeExpansion === undefined ? {} : { allowVolumeExpansion }) });
const rule = { message: 'registry_storage_size changed', hint: 'put it back' };
const state = (desired: K8sObject): K8sState => ({ kind: 'k8s', kubectl: { path: 'kubectl' }, objects: [desired], claimResize: rule });
/** The kind's plan, as shown and applied. */
const planK8s = (r: K8sState, got: Array<{ code: number; stdout: string; stderr: string }>) => shown(k8s, k8sPlan(r, got));
const list = (...items: object[]) => ({ code: 0, stdout: JSON.stringify({ kind: 'List', items }), stderr: '' });
const classes = [sc('grows', true), sc('fixed'), sc('says-no', false)];

test('the StorageClasses are read (last) when a claim is among the objects', (t) => {
  t.deepEqual(k8sReadCommands(state(claim('1Gi'))).map((c) => c.command), ['kubectl get -f - -o json --ignore-not-found --show-managed-fields', 'kubectl get storageclasses.storage.k8s.io -o json']);
  t.is(k8sReadCommands({ ...state(claim('1Gi')), claimResize: undefined }).length, 1);
});

test('a bound claim of a class with allowVolumeExpansion: true grows: the size change is planned', (t) => {
  const plan = planK8s(state(claim('3Gi')), [list(bound('2Gi', 'grows')), list(...classes)]);
  t.deepEqual(plan.actions, ['change PersistentVolumeClaim registry/data: spec.resources.requests.storage']);
});

const refusals: Array<[string, K8sObject, string, RegExp]> = [
  ['class "" (a static PV: hostPath, NFS)', bound('2Gi', ''), '3Gi', /2Gi → 3Gi: it has no StorageClass \(class ""/],
  ['a class without allowVolumeExpansion', bound('2Gi', 'fixed'), '3Gi', /its StorageClass "fixed" does not allow expansion/],
  ['a class with allowVolumeExpansion: false', bound('2Gi', 'says-no'), '3Gi', /its StorageClass "says-no" does not allow expansion/],
  ['a class that does not exist', bound('2Gi', 'gone'), '3Gi', /its StorageClass "gone" does not exist/],
  ['a claim still Pending', bound('2Gi', 'grows', 'Pending'), '3Gi', /it is Pending: only a bound claim can be expanded/],
  ['a smaller size, even in a class that grows', bound('2Gi', 'grows'), '1Gi', /2Gi → 1Gi: a claim never shrinks: the request can not be less than its capacity 2Gi/],
];
for (const [what, live, size, reason] of refusals) {
  test(`refused before any change: ${what}`, (t) => {
    const e = t.throws(() => planK8s(state(claim(size)), [list(live), list(...classes)]));
    t.regex(e!.message, /^registry_storage_size changed \(PersistentVolumeClaim registry\/data: /);
    t.regex(e!.message, reason);
    t.regex(e!.message, /the API server refuses it\); nothing was changed$/);
  });
}

test('the same size, or a new claim, is no resize', (t) => {
  t.deepEqual(planK8s(state(claim('2Gi')), [list(bound('2Gi', '')), list(...classes)]).actions, []);
  t.deepEqual(planK8s(state(claim('3Gi')), [list(), list()]).actions, ['create PersistentVolumeClaim registry/data']);
});
