// The Kubernetes API stand-in's server-side apply approximation (test/standin/apply.ts).
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

test('lists without a merge key are owned atomically', (t) => {
  const sa = (names: string[]) => ({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: 'x' }, imagePullSecrets: names.map((name) => ({ name })) });
  const first = serverSideApply(undefined, sa(['a', 'b']), 'regplay', false, T0).object;
  const second = serverSideApply(first, sa(['c']), 'regplay', false, T1).object;
  t.deepEqual(second.imagePullSecrets, [{ name: 'c' }]);
  t.true(fieldSetOf(sa(['c'])).has(JSON.stringify(['f:imagePullSecrets'])));
});
