// A change the API server refuses (a bound claim's spec is immutable but for its size:
// ValidatePersistentVolumeClaimUpdate) fails the plan before any change, with the role's message,
// instead of a failed apply half-way.
import test from 'ava';
import { k8s, planK8s as k8sPlan } from '../../src/engine/kinds/k8s.js';
import { shown } from '../helpers/kinds.js';
import type { K8sObject, K8sState } from '../../src/resources/types.js';

/** The kind's plan, as shown and applied. */
const planK8s = (r: K8sState, got: Array<{ code: number; stdout: string; stderr: string }>) => shown(k8s, k8sPlan(r, got));

const claim = (spec: object): K8sObject => ({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'registry-data', namespace: 'registry' }, spec });
const rule = { kind: 'PersistentVolumeClaim', namespace: 'registry', name: 'registry-data', fields: ['spec.storageClassName', 'spec.volumeName'], message: 'storage kind changed', hint: 'migrate' };
const state = (desired: K8sObject): K8sState => ({ kind: 'k8s', kubectl: { path: 'kubectl' }, objects: [desired], immutable: [rule] });
const got = (...items: object[]) => [{ code: 0, stdout: JSON.stringify({ kind: 'List', items }), stderr: '' }];
const live = claim({ storageClassName: 'standard', volumeName: 'pvc-1', accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } });

test('pvc → hostpath: a new class and volume on the existing claim is refused before any change', (t) => {
  t.throws(() => planK8s(state(claim({ storageClassName: '', volumeName: 'registry-data' })), got(live)), {
    message: 'storage kind changed (PersistentVolumeClaim registry/registry-data: spec.storageClassName, spec.volumeName); nothing was changed',
  });
});

test('the size alone, or nothing, is planned as usual; a new claim is no change of an immutable field', (t) => {
  t.deepEqual(planK8s(state(claim({ storageClassName: 'standard', resources: { requests: { storage: '2Gi' } } })), got(live)).actions, ['change PersistentVolumeClaim registry/registry-data: spec.resources.requests.storage']);
  t.deepEqual(planK8s(state(claim({ storageClassName: '', volumeName: 'registry-data' })), got()).actions, ['create PersistentVolumeClaim registry/registry-data']);
});
