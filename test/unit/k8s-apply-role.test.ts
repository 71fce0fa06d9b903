import test from 'ava';
import { StateError } from '../../src/errors.js';
import type { K8sState } from '../../src/resources/types.js';
import { redact, Secret } from '../../src/secret.js';
import k8sApply from '../../roles/k8s-apply/index.js';
import { registryService } from '../../roles/_shared/k8s.js';
import { ctxFor, htpasswdAlice, keyPem, password, vars } from './k8s-apply.fixture.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');

test('plan is one k8s resource: kubectl path/kubeconfig, field manager, rollout wait, registered as registry_k8s', (t) => {
  const plan = k8sApply.plan(ctxFor('cp1', vars({ kubectl_path: '/usr/local/bin/kubectl', kubeconfig: '/etc/kubernetes/admin.conf', registry_rollout_timeout: 90 })));
  t.is(plan.length, 1);
  const k8s = plan[0] as K8sState;
  t.is(k8s.kind, 'k8s');
  t.deepEqual(k8s.kubectl, { path: '/usr/local/bin/kubectl', kubeconfig: '/etc/kubernetes/admin.conf', fieldManager: 'regplay' });
  t.deepEqual(k8s.waitRollout, [{ name: 'registry', namespace: 'registry', timeoutSeconds: 90, podSelector: 'app.kubernetes.io/name=registry' }]);
  t.is(k8s.register, 'registry_k8s');
  t.like(k8s.immutable?.[0], { kind: 'PersistentVolumeClaim', namespace: 'registry', name: 'registry-data', fields: ['spec.storageClassName', 'spec.volumeName', 'spec.accessModes'] });
  t.regex(k8s.immutable?.[0]?.hint ?? '', /skopeo sync.*registry_storage_pvc.*registry_allow_data_delete=true/);
  t.deepEqual(k8s.objects.map((o) => o.kind), ['Namespace', 'Namespace', 'PersistentVolumeClaim', 'Secret', 'Secret', 'ConfigMap', 'Deployment', 'Service', 'Secret']);
  t.like(k8s.applySet, { parent: { name: 'regplay-registry', namespace: 'default' }, shared: [{ kind: 'Namespace', name: 'default' }], protect: { allowed: false, kinds: ['PersistentVolumeClaim', 'PersistentVolume', 'Namespace'] } });
  t.deepEqual(k8s.listEntries?.map((e) => [e.kind, e.name, e.field, e.entries]), [['ServiceAccount', 'default', 'imagePullSecrets', { default: ['regcred'] }]]);
});

test('without kubeconfig kubectl uses its own default (no --kubeconfig)', (t) => {
  const k8s = k8sApply.plan(ctxFor('cp1', vars()))[0] as K8sState;
  t.deepEqual(k8s.kubectl, { path: 'kubectl', fieldManager: 'regplay' });
});

test('no secret plaintext (password, key, htpasswd, their base64) in the serialised plan', (t) => {
  const text = JSON.stringify(k8sApply.plan(ctxFor('cp1', vars())));
  const dockerConfig = JSON.stringify({ auths: { 'registry.local:5000': { username: 'alice', password, auth: b64(`alice:${password}`) } } });
  for (const secret of [password, b64(`alice:${password}`), keyPem.split('\n')[1]!, b64(keyPem), htpasswdAlice.trim(), b64(htpasswdAlice), b64(dockerConfig)]) {
    t.false(text.includes(secret), `plan leaks ${secret.slice(0, 6)}…`);
  }
  t.true(text.includes('"***"'));
});

test('the base64 forms of secrets are scrubbed by redact() as well', (t) => {
  const k8s = k8sApply.plan(ctxFor('cp1', vars()))[0] as K8sState;
  const pull = k8s.objects.find((o) => o.kind === 'Secret' && o.type === 'kubernetes.io/dockerconfigjson')!;
  const encoded = ((pull.data as Record<string, Secret>)['.dockerconfigjson']!).reveal();
  t.is(redact(`kubectl said: ${encoded}`), 'kubectl said: ***');
});

test('only the first control-plane host runs kubectl; the others plan nothing', (t) => {
  const groups = { control_plane: ['cp1', 'cp2'], workers: ['w1'] };
  const base = ctxFor('cp1', vars());
  const cluster = { groups, hosts: { cp1: base.hostvars('cp1') } };
  t.is(k8sApply.plan(ctxFor('cp1', vars(), cluster)).length, 1);
  t.deepEqual(k8sApply.plan(ctxFor('cp2', vars(), cluster)), []);
});

test('a missing certificate or htpasswd fact is a StateError naming the role that must run first', (t) => {
  const noCerts = ctxFor('cp1', vars(), { hosts: { cp1: { registry_htpasswd: { path: '/registry/auth/htpasswd', exists: true, content: new Secret(htpasswdAlice) } } } });
  t.regex(t.throws(() => k8sApply.plan(noCerts), { instanceOf: StateError })!.hint ?? '', /certs role/);
  const noHtpasswd = ctxFor('cp1', vars(), { hosts: { cp1: { registry_pki: ctxFor('cp1', {}).hostvars('cp1').registry_pki } } });
  t.regex(t.throws(() => k8sApply.plan(noHtpasswd), { instanceOf: StateError })!.hint ?? '', /htpasswd role/);
  const notWritten = ctxFor('cp1', vars(), { hosts: { cp1: { registry_pki: ctxFor('cp1', {}).hostvars('cp1').registry_pki, registry_htpasswd: { path: '/registry/auth/htpasswd', exists: false, content: null } } } });
  t.throws(() => k8sApply.plan(notWritten), { instanceOf: StateError, message: /does not exist/ });
});

const service = (spec: Record<string, unknown>) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'registry', namespace: 'registry' }, spec: { ports: [{ name: 'registry', port: 5000 }], ...spec } });
const withFact = (fact: unknown) => ctxFor('w1', {}, { hosts: { cp1: { registry_k8s: fact } } });

test('registryService: the registry Service from the registry_k8s fact, its cluster and external IPs', (t) => {
  const redis = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'registry-redis', namespace: 'registry' }, spec: { clusterIP: '10.96.0.49', ports: [{ name: 'redis', port: 6379 }] } };
  const ctx = withFact({ objects: [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'registry' } }, redis, service({ clusterIP: '10.96.0.50' })] });
  t.deepEqual(registryService(ctx), { namespace: 'registry', name: 'registry', clusterIP: '10.96.0.50', externalIPs: [] }, 'the Service with the port named registry, not the managed Redis\'s before it');
  t.deepEqual(registryService(withFact({ objects: [service({ clusterIP: '10.96.0.50', externalIPs: ['192.0.2.7'] })] })).externalIPs, ['192.0.2.7']);
});

test('registryService: no fact, a check-mode null, or a Service not created yet is a StateError', (t) => {
  t.throws(() => registryService(ctxFor('w1', {}, { hosts: { cp1: {} } })), { instanceOf: StateError, message: /registry_k8s/ });
  t.throws(() => registryService(withFact({ objects: null })), { instanceOf: StateError, message: /no cluster IP/ });
  t.throws(() => registryService(withFact({ objects: [service({})] })), { instanceOf: StateError, message: /no cluster IP/ });
});
