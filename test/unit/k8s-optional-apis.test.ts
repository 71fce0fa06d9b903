// Objects of an API the cluster may not serve (a CRD's, e.g. the Prometheus Operator's
// ServiceMonitor): planned only where `kubectl api-versions` lists the API, never read or listed
// where it does not (kubectl would fail on an unknown kind).
import test from 'ava';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { k8s, k8sReadCommands, planK8s as k8sPlan } from '../../src/engine/kinds/k8s.js';
import { shown } from '../helpers/kinds.js';
import { membersReadCommand } from '../../src/engine/kinds/k8s-applyset.js';
import type { K8sObject, K8sState } from '../../src/resources/types.js';

const API = { apiVersion: 'monitoring.coreos.com/v1', kinds: ['ServiceMonitor'] };
const monitor: K8sObject = { apiVersion: 'monitoring.coreos.com/v1', kind: 'ServiceMonitor', metadata: { name: 'registry', namespace: 'registry' }, spec: { endpoints: [{ port: 'metrics' }] } };
const service: K8sObject = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'registry', namespace: 'registry' }, spec: { ports: [{ name: 'metrics', port: 5001 }] } };
const state = (objects: K8sObject[]): K8sState => ({ kind: 'k8s', kubectl: { path: 'kubectl' }, objects, optionalApis: [API] });
/** The kind's plan, as shown and applied. */
const planK8s = (r: K8sState, got: Array<{ code: number; stdout: string; stderr: string }>) => shown(k8s, k8sPlan(r, got));
const ok = (stdout: string) => ({ code: 0, stdout, stderr: '' });
const list = (items: K8sObject[]) => JSON.stringify({ kind: 'List', items });

test('the read phase: the required objects, then api-versions, then the optional API\'s objects behind a guard', (t) => {
  const reads = k8sReadCommands(state([service, monitor]));
  t.is(reads.length, 3);
  t.false(reads[0]!.stdin!.includes('ServiceMonitor'), 'the main read never names the optional kind');
  t.is(reads[1]!.command, 'kubectl api-versions');
  t.is(reads[2]!.command, 'kubectl api-versions | grep -qxF monitoring.coreos.com/v1 || exit 0; kubectl get -f - -o json --ignore-not-found --show-managed-fields');
  t.true(reads[2]!.stdin!.includes('"kind":"ServiceMonitor"'));
});

test('not served: the optional object is left out of the plan; served: it is created like any other', (t) => {
  const liveService = { ...service, metadata: { ...service.metadata, uid: 'u' } };
  const unserved = planK8s(state([service, monitor]), [ok(list([liveService])), ok('apps/v1\nv1\n'), ok('')]);
  t.deepEqual(unserved.actions, []);
  const served = planK8s(state([service, monitor]), [ok(list([liveService])), ok('apps/v1\nmonitoring.coreos.com/v1\nv1\n'), ok(list([]))]);
  t.deepEqual(served.actions, ['create ServiceMonitor registry/registry']);
  const existing = planK8s(state([service, monitor]), [ok(list([liveService])), ok('monitoring.coreos.com/v1\n'), ok(list([{ ...monitor, metadata: { ...monitor.metadata, uid: 'm' } }]))]);
  t.deepEqual(existing.actions, [], 'an existing, equal ServiceMonitor: nothing to do');
});

test('the members read (run by sh against a fake kubectl): an optional kind the parent records is listed only while its API is served', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'optional-apis-'));
  try {
    const fake = join(dir, 'kubectl');
    writeFileSync(
      fake,
      `#!/bin/sh
case "$1" in
  get) [ "$2" = configmap ] && { printf 'Deployment.apps,ServiceMonitor.monitoring.coreos.com,Secret'; exit 0; }; echo "LISTED $2" ;;
  api-versions) cat "${join(dir, 'versions')}" ;;
esac
`,
    );
    chmodSync(fake, 0o755);
    const set = { parent: { name: 'regplay-registry', namespace: 'default' } };
    const cmd = membersReadCommand(fake, set, ['Secret'], [{ apiVersion: API.apiVersion, groupKinds: ['ServiceMonitor.monitoring.coreos.com'] }]);
    const run = (versions: string) => {
      writeFileSync(join(dir, 'versions'), versions);
      return execFileSync('/bin/sh', ['-c', cmd]).toString().trim();
    };
    t.is(run('apps/v1\nmonitoring.coreos.com/v1\nv1\n'), 'LISTED Secret,Deployment.apps,ServiceMonitor.monitoring.coreos.com,Secret');
    t.is(run('apps/v1\nv1\n'), 'LISTED Secret,Deployment.apps,Secret');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
