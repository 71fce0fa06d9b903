// A Retained PV left Released by a deleted claim (claimRef still carrying that claim's uid) is made
// bindable again for the new claim of the same name: the plan lists it and patches out the stale
// uid before the apply; a PV bound to the live claim, or one whose claimRef names another claim, is
// left alone.
import test from 'ava';
import { k8s, planK8s as k8sPlan } from '../../src/engine/kinds/k8s.js';
import { shown } from '../helpers/kinds.js';
import { keepBoundClaimRefs, staleClaimRefs } from '../../src/engine/kinds/k8s-rebind.js';
import type { K8sObject, K8sState } from '../../src/resources/types.js';

const pv = (claimRef: object): K8sObject => ({ apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'registry-data' }, spec: { capacity: { storage: '2Gi' }, claimRef } });
const claim = (uid?: string): K8sObject => ({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'registry-data', namespace: 'registry', ...(uid ? { uid } : {}) }, spec: { storageClassName: '', volumeName: 'registry-data' } });
const desired = [pv({ namespace: 'registry', name: 'registry-data' }), claim()];
const stale = pv({ kind: 'PersistentVolumeClaim', namespace: 'registry', name: 'registry-data', uid: 'old-uid', apiVersion: 'v1', resourceVersion: '41' });
/** The kind's plan, as shown and applied. */
const planK8s = (r: K8sState, got: Array<{ code: number; stdout: string; stderr: string }>) => shown(k8s, k8sPlan(r, got));
const list = (...items: object[]) => [{ code: 0, stdout: JSON.stringify({ kind: 'List', items }), stderr: '' }];
const state: K8sState = { kind: 'k8s', kubectl: { path: 'kubectl' }, objects: desired, rebindReleased: true };

test('the claim gone (namespace rebuilt): the stale uid is patched out first, then the claim is created', (t) => {
  const plan = planK8s(state, list(stale));
  t.deepEqual(plan.actions, [
    'rebind PersistentVolume registry-data: Released (its claimRef names a deleted claim registry/registry-data, uid old-uid): clear that uid so the new claim binds it, with its data',
    'create PersistentVolumeClaim registry/registry-data',
  ]);
  const lines = plan.script.split('\n');
  t.is(lines[0], `kubectl patch persistentvolume registry-data --type=json -p '[{"op":"test","path":"/spec/claimRef/uid","value":"old-uid"},{"op":"remove","path":"/spec/claimRef/uid"},{"op":"remove","path":"/spec/claimRef/resourceVersion"}]' >&2`);
  t.true(plan.script.indexOf('apply --server-side') > plan.script.indexOf('patch persistentvolume'));
  t.regex(plan.diffs[0]!.before, /uid: old-uid/);
  t.notRegex(plan.diffs[0]!.after, /uid|resourceVersion/);
});

test('a new claim of that name already there (Pending, another uid): rebound too', (t) => {
  t.deepEqual(staleClaimRefs(desired, [stale, claim('new-uid')]).map((r) => r.claimRef.uid), ['old-uid']);
});

test('left alone: bound to the live claim, pre-bound without uid, a claimRef naming another claim, or not asked for', (t) => {
  t.deepEqual(staleClaimRefs(desired, [stale, claim('old-uid')]), []);
  t.deepEqual(staleClaimRefs(desired, [pv({ namespace: 'registry', name: 'registry-data' })]), []);
  t.deepEqual(staleClaimRefs(desired, [pv({ namespace: 'other', name: 'theirs', uid: 'x' })]), []);
  t.deepEqual(staleClaimRefs([desired[0]!], [stale]), [], 'the claim is not among the objects: not ours to make');
  t.false(planK8s({ ...state, rebindReleased: false }, list(stale)).script.includes('patch'));
});

test('a PV bound to the live claim is applied with the live claimRef whole (uid kept: claimRef is atomic, a forced apply without it would make the claim Lost)', (t) => {
  const labelled = { ...desired[0]!, metadata: { ...desired[0]!.metadata, labels: { 'app.kubernetes.io/managed-by': 'regplay' } } };
  const [kept] = keepBoundClaimRefs([labelled, claim()], [stale, claim('old-uid')]);
  t.deepEqual((kept!.spec as any).claimRef, (stale.spec as any).claimRef);
  t.deepEqual(kept!.metadata, labelled.metadata);
  const plan = planK8s({ ...state, objects: [labelled, claim()] }, list(stale, claim('old-uid')));
  t.deepEqual(plan.actions, ['change PersistentVolume registry-data: metadata.labels']);
  t.regex(plan.diffs[0]!.after, /uid: old-uid/);
});

test('claimRef as desired where the live PV is not bound to the live claim: unbound, claim gone or another uid, another claim named, no PV yet', (t) => {
  const ref = (objs: K8sObject[]) => (objs[0]!.spec as any).claimRef;
  const want = { namespace: 'registry', name: 'registry-data' };
  t.deepEqual(ref(keepBoundClaimRefs(desired, [pv(want), claim('new-uid')])), want);
  t.deepEqual(ref(keepBoundClaimRefs(desired, [stale])), want);
  t.deepEqual(ref(keepBoundClaimRefs(desired, [stale, claim('new-uid')])), want);
  t.deepEqual(ref(keepBoundClaimRefs(desired, [pv({ namespace: 'other', name: 'theirs', uid: 'old-uid' }), claim('old-uid')])), want);
  t.deepEqual(ref(keepBoundClaimRefs(desired, [claim('old-uid')])), want);
});
