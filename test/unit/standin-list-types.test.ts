// The Kubernetes API stand-in reads how server-side apply treats each list and struct from one
// place, Kubernetes 1.32's OpenAPI extensions (test/standin/list-types.ts over openapi/v1.32.json),
// for the typed patch, the field sets, the merge and strategic merge patches alike:
// `x-kubernetes-list-type: map` + `x-kubernetes-list-map-keys`, `set`, `atomic`, and
// `x-kubernetes-map-type: atomic` on structs. An atomic struct (k8s.io/api core/v1 ObjectReference,
// metav1 LabelSelector, SecretKeySelector: `+structType=atomic`) is one field to structured-merge-diff:
// owned whole (FieldsV1 `f:claimRef: {}`), conflicting whole, replaced whole by an apply
// (sigs.k8s.io/structured-merge-diff v4.4.2 typed/merge.go: an atomic map is a leaf; schema
// ElementRelationship "atomic"), where a granular struct is merged field by field.
import test from 'ava';
import { serverSideApply } from '../standin/apply.js';
import { fieldSetOf } from '../standin/fieldset.js';
import { listKeysAt, listTable, listTypeAt } from '../standin/list-types.js';
import { applyPatch } from '../standin/patch.js';
import { applyDecodeError, smdPath } from '../standin/typed-patch.js';

const T0 = '2026-01-01T00:00:00Z';
const T1 = '2026-01-01T00:01:00Z';

test('the table of a kind comes from the 1.32 schema: associative lists with their keys, sets, atomic structs', (t) => {
  const deployment = listTable('apps/v1', 'Deployment');
  t.is(deployment['spec.template.spec.containers'], 'map name');
  t.is(deployment['spec.template.spec.containers[].ports'], 'map containerPort,protocol');
  t.is(deployment['spec.template.spec.containers[].volumeMounts'], 'map mountPath');
  t.is(deployment['spec.template.spec.containers[].env'], 'map name');
  t.is(deployment['spec.template.spec.volumes'], 'map name');
  t.is(deployment['spec.template.spec.containers[].args'], 'atomic');
  t.is(deployment['metadata.finalizers'], 'set');
  t.is(deployment['spec.selector'], 'atomic struct');
  t.is(deployment['spec.template.spec.containers[].env[].valueFrom.secretKeyRef'], 'atomic struct');
  t.is(deployment['spec.template.spec.imagePullSecrets'], 'map name', 'PodSpec.imagePullSecrets: +listType=map +listMapKey=name');
  const service = listTable('v1', 'Service');
  t.is(service['spec.ports'], 'map port,protocol');
  t.is(listTable('v1', 'ServiceAccount').imagePullSecrets, 'atomic', 'ServiceAccount.imagePullSecrets: +listType=atomic');
  t.is(listTable('v1', 'PersistentVolume')['spec.claimRef'], 'atomic struct');
  t.is(listTable('networking.k8s.io/v1', 'Ingress')['spec.rules[].http.paths[].backend.service.port'], 'atomic struct');
});

test('the same answer by path, list indexes and all, and nothing for a kind without a 1.32 definition', (t) => {
  const d = { apiVersion: 'apps/v1', kind: 'Deployment' };
  t.deepEqual(listKeysAt(d, ['spec', 'template', 'spec', 'containers', '3', 'ports']), ['containerPort', 'protocol']);
  t.deepEqual(listKeysAt({ apiVersion: 'v1', kind: 'Service' }, ['spec', 'ports']), ['port', 'protocol']);
  t.deepEqual(listTypeAt(d, ['metadata', 'finalizers']), { type: 'set' });
  t.is(listKeysAt({ apiVersion: 'example.com/v1', kind: 'Nothing' }, ['spec', 'containers']), undefined);
});

test('the typed patch names items by the table: keys of associative lists, values of sets, indexes of atomic lists', (t) => {
  const d = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'r', namespace: 'n', finalizers: ['a/b'] },
    spec: { template: { spec: { containers: [{ name: 'registry', ports: [{ containerPort: 5000 }], args: ['x'] }] } } },
  };
  t.is(smdPath(d, ['spec', 'template', 'spec', 'containers', '0', 'ports', '0', 'name']), '.spec.template.spec.containers[name="registry"].ports[containerPort=5000,protocol="TCP"].name');
  t.is(smdPath(d, ['spec', 'template', 'spec', 'containers', '0', 'args', '0']), '.spec.template.spec.containers[name="registry"].args[0]');
  t.is(smdPath(d, ['metadata', 'finalizers', '0']), '.metadata.finalizers[="a/b"]');
  const twice = { ...d, spec: { template: { spec: { containers: [{ name: 'registry' }, { name: 'registry' }] } } } };
  t.regex(applyDecodeError(twice) ?? '', /\.spec\.template\.spec\.containers: duplicate entries for key \[name="registry"\]/);
});

const pv = (claimRef: Record<string, unknown>) => ({
  apiVersion: 'v1',
  kind: 'PersistentVolume',
  metadata: { name: 'data' },
  spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: '/srv/data' }, claimRef },
});

test("a PV's claimRef is one field of the field set (atomic), not one per key", (t) => {
  const set = fieldSetOf(pv({ namespace: 'reg', name: 'data' }));
  t.true(set.has(JSON.stringify(['f:spec', 'f:claimRef'])));
  t.false([...set].some((id) => id.includes('"f:claimRef","f:')), [...set].join('\n'));
  t.true(set.has(JSON.stringify(['f:spec', 'f:hostPath', 'f:path'])), 'a granular struct is still per field');
});

test('a re-apply replaces the whole claimRef: what the binder added (uid) does not survive a new claim name', (t) => {
  const first = serverSideApply(undefined, pv({ namespace: 'reg', name: 'old' }), 'regplay', false, T0).object;
  // the PV controller's bind completes the reference (ctrl.bind: uid, kind, apiVersion, resourceVersion)
  const bound = structuredClone(first);
  bound.spec.claimRef = { ...bound.spec.claimRef, kind: 'PersistentVolumeClaim', apiVersion: 'v1', uid: 'u-1', resourceVersion: '7' };
  const { object, conflicts } = serverSideApply(bound, pv({ namespace: 'reg', name: 'new' }), 'regplay', false, T1);
  t.deepEqual(conflicts, []);
  t.deepEqual(object.spec.claimRef, { namespace: 'reg', name: 'new' }, 'merged per field it would keep uid u-1 of the old claim');
  t.deepEqual(object.metadata.managedFields[0].fieldsV1['f:spec']['f:claimRef'], {});
});

test('two managers applying different claimRefs conflict on the whole claimRef; forcing takes it whole', (t) => {
  const first = serverSideApply(undefined, pv({ namespace: 'reg', name: 'a' }), 'regplay', false, T0).object;
  const other = { apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'data' }, spec: { claimRef: { namespace: 'reg', name: 'a', uid: 'u-2' } } };
  const clash = serverSideApply(first, other, 'ops', false, T1);
  t.deepEqual(clash.conflicts, [{ manager: 'regplay', field: '.spec.claimRef' }]);
  const forced = serverSideApply(first, other, 'ops', true, T1).object;
  t.deepEqual(forced.spec.claimRef, { namespace: 'reg', name: 'a', uid: 'u-2' });
  const owners = forced.metadata.managedFields.filter((e: { fieldsV1: any }) => e.fieldsV1['f:spec']?.['f:claimRef']).map((e: { manager: string }) => e.manager);
  t.deepEqual(owners, ['ops'], 'regplay lost the claimRef (it keeps its other fields)');
});

test("a Deployment's selector (LabelSelector, atomic) is replaced whole by an apply, not merged key by key", (t) => {
  const d = (matchLabels: Record<string, string>) => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'r', namespace: 'n' }, spec: { selector: { matchLabels } } });
  const first = serverSideApply(undefined, d({ app: 'registry' }), 'regplay', false, T0).object;
  const edited = structuredClone(first);
  edited.spec.selector.matchLabels.tier = 'x'; // changed by an update nobody recorded
  const again = serverSideApply(edited, d({ app: 'registry' }), 'regplay', false, T1).object;
  t.deepEqual(again.spec.selector, { matchLabels: { app: 'registry' } });
});

test('a strategic merge patch merges lists by their patchMergeKey from the schema (container ports by containerPort only)', (t) => {
  const live = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'r' },
    spec: { template: { spec: { containers: [{ name: 'registry', ports: [{ containerPort: 5000, protocol: 'TCP', name: 'a' }], args: ['x'] }] } } },
  };
  const patched = applyPatch(live, 'strategic', { spec: { template: { spec: { containers: [{ name: 'registry', ports: [{ containerPort: 5000, name: 'b' }], args: ['y'] }] } } } }) as any;
  t.deepEqual(patched.spec.template.spec.containers[0].ports, [{ containerPort: 5000, protocol: 'TCP', name: 'b' }]);
  t.deepEqual(patched.spec.template.spec.containers[0].args, ['y'], 'no patch strategy: replaced');
});
