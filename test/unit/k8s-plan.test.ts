// The Kubernetes planner as data: desired vs live fixtures → the planned actions.
import test from 'ava';
import { compareK8s, k8s, planK8s as k8sPlan } from '../../src/engine/kinds/k8s.js';
import { shown } from '../helpers/kinds.js';
import { subsetDiff } from '../../src/engine/kinds/diff-k8s.js';
import type { K8sObject, K8sState } from '../../src/resources/types.js';
import { Secret } from '../../src/secret.js';

/** The kind's plan, as shown and applied. */
const planK8s = (r: K8sState, got: Array<{ code: number; stdout: string; stderr: string }>) => shown(k8s, k8sPlan(r, got));

const deployment: K8sObject = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'registry', namespace: 'registry', labels: { app: 'registry' } },
  spec: {
    replicas: 1,
    strategy: { type: 'Recreate' },
    template: { spec: { containers: [{ name: 'registry', image: 'registry:2', ports: [{ containerPort: 5000 }] }], volumes: [{ name: 'data', emptyDir: {} }] } },
  },
};

const liveDeployment: K8sObject = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'registry', namespace: 'registry', labels: { app: 'registry' }, uid: 'u1', resourceVersion: '42', generation: 3 },
  spec: {
    replicas: 1,
    revisionHistoryLimit: 10,
    strategy: { type: 'Recreate' },
    template: {
      spec: {
        containers: [{ name: 'registry', image: 'registry:2', imagePullPolicy: 'IfNotPresent', ports: [{ containerPort: 5000, protocol: 'TCP' }] }],
        volumes: [{ name: 'data', emptyDir: {} }],
        restartPolicy: 'Always',
      },
    },
  },
  status: { readyReplicas: 1 },
};

const password = 'pa55-word-never-shown';
const b64 = (s: string) => Buffer.from(s).toString('base64');
const secret: K8sObject = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'auth', namespace: 'registry' }, type: 'Opaque', data: { password: new Secret(b64(password)) } };
const liveSecret: K8sObject = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'auth', namespace: 'registry', uid: 'u2' }, type: 'Opaque', data: { password: b64(password) } };

const cases: Array<{ name: string; desired: K8sObject[]; live: K8sObject[]; expected: Array<string[] | undefined> }> = [
  { name: 'an object that does not exist is created', desired: [deployment], live: [], expected: [undefined] },
  { name: 'an object equal to live apart from server defaults is unchanged', desired: [deployment], live: [liveDeployment], expected: [[]] },
  {
    name: 'a different scalar is a change of that field',
    desired: [{ ...deployment, spec: { ...(deployment.spec as object), replicas: 2 } }],
    live: [liveDeployment],
    expected: [['spec.replicas']],
  },
  {
    name: 'a list of a different length is a change of the list',
    desired: [{ ...deployment, spec: { template: { spec: { containers: [] } } } }],
    live: [liveDeployment],
    expected: [['spec.template.spec.containers']],
  },
  {
    name: 'a number equals its numeric string (ports)',
    desired: [{ apiVersion: 'v1', kind: 'Service', metadata: { name: 's', namespace: 'registry' }, spec: { ports: [{ port: 5000, targetPort: '5000' }] } }],
    live: [{ apiVersion: 'v1', kind: 'Service', metadata: { name: 's', namespace: 'registry' }, spec: { ports: [{ port: '5000', targetPort: 5000, protocol: 'TCP' }] } }],
    expected: [[]],
  },
  { name: 'a Secret with the same base64 data is unchanged', desired: [secret], live: [liveSecret], expected: [[]] },
  {
    name: 'a Secret with different data is a change of that key',
    desired: [{ ...secret, data: { password: new Secret(b64('other')) } }],
    live: [liveSecret],
    expected: [['data.password']],
  },
  {
    name: 'Secret stringData compares as base64 against live data',
    desired: [{ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'auth', namespace: 'registry' }, stringData: { password: new Secret(password) } }],
    live: [liveSecret],
    expected: [[]],
  },
  {
    name: 'objects are matched by group, kind, namespace and name, not by version',
    desired: [{ ...deployment, metadata: { ...deployment.metadata, namespace: 'other' } }, { ...deployment, apiVersion: 'apps/v1beta1' }],
    live: [liveDeployment],
    expected: [undefined, []],
  },
];

for (const c of cases) {
  test(`k8s plan: ${c.name}`, (t) => {
    t.deepEqual(compareK8s(c.desired, c.live).map((p) => p.fields), c.expected);
  });
}

test('k8s subset: an empty desired object or list equals a missing live field', (t) => {
  t.deepEqual(subsetDiff({ a: {}, b: [] }, {}), []);
  t.deepEqual(subsetDiff({ a: { x: 1 } }, {}), ['a']);
});

function state(objects: K8sObject[]): K8sState {
  return { kind: 'k8s', kubectl: { path: '/usr/bin/kubectl', kubeconfig: '/etc/kubernetes/admin.conf' }, objects, waitRollout: [{ name: 'registry', namespace: 'registry', timeoutSeconds: 120 }] };
}


test('k8s plan: actions name create/change per object, diffs mask Secret values, unchanged objects are not applied', (t) => {
  const live = JSON.stringify({ kind: 'List', items: [liveDeployment, liveSecret] });
  const plan = planK8s(state([{ ...deployment, spec: { ...(deployment.spec as object), replicas: 2 } }, { ...secret, data: { password: new Secret(b64('rotated-pass')) } }, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'registry' } }]), [{ code: 0, stdout: live, stderr: '' }]);
  t.deepEqual(plan.actions, ['change Deployment registry/registry: spec.replicas', 'change Secret registry/auth: data.password', 'create Namespace registry']);
  const shown = JSON.stringify(plan.diffs);
  t.false(shown.includes(b64('rotated-pass')));
  t.false(shown.includes(b64(password)));
  t.regex(plan.diffs[1]!.after, /password: "\*\*\*"/);
  t.regex(plan.diffs[1]!.before, /password: "\*\*\*"/);
  t.regex(plan.diffs[0]!.before, /replicas: 1/);
  t.regex(plan.diffs[0]!.after, /replicas: 2/);
  t.regex(plan.script, /kubectl --kubeconfig \/etc\/kubernetes\/admin\.conf apply --server-side --field-manager=regplay --force-conflicts -f - -o json/);
  t.regex(plan.script, /rollout status deployment\/registry -n registry --timeout=120s/);
  t.false(plan.command.includes('rotated'));
});

test('k8s plan: nothing differs → no actions, no script, registered live objects with Secret data wrapped', (t) => {
  const plan = planK8s(state([deployment, secret]), [{ code: 0, stdout: JSON.stringify({ kind: 'List', items: [liveDeployment, liveSecret] }), stderr: '' }]);
  t.deepEqual(plan.actions, []);
  t.is(plan.script, '');
  const reg = plan.registered() as { objects: K8sObject[] };
  t.is(reg.objects.length, 2);
  t.true((reg.objects[1]!.data as Record<string, unknown>).password instanceof Secret);
});

test('k8s plan: a failing kubectl get fails the step with its stderr', (t) => {
  t.throws(() => planK8s(state([deployment]), [{ code: 1, stdout: '', stderr: 'error: the server could not find the requested resource\n' }]), {
    message: /kubectl get failed \(exit 1\): error: the server could not find/,
  });
});

test('k8s plan: in check mode on a fresh cluster the registered value is null', (t) => {
  const plan = planK8s(state([deployment]), [{ code: 0, stdout: '', stderr: '' }]);
  t.is(plan.registered(), null);
});

test('k8s plan: a create-only field is set on create, and on an existing object compared and applied as live has it', (t) => {
  const claim = (size: string): K8sObject => ({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data', namespace: 'registry' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: size } } } });
  const pv = (size: string): K8sObject => ({ apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'data' }, spec: { capacity: { storage: size } } });
  const createOnly = [{ kind: 'PersistentVolumeClaim', namespace: 'registry', name: 'data', path: ['spec', 'resources', 'requests', 'storage'] }];
  const withRule = (objects: K8sObject[]): K8sState => ({ ...state(objects), createOnly });
  const fresh = planK8s(withRule([pv('3Gi'), claim('3Gi')]), [{ code: 0, stdout: '', stderr: '' }]);
  t.deepEqual(fresh.actions, ['create PersistentVolume data', 'create PersistentVolumeClaim registry/data']);
  const manifest = (script: string) => Buffer.from(script.split('\n').filter((l) => /^[A-Za-z0-9+/=]+$/.test(l)).join(''), 'base64').toString();
  t.deepEqual(manifest(fresh.script).match(/"storage":"\w+"/g), ['"storage":"3Gi"', '"storage":"3Gi"'], 'both created with the new size');
  const live = JSON.stringify({ kind: 'List', items: [pv('2Gi'), claim('2Gi')] });
  const grown = planK8s(withRule([pv('3Gi'), claim('3Gi')]), [{ code: 0, stdout: live, stderr: '' }]);
  t.deepEqual(grown.actions, ['change PersistentVolume data: spec.capacity.storage'], 'the claim keeps its live size');
  t.deepEqual(manifest(grown.script).match(/"kind":"\w+"/g), ['"kind":"PersistentVolume"']);
  const without = planK8s(state([pv('3Gi'), claim('3Gi')]), [{ code: 0, stdout: live, stderr: '' }]);
  t.deepEqual(without.actions, ['change PersistentVolume data: spec.capacity.storage', 'change PersistentVolumeClaim registry/data: spec.resources.requests.storage'], 'without the rule the claim would change');
});
