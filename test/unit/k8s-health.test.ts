// Every run checks that the registry's Deployment is serving: a plan with nothing to apply fails
// when it is not, with the Deployment's and pods' own reasons; a failed rollout prints them too.
import test from 'ava';
import { k8s, planK8s as k8sPlan } from '../../src/engine/kinds/k8s.js';
import { shown } from '../helpers/kinds.js';
import { deploymentAvailable } from '../../src/engine/kinds/k8s-health.js';
import type { K8sObject, K8sState } from '../../src/resources/types.js';

/** The kind's plan, as shown and applied. */
const planK8s = (r: K8sState, got: Array<{ code: number; stdout: string; stderr: string }>) => shown(k8s, k8sPlan(r, got));

const desired: K8sObject = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'registry', namespace: 'registry' }, spec: { replicas: 1 } };
const cond = (type: string, status: string, reason: string, message: string) => ({ type, status, reason, message });
const live = (status: object, generation = 2): K8sObject => ({ ...desired, metadata: { ...desired.metadata, generation }, status } as K8sObject);
const healthy = { observedGeneration: 2, replicas: 1, updatedReplicas: 1, readyReplicas: 1, availableReplicas: 1, conditions: [cond('Available', 'True', 'MinimumReplicasAvailable', 'Deployment has minimum availability.')] };
const down = { observedGeneration: 2, replicas: 1, updatedReplicas: 1, unavailableReplicas: 1, conditions: [cond('Available', 'False', 'MinimumReplicasUnavailable', 'Deployment does not have minimum availability.')] };
const pod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'registry-abc', namespace: 'registry' },
  status: {
    phase: 'Running',
    conditions: [cond('Ready', 'False', 'ContainersNotReady', 'containers with unready status: [registry]')],
    containerStatuses: [{ name: 'registry', ready: false, restartCount: 0, state: { running: {} } }],
  },
};
const state: K8sState = { kind: 'k8s', kubectl: { path: 'kubectl' }, objects: [desired], waitRollout: [{ name: 'registry', namespace: 'registry', timeoutSeconds: 60, podSelector: 'app.kubernetes.io/name=registry' }] };
const got = (...lists: object[][]) => lists.map((items) => ({ code: 0, stdout: JSON.stringify({ kind: 'List', items }), stderr: '' }));

test('health: the pods are read in the same batch as the objects', async (t) => {
  const { k8sReadCommands } = await import('../../src/engine/kinds/k8s.js');
  t.deepEqual(k8sReadCommands(state).map((c) => c.command), ["kubectl get -f - -o json --ignore-not-found --show-managed-fields", "kubectl get pods -n registry -l app.kubernetes.io/name=registry -o json"]);
});

test('health: nothing to apply and the Deployment available → ok', (t) => {
  const plan = planK8s(state, got([live(healthy)], [pod]));
  t.deepEqual([plan.actions, plan.script], [[], '']);
});

test('health: nothing to apply and the Deployment unavailable → the step fails with the pods\' own reasons', (t) => {
  const e = t.throws(() => planK8s(state, got([live(down)], [pod])));
  t.regex(e!.message, /Deployment registry\/registry is not available: 0\/1 replicas available; Available: MinimumReplicasUnavailable/);
  t.regex(e!.message, /pod registry-abc: phase Running; container registry running but not ready \(its readiness probe fails\); Ready: ContainersNotReady: containers with unready status: \[registry\]/);
  const crash = { ...pod, status: { ...pod.status, containerStatuses: [{ name: 'registry', ready: false, restartCount: 4, state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 20s' } }, lastState: { terminated: { exitCode: 1, reason: 'Error' } } }] } };
  t.throws(() => planK8s(state, got([live(down)], [crash])), { message: /container registry waiting: CrashLoopBackOff \(back-off 20s\); last exit 1 \(Error\); 4 restarts/ });
  t.throws(() => planK8s(state, got([live(down)], [])), { message: /no pod exists/ });
});

test('health: with something to apply the rollout is awaited instead, and its failure prints the pods\' reasons', (t) => {
  const plan = planK8s(state, got([{ ...live(down), spec: { replicas: 2 } }], [pod]));
  t.deepEqual(plan.actions, ['change Deployment registry/registry: spec.replicas']);
  t.regex(plan.script, /rollout status deployment\/registry -n registry --timeout=60s >&2 \|\| \{ kubectl get pods -n registry -l app\.kubernetes\.io\/name=registry -o 'jsonpath=.*' >&2; exit 1; \}/);
});

test('health: available means the newest generation observed and every replica available', (t) => {
  t.true(deploymentAvailable(live(healthy)));
  t.false(deploymentAvailable(live(healthy, 3)), 'a generation not yet observed');
  t.false(deploymentAvailable(live({ ...healthy, availableReplicas: 0 })));
  t.false(deploymentAvailable(live(down)));
  t.true(deploymentAvailable({ ...live(down), spec: { replicas: 0 } }));
});
