// Removals planned from ownership: fields regplay applied before (managedFields, FieldsV1 as the
// API server writes it) and no longer sets are planned as removals, unless another manager owns them
// too — what server-side apply does on the next apply ("Server-Side Apply", field management:
// "If you remove a field from a manifest and apply that manifest, Server-Side Apply checks if there
// are any other field managers that also own the field. If the field is not owned by any other
// field managers, it is either deleted from the live object or reset to its default value").
// The live objects here come from the stand-in's server-side apply (test/standin/apply.ts).
import test from 'ava';
import { serverSideApply } from '../standin/apply.js';
import { compareK8s } from '../../src/engine/kinds/k8s.js';
import { describeFieldPath, removedFields, withRemoved } from '../../src/engine/kinds/owned-fields.js';
import type { K8sObject } from '../../src/resources/types.js';

const T = '2026-01-01T00:00:00Z';

function service(extra: Record<string, unknown> = {}): K8sObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'registry', namespace: 'registry', labels: { app: 'registry' } },
    spec: { type: 'ClusterIP', ports: [{ name: 'registry', port: 5000, protocol: 'TCP' }], ...extra },
  };
}

function deployment(resources: object, nodeSelector?: Record<string, string>): K8sObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'registry', namespace: 'registry' },
    spec: { replicas: 1, template: { spec: { ...(nodeSelector ? { nodeSelector } : {}), containers: [{ name: 'registry', image: 'registry:2', resources }] } } },
  };
}

const applied = (o: K8sObject, live?: K8sObject, manager = 'regplay') => serverSideApply(live, o, manager, true, T).object as K8sObject;
const removed = (d: K8sObject, l: K8sObject) => removedFields(d, l, 'regplay').map(describeFieldPath);

test('nothing is removed while desired still sets every owned field', (t) => {
  const live = applied(service({ externalIPs: ['192.0.2.10'] }));
  t.deepEqual(removed(service({ externalIPs: ['192.0.2.10'] }), live), []);
});

test('a dropped atomic list (externalIPs) is one removal', (t) => {
  const live = applied(service({ externalIPs: ['192.0.2.10'] }));
  t.deepEqual(removed(service(), live), ['spec.externalIPs']);
  t.deepEqual(compareK8s([service()], [live])[0]!.fields, ['remove spec.externalIPs']);
});

test('a dropped map key (a memory limit) and a dropped map (nodeSelector) are removals at their own depth', (t) => {
  const live = applied(deployment({ requests: { cpu: '50m' }, limits: { memory: '1Gi', cpu: '1' } }, { 'kubernetes.io/hostname': 'n1' }));
  t.deepEqual(removed(deployment({ requests: { cpu: '50m' }, limits: { cpu: '1' } }, { 'kubernetes.io/hostname': 'n1' }), live), [
    'spec.template.spec.containers[name=registry].resources.limits.memory',
  ]);
  t.deepEqual(removed(deployment({ requests: { cpu: '50m' }, limits: { memory: '1Gi', cpu: '1' } }), live), ['spec.template.spec.nodeSelector']);
  t.deepEqual(removed(deployment({ requests: { cpu: '50m' } }, { 'kubernetes.io/hostname': 'n1' }), live), ['spec.template.spec.containers[name=registry].resources.limits']);
});

test('a field another manager owns too stays: not a removal', (t) => {
  const mine = applied(service({ externalIPs: ['192.0.2.10'] }));
  // the same value applied by another manager: shared ownership
  const both = applied({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'registry', namespace: 'registry' }, spec: { externalIPs: ['192.0.2.10'] } } as K8sObject, mine, 'ops');
  t.deepEqual(removed(service(), both), []);
});

test('fields of another manager only (not applied by regplay) are never removals', (t) => {
  const mine = applied(service());
  const theirs = applied({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'registry', namespace: 'registry', annotations: { team: 'x' } } } as K8sObject, mine, 'ops');
  t.deepEqual(removed(service(), theirs), []);
});

test('without an Apply entry of regplay (created by someone else), nothing is a removal', (t) => {
  const theirs = applied(service({ externalIPs: ['192.0.2.10'] }), undefined, 'kubectl');
  t.deepEqual(removed(service(), theirs), []);
});

test('the diff\'s "before" has the removed value at its place', (t) => {
  const live = applied(deployment({ requests: { cpu: '50m' }, limits: { memory: '1Gi' } }));
  const d = deployment({ requests: { cpu: '50m' } });
  const shown = withRemoved(d, live, removedFields(d, live, 'regplay'));
  t.deepEqual((shown.spec as any).template.spec.containers[0].resources, { requests: { cpu: '50m' }, limits: { memory: '1Gi' } });
  t.deepEqual((d.spec as any).template.spec.containers[0].resources, { requests: { cpu: '50m' } }, 'desired untouched');
});

test('a key dropped from an atomic map (nodeSelector, +mapType=atomic: owned whole) is a removal: the apply replaces the map', (t) => {
  const live = applied(deployment({}, { 'kubernetes.io/os': 'linux', 'kubernetes.io/hostname': 'n1' }));
  // FieldsV1 as a real server writes it for an atomic map: the map is one leaf
  t.deepEqual((live.metadata as any).managedFields[0].fieldsV1['f:spec']['f:template']['f:spec']['f:nodeSelector'], {});
  const d = deployment({}, { 'kubernetes.io/hostname': 'n1' });
  t.deepEqual(removed(d, live), ['spec.template.spec.nodeSelector.kubernetes.io/os']);
  t.deepEqual(removed(deployment({}, { 'kubernetes.io/os': 'linux', 'kubernetes.io/hostname': 'n1' }), live), [], 'the same map: nothing');
  const after = serverSideApply(live, d, 'regplay', true, T).object as any;
  t.deepEqual(after.spec.template.spec.nodeSelector, { 'kubernetes.io/hostname': 'n1' }, 'what the apply does');
});
