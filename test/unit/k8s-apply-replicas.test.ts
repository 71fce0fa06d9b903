// registry_replicas, the shared http.secret, the rollout strategy, the disruption budget, metrics and
// registry_config_extra: what k8s-apply renders and refuses (the lab proof is
// test/integration/k8s-replicas.test.ts).
import test from 'ava';
import { Secret } from '../../src/secret.js';
import { parse } from 'yaml';
import { compareK8s } from '../../src/engine/kinds/k8s.js';
import type { K8sObject, K8sState } from '../../src/resources/types.js';
import k8sApply from '../../roles/k8s-apply/index.js';
import { configExtraClash, deepMerge } from '../../roles/k8s-apply/config-extra.js';
import { storageSharing } from '../../roles/k8s-apply/replicas.js';
import { ctxFor, find, objects, revealed, vars } from './k8s-apply.fixture.js';

const NFS = { registry_storage_kind: 'nfs', registry_storage_nfs_server: 'nas.lab', registry_storage_nfs_path: '/exports/registry' };
const SHARED = { ...NFS, registry_storage_access_mode: 'ReadWriteMany' };
const spec = (o: K8sObject) => o.spec as any;
const configOf = (list: K8sObject[]) => parse(Object.values(find(list, 'ConfigMap').data as Record<string, string>)[0]!);

const refused: Array<[string, Record<string, unknown>, RegExp]> = [
  ['two replicas on the default pvc (ReadWriteOnce)', { registry_replicas: 2 }, /registry_replicas = 2: needs storage shared by every replica, and the pvc claim is ReadWriteOnce.*registry_storage_access_mode: ReadWriteMany/],
  ['two replicas on nfs declared ReadWriteOnce', { ...NFS, registry_replicas: 2 }, /registry_replicas = 2: .*NFS volume and its claim are declared ReadWriteOnce/],
  ['two replicas on hostpath', { registry_storage_kind: 'hostpath', registry_replicas: 3 }, /registry_replicas = 3: .*hostpath volume is one node's directory/],
  ['hostpath declared ReadWriteMany', { registry_storage_kind: 'hostpath', registry_storage_access_mode: 'ReadWriteMany' }, /registry_storage_access_mode = "ReadWriteMany": cannot be ReadWriteMany with registry_storage_kind hostpath/],
  ['zero replicas', { registry_replicas: 0 }, /registry_replicas = 0: must be a whole number >= 1/],
  ['metrics on the registry port', { registry_metrics: true, registry_metrics_port: 5000 }, /registry_metrics_port = 5000: must differ from registry_port/],
  ['config_extra setting http.secret (its value never shown)', { registry_config_extra: { http: { secret: 'sekrit-value' } } }, /registry_config_extra\.http = \(a mapping\): sets http\.secret: regplay writes http\.secret itself \(from the shared Secret registry_http_secret/],
  ['config_extra setting the TLS key', { registry_config_extra: { http: { tls: { key: '/k' } } } }, /registry_config_extra\.http = \(a mapping\): sets http\.tls: regplay writes http\.tls itself/],
  ['config_extra replacing http whole', { registry_config_extra: { http: null } }, /registry_config_extra = \(a mapping\): replaces http, which holds http\.addr/],
  ['config_extra storage', { registry_config_extra: { storage: { s3: {} } } }, /registry_config_extra = \(a mapping\): sets storage: regplay writes storage itself/],
  ['config_extra auth under a deeper key', { registry_config_extra: { auth: { token: { realm: 'x' } } } }, /registry_config_extra = \(a mapping\): sets auth:/],
  ['config_extra holding a secret (!env): never written into the ConfigMap', { registry_config_extra: { notifications: { endpoints: [{ name: 'a', headers: { Authorization: [new Secret('sekrit-value')] } }] } } }, /registry_config_extra\.notifications\.endpoints\.0\.headers\.Authorization = \(a list\): holds a secret at notifications\.endpoints\.0\.headers\.Authorization\.0/],
  ['config_extra that is not a mapping', { registry_config_extra: ['proxy'] }, /registry_config_extra = \(a list\): must be a mapping/],
];
for (const [label, overrides, message] of refused) {
  test(`refused before any change: ${label}`, (t) => {
    const e = t.throws(() => k8sApply.validate!(vars(overrides)));
    t.regex(e?.message ?? '', message);
    t.is(e?.name, 'InputError');
    t.false(e?.message.includes('sekrit-value'));
  });
}

test('storageSharing: shared for object storage and for ReadWriteMany on nfs or pvc', (t) => {
  for (const kind of ['s3', 'gcs', 'azure'] as const) t.true(storageSharing({ registry_storage_kind: kind, registry_storage_access_mode: 'ReadWriteOnce' }).shared, kind);
  t.true(storageSharing({ registry_storage_kind: 'nfs', registry_storage_access_mode: 'ReadWriteMany' }).shared);
  t.true(storageSharing({ registry_storage_kind: 'pvc', registry_storage_access_mode: 'ReadWriteMany' }).shared);
  t.false(storageSharing({ registry_storage_kind: 'pvc', registry_storage_access_mode: 'ReadWriteOnce' }).shared);
  t.false(storageSharing({ registry_storage_kind: 'hostpath', registry_storage_access_mode: 'ReadWriteOnce' }).shared);
});

test('one replica on ReadWriteOnce storage: Recreate, no spread, no budget, no http secret (its objects as before)', (t) => {
  const list = objects();
  const d = spec(find(list, 'Deployment'));
  t.is(d.replicas, 1);
  t.deepEqual(d.strategy, { type: 'Recreate' });
  t.is(d.template.spec.topologySpreadConstraints, undefined);
  t.is(d.template.spec.containers[0].env, undefined);
  t.false(list.some((o) => o.kind === 'PodDisruptionBudget' || o.metadata.name === 'registry-http-secret'));
  t.is(spec(find(list, 'PersistentVolumeClaim')).accessModes[0], 'ReadWriteOnce');
});

test('shared storage: RollingUpdate with maxUnavailable 0, spread across nodes; ReadWriteMany claim and PV', (t) => {
  const list = objects(SHARED);
  const d = spec(find(list, 'Deployment'));
  t.deepEqual(d.strategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } });
  t.deepEqual(d.template.spec.topologySpreadConstraints, [{ maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: { 'app.kubernetes.io/name': 'registry' } } }]);
  t.deepEqual(spec(find(list, 'PersistentVolume')).accessModes, ['ReadWriteMany']);
  t.deepEqual(spec(find(list, 'PersistentVolumeClaim')).accessModes, ['ReadWriteMany']);
  t.false(list.some((o) => o.kind === 'PodDisruptionBudget'), 'one replica: no budget');
  t.deepEqual(d.template.spec.containers[0].env, [{ name: 'REGISTRY_HTTP_SECRET', valueFrom: { secretKeyRef: { name: 'registry-http-secret', key: 'http-secret' } } }]);
  const secret = find(list, 'Secret', 'registry-http-secret', 'registry');
  t.is(Buffer.from(revealed(secret.data as Record<string, string>)['http-secret']!, 'base64').toString().length, 64);
  t.false(JSON.stringify(revealed(find(list, 'ConfigMap'))).includes(revealed(secret.data as Record<string, string>)['http-secret']!), 'the http secret is not in the ConfigMap');
});

test('scale-out 1 → 3 on shared storage changes only spec.replicas and adds a PodDisruptionBudget (no new pod template: no rollout)', (t) => {
  const one = objects(SHARED);
  const three = objects({ ...SHARED, registry_replicas: 3 });
  const d1 = find(one, 'Deployment');
  const d3 = find(three, 'Deployment');
  t.is(spec(d3).replicas, 3);
  t.deepEqual(spec(d3).template, spec(d1).template);
  const pdb = find(three, 'PodDisruptionBudget', 'registry', 'registry');
  t.is(pdb.apiVersion, 'policy/v1');
  t.deepEqual(pdb.spec, { maxUnavailable: 1, selector: { matchLabels: { 'app.kubernetes.io/name': 'registry' } } });
  const others = (l: K8sObject[]) => JSON.stringify(revealed(l.filter((o) => o.kind !== 'Deployment' && o.kind !== 'PodDisruptionBudget')));
  t.is(others(three), others(one));
});

test('the http secret Secret is create-only: a live Secret keeps its value (a fresh clone with another random value plans no change)', (t) => {
  const k8s = k8sApply.plan(ctxFor('cp1', vars(SHARED)))[0] as K8sState;
  t.deepEqual(k8s.createOnly?.find((c) => c.kind === 'Secret'), { kind: 'Secret', namespace: 'registry', name: 'registry-http-secret', path: ['data'] });
  const desired = k8s.objects.find((o) => o.kind === 'Secret' && o.metadata.name === 'registry-http-secret')!;
  const live = { ...revealed(desired), data: { 'http-secret': Buffer.from('the-value-generated-by-an-earlier-run').toString('base64') } };
  const [p] = compareK8s([desired], [live], k8s.createOnly);
  t.deepEqual(p!.fields, []);
  const [fresh] = compareK8s([desired], [], k8s.createOnly);
  t.is(fresh!.live, undefined, 'no live Secret: created with the generated value');
  const again = k8sApply.plan(ctxFor('cp1', vars(SHARED)))[0] as K8sState;
  const value = (s: K8sState) => revealed(s.objects.find((o) => o.metadata.name === 'registry-http-secret')!.data as Record<string, string>)['http-secret'];
  t.not(value(again), value(k8s), 'each plan makes a new candidate: only create-only keeps runs stable');
  const configMap = (s: K8sState) => JSON.stringify(s.objects.find((o) => o.kind === 'ConfigMap'));
  t.is(configMap(again), configMap(k8s));
  const template = (s: K8sState) => JSON.stringify((s.objects.find((o) => o.kind === 'Deployment')!.spec as any).template);
  t.is(template(again), template(k8s), 'the pod template does not depend on the candidate value: no rollout');
});

test('metrics: http.debug with Prometheus on its own port, a container port and a Service port named metrics', (t) => {
  const list = objects({ registry_metrics: true, registry_metrics_port: 5001 });
  t.deepEqual(configOf(list).http.debug, { addr: ':5001', prometheus: { enabled: true, path: '/metrics' } });
  t.deepEqual(spec(find(list, 'Deployment')).template.spec.containers[0].ports[1], { name: 'metrics', containerPort: 5001, protocol: 'TCP' });
  t.deepEqual(spec(find(list, 'Service')).ports[1], { name: 'metrics', protocol: 'TCP', port: 5001, targetPort: 5001 });
  const off = objects();
  t.is(configOf(off).http.debug, undefined);
  t.is(spec(find(off, 'Service')).ports.length, 1);
});

test('registry_config_extra is deep-merged: new sections and keys added, regplay\'s keys kept', (t) => {
  const extra = { proxy: { remoteurl: 'https://registry-1.docker.io' }, notifications: { endpoints: [{ name: 'audit', url: 'https://audit.lab/events' }] }, http: { headers: { 'X-Frame-Options': ['DENY'] } }, log: { level: 'debug' } };
  const config = configOf(objects({ registry_config_extra: extra }));
  const plain = configOf(objects());
  t.deepEqual(config.proxy, extra.proxy);
  t.deepEqual(config.notifications, extra.notifications);
  t.deepEqual(config.http.headers, { 'X-Content-Type-Options': ['nosniff'], 'X-Frame-Options': ['DENY'] });
  t.deepEqual(config.log, { level: 'debug', fields: { service: 'registry' } });
  for (const key of ['storage', 'auth', 'health', 'version'] as const) t.deepEqual(config[key], plain[key]);
  t.deepEqual(config.http.tls, plain.http.tls);
  t.is(config.http.addr, plain.http.addr);
  t.is(JSON.stringify(configOf(objects({ registry_config_extra: {} }))), JSON.stringify(plain));
});

test('configExtraClash / deepMerge', (t) => {
  t.is(configExtraClash({ proxy: { remoteurl: 'x' }, http: { headers: {} } }), undefined);
  t.deepEqual(configExtraClash({ http: { debug: { addr: ':1' } } }), { at: 'http.debug', owned: 'http.debug' });
  t.deepEqual(configExtraClash({ health: { storagedriver: { enabled: false } } }), { at: 'health.storagedriver', owned: 'health.storagedriver' });
  t.is(configExtraClash({ health: { other: 1 } }), undefined);
  t.deepEqual(deepMerge({ a: { b: 1, c: [1] } }, { a: { c: [2], d: 3 } }), { a: { b: 1, c: [2], d: 3 } });
});
