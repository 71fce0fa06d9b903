// The Kubernetes API stand-in's server-side apply approximation (test/standin/apply.ts), against
// the behaviour the Kubernetes docs give ("Server-Side Apply", kubernetes.io/docs/reference/using-api/server-side-apply/):
// - Field management: "If you remove a field from a manifest and apply that manifest, Server-Side
//   Apply checks if there are any other field managers that also own the field. If the field is not
//   owned by any other field managers, it is either deleted from the live object or reset to its
//   default value"; applying the same value as another manager makes both owners (shared ownership).
// - Conflicts: a field another manager owns with a different value is a conflict unless forced,
//   and forcing takes the field away from the other manager.
// - Merge strategy: `listType: atomic` lists (and lists without list-type or patch merge key in the
//   built-in types, such as ServiceAccount.imagePullSecrets: k8s.io/api core/v1 has no
//   patchStrategy/patchMergeKey there) are replaced whole; `listType: map` lists merge by key.
import test from 'ava';
import { serverSideApply } from '../standin/apply.js';
import { fieldSetOf } from '../standin/fieldset.js';

const T0 = '2026-01-01T00:00:00Z';
const T1 = '2026-01-01T00:01:00Z';

function deployment(extra: Record<string, unknown> = {}, env: object[] = [{ name: 'A', value: '1' }]) {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'registry', namespace: 'reg', labels: { app: 'registry' } },
    spec: {
      replicas: 1,
      ...extra,
      template: { spec: { containers: [{ name: 'registry', image: 'registry:2', env }] } },
    },
  };
}

test('create by apply records the manager as owner of every applied field except identity', (t) => {
  const { object, conflicts } = serverSideApply(undefined, deployment(), 'regplay', false, T0);
  t.deepEqual(conflicts, []);
  const entry = object.metadata.managedFields[0];
  t.is(entry.manager, 'regplay');
  t.is(entry.operation, 'Apply');
  t.truthy(entry.fieldsV1['f:spec']['f:replicas']);
  t.truthy(entry.fieldsV1['f:spec']['f:template']['f:spec']['f:containers']['k:{"name":"registry"}']['f:image']);
  t.falsy(entry.fieldsV1['f:metadata']['f:name']);
});

test('applying the same configuration again yields the same object', (t) => {
  const first = serverSideApply(undefined, deployment(), 'regplay', false, T0).object;
  const second = serverSideApply(first, deployment(), 'regplay', false, T1).object;
  t.deepEqual(second, first);
});

test('a field the manager stops applying is removed when nobody else owns it', (t) => {
  const first = serverSideApply(undefined, deployment({ minReadySeconds: 5 }), 'regplay', false, T0).object;
  const second = serverSideApply(first, deployment(), 'regplay', false, T1).object;
  t.is(second.spec.minReadySeconds, undefined);
  t.is(second.spec.replicas, 1);
});

test('a field the manager stops applying stays when another manager owns it too (shared ownership)', (t) => {
  const first = serverSideApply(undefined, deployment({ minReadySeconds: 5 }), 'regplay', false, T0).object;
  const shared = serverSideApply(first, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'registry', namespace: 'reg' }, spec: { minReadySeconds: 5 } }, 'ops', false, T1);
  t.deepEqual(shared.conflicts, [], 'the same value is no conflict');
  const owners = shared.object.metadata.managedFields.filter((e: { fieldsV1: any }) => e.fieldsV1['f:spec']?.['f:minReadySeconds']).map((e: { manager: string }) => e.manager);
  t.deepEqual(owners, ['ops', 'regplay']);
  const second = serverSideApply(shared.object, deployment(), 'regplay', false, T1).object;
  t.is(second.spec.minReadySeconds, 5);
});

test('a map key the manager stops applying (a memory limit, a nodeSelector entry) is removed, its siblings stay', (t) => {
  const d = (limits: object, sel: object) => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'r', namespace: 'reg' }, spec: { template: { spec: { nodeSelector: sel, containers: [{ name: 'r', resources: { limits } }] } } } });
  const first = serverSideApply(undefined, d({ memory: '1Gi', cpu: '1' }, { a: '1', b: '2' }), 'regplay', false, T0).object;
  const second = serverSideApply(first, d({ cpu: '1' }, { a: '1' }), 'regplay', false, T1).object;
  t.deepEqual(second.spec.template.spec.containers[0].resources.limits, { cpu: '1' });
  t.deepEqual(second.spec.template.spec.nodeSelector, { a: '1' });
});

test('fields nobody applied (server defaults) survive a re-apply', (t) => {
  const first = serverSideApply(undefined, deployment(), 'regplay', false, T0).object;
  first.spec.revisionHistoryLimit = 10;
  const second = serverSideApply(first, deployment(), 'regplay', false, T1).object;
  t.is(second.spec.revisionHistoryLimit, 10);
});

test('a field another manager owns with a different value conflicts unless forced', (t) => {
  const mine = serverSideApply(undefined, deployment(), 'regplay', false, T0).object;
  const theirs = serverSideApply(mine, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'registry', namespace: 'reg' }, spec: { replicas: 3 } }, 'hpa', true, T1);
  t.is(theirs.object.spec.replicas, 3);
  const again = serverSideApply(theirs.object, deployment(), 'regplay', false, T1);
  t.deepEqual(again.conflicts, [{ manager: 'hpa', field: '.spec.replicas' }]);
  const forced = serverSideApply(theirs.object, deployment(), 'regplay', true, T1);
  t.deepEqual(forced.conflicts, []);
  t.is(forced.object.spec.replicas, 1);
  const hpa = forced.object.metadata.managedFields.find((e: { manager: string }) => e.manager === 'hpa');
  t.is(hpa, undefined, 'hpa lost its only field');
});

test('associative lists merge by key: another manager\'s env entry is kept', (t) => {
  const mine = serverSideApply(undefined, deployment(), 'regplay', false, T0).object;
  const other = serverSideApply(
    mine,
    { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'registry', namespace: 'reg' }, spec: { template: { spec: { containers: [{ name: 'registry', env: [{ name: 'B', value: '2' }] }] } } } },
    'other',
    false,
    T1,
  ).object;
  const env = other.spec.template.spec.containers[0].env.map((e: { name: string }) => e.name);
  t.deepEqual(env, ['A', 'B']);
  const reapplied = serverSideApply(other, deployment({}, [{ name: 'A', value: '9' }]), 'regplay', false, T1).object;
  t.deepEqual(reapplied.spec.template.spec.containers[0].env, [{ name: 'A', value: '9' }, { name: 'B', value: '2' }]);
});

test('lists without a merge key are owned atomically (ServiceAccount imagePullSecrets: applying replaces the user\'s entries)', (t) => {
  const sa = (names: string[]) => ({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: 'x' }, imagePullSecrets: names.map((name) => ({ name })) });
  const first = serverSideApply(undefined, sa(['a', 'b']), 'regplay', false, T0).object;
  const second = serverSideApply(first, sa(['c']), 'regplay', false, T1).object;
  t.deepEqual(second.imagePullSecrets, [{ name: 'c' }]);
  t.true(fieldSetOf(sa(['c'])).has(JSON.stringify(['f:imagePullSecrets'])));
});

test('an atomic list another manager wrote is taken over whole by a forced apply: the other entries go unless sent again', (t) => {
  const sa = (names: string[]) => ({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: 'x' }, imagePullSecrets: names.map((name) => ({ name })) });
  const users = serverSideApply(undefined, sa(['dockerhub']), 'kubectl', false, T0).object;
  t.deepEqual(serverSideApply(users, sa(['regcred']), 'regplay', false, T1).conflicts, [{ manager: 'kubectl', field: '.imagePullSecrets' }]);
  t.deepEqual(serverSideApply(users, sa(['regcred']), 'regplay', true, T1).object.imagePullSecrets, [{ name: 'regcred' }], 'what the issue saw: the user\'s entry is gone');
  t.deepEqual(serverSideApply(users, sa(['dockerhub', 'regcred']), 'regplay', true, T1).object.imagePullSecrets, [{ name: 'dockerhub' }, { name: 'regcred' }]);
});
