import test from 'ava';
import { parse } from 'yaml';
import { Deployment } from 'kubernetes-models/apps/v1';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1';
import { ConfigMap, Namespace, PersistentVolume, PersistentVolumeClaim, Secret as K8sSecret, Service } from 'kubernetes-models/v1';
import type { K8sObject } from '../../src/resources/types.js';
import { isSecret, Secret } from '../../src/secret.js';
import { changedIds, crtPem, find, htpasswdAlice, htpasswdAliceBob, idOf, keyPem, objects, password, revealed, vars } from './k8s-apply.fixture.js';
import { pullSecretEntries, sharedNamespaces } from '../../roles/k8s-apply/objects.js';
import { k8sApplyVars } from '../../roles/k8s-apply/vars.js';
import { parseVars } from '../../roles/_shared/vars.js';

type Validator = new (o: never) => { validate(): void };
const models: Record<string, Validator> = {
  'v1/Namespace': Namespace,
  'v1/Secret': K8sSecret,
  'v1/ConfigMap': ConfigMap,
  'v1/Service': Service,
  'v1/PersistentVolume': PersistentVolume,
  'v1/PersistentVolumeClaim': PersistentVolumeClaim,
  'apps/v1/Deployment': Deployment,
  'networking.k8s.io/v1/Ingress': Ingress,
} as unknown as Record<string, Validator>;

function validateAll(list: K8sObject[]): void {
  for (const o of list) {
    const Model = models[`${o.apiVersion}/${o.kind}`];
    if (!Model) throw new Error(`no schema for ${o.apiVersion} ${o.kind}`);
    new Model(revealed(o) as never).validate();
  }
}

const variants: Array<[string, Record<string, unknown>]> = [
  ['pvc with the default storage class', {}],
  ['pvc with a storage class', { registry_storage_class: 'fast-ssd' }],
  ['hostpath PV + PVC', { registry_storage_kind: 'hostpath', registry_node_selector: { 'kubernetes.io/hostname': 'cp1' } }],
  ['nfs PV + PVC', { registry_storage_kind: 'nfs', registry_storage_nfs_server: '10.0.0.9', registry_storage_nfs_path: '/exports/registry' }],
  ['ingress, NodePort and external IPs', { registry_ingress: true, registry_node_port: 30500, registry_external_ips: ['10.0.0.5', '10.0.0.6'] }],
  ['registry 3 image, limits, two pull namespaces', { registry_image: 'registry:3.0.0', registry_resources: { requests: { cpu: '0.1', memory: '128Mi' }, limits: { memory: '1Gi' } }, registry_pull_namespaces: ['default', 'apps'] }],
  ['custom image with an explicit config path', { registry_image: 'mirror.example/registry@sha256:' + 'a'.repeat(64), registry_config_path: '/etc/registry/config.yml' }],
];

for (const [label, overrides] of variants) {
  test(`every object validates against the Kubernetes OpenAPI schema: ${label}`, (t) => {
    const list = objects(overrides);
    t.notThrows(() => validateAll(list));
    t.is(new Set(list.map(idOf)).size, list.length, 'no object is rendered twice');
  });
}

test('the schema validator does reject a malformed object (the checks above can fail)', (t) => {
  const deployment = structuredClone(revealed(find(objects(), 'Deployment'))) as unknown as { spec: { replicas: unknown } };
  deployment.spec.replicas = 'one';
  t.throws(() => new Deployment(deployment as never).validate(), { message: /spec\/replicas must be integer/ });
});

test('storage kinds give a PVC, or a PV + PVC bound to each other by name', (t) => {
  const pvc = objects({ registry_storage_class: 'fast-ssd' });
  t.false(pvc.some((o) => o.kind === 'PersistentVolume'));
  t.like(find(pvc, 'PersistentVolumeClaim').spec as object, { storageClassName: 'fast-ssd', resources: { requests: { storage: '10Gi' } } });

  const host = objects({ registry_storage_kind: 'hostpath', registry_storage_host_path: '/srv/registry' });
  t.like(find(host, 'PersistentVolume').spec as object, { hostPath: { path: '/srv/registry' }, storageClassName: '', capacity: { storage: '10Gi' } });
  t.like(find(host, 'PersistentVolumeClaim').spec as object, { volumeName: 'registry-data', storageClassName: '' });
  // pre-bound both ways: the PV names its claim, the claim its PV
  const rebuilt = objects({ registry_storage_kind: 'hostpath', registry_namespace: 'images', registry_storage_pvc: 'store', registry_storage_pv: 'store-pv' });
  t.deepEqual((find(rebuilt, 'PersistentVolume').spec as any).claimRef, { namespace: 'images', name: 'store' });
  t.is((find(rebuilt, 'PersistentVolumeClaim').spec as any).volumeName, 'store-pv');

  const nfs = objects({ registry_storage_kind: 'nfs', registry_storage_nfs_server: 'nas.lan', registry_storage_nfs_path: '/exports/registry' });
  t.like(find(nfs, 'PersistentVolume').spec as object, { nfs: { server: 'nas.lan', path: '/exports/registry' } });
  t.is(find(nfs, 'PersistentVolume').metadata.namespace, undefined, 'a PV is cluster-scoped');
});

test('the Deployment is one replica, Recreate, ready on GET / over HTTPS, alive on a TCP connection, on the pinned image', (t) => {
  const spec = find(objects(), 'Deployment').spec as any;
  t.is(spec.replicas, 1);
  t.deepEqual(spec.strategy, { type: 'Recreate' });
  const c = spec.template.spec.containers[0];
  t.is(c.image, 'registry:2.8.3');
  t.deepEqual(c.readinessProbe.httpGet, { path: '/', port: 5000, scheme: 'HTTPS' });
  // a storage outage (503 on /) makes the pod unready, not a restart loop
  t.deepEqual([c.livenessProbe.httpGet, c.livenessProbe.tcpSocket], [undefined, { port: 5000 }]);
  t.deepEqual(c.resources.requests, { cpu: '50m', memory: '64Mi' });
  t.deepEqual(spec.selector.matchLabels, spec.template.metadata.labels);
  t.deepEqual(find(objects(), 'Service').spec && (find(objects(), 'Service').spec as any).selector, spec.selector.matchLabels);
});

test('the config is mounted where the image reads it: 2.x /etc/docker/registry, 3.x /etc/distribution, else given + passed as argument', (t) => {
  const mountOf = (list: K8sObject[]) => {
    const pod = (find(list, 'Deployment').spec as any).template.spec;
    const mount = pod.containers[0].volumeMounts.find((m: any) => m.name === 'config');
    return { dir: mount.mountPath, keys: Object.keys(find(list, 'ConfigMap').data as object), args: pod.containers[0].args };
  };
  t.deepEqual(mountOf(objects({ registry_image: 'registry:2.8.3' })), { dir: '/etc/docker/registry', keys: ['config.yml'], args: undefined });
  t.deepEqual(mountOf(objects({ registry_image: 'registry:3.0.0' })), { dir: '/etc/distribution', keys: ['config.yml'], args: undefined });
  t.deepEqual(mountOf(objects({ registry_image: 'registry' })), { dir: '/etc/distribution', keys: ['config.yml'], args: undefined });
  t.deepEqual(mountOf(objects({ registry_image: 'reg.example/registry:2' })), { dir: '/etc/docker/registry', keys: ['config.yml'], args: undefined });
  t.deepEqual(mountOf(objects({ registry_image: 'custom:edge', registry_config_path: '/etc/registry/registry.yml' })), { dir: '/etc/registry', keys: ['registry.yml'], args: ['/etc/registry/registry.yml'] });
});

test('config.yml names files that the Secret volumes really provide (TLS, htpasswd) and enables delete + health checks', (t) => {
  const list = objects({ registry_port: 5443 });
  const config = parse(Object.values(find(list, 'ConfigMap').data as Record<string, string>)[0]!);
  t.is(config.version, 0.1);
  t.is(config.http.addr, ':5443');
  t.true(config.storage.delete.enabled);
  t.is(config.storage.filesystem.rootdirectory, '/var/lib/registry');
  t.true(config.health.storagedriver.enabled);
  t.is(config.auth.htpasswd.realm, 'Registry Realm');

  const pod = (find(list, 'Deployment').spec as any).template.spec;
  const fileOf = (path: string): { secret: string; key: string } => {
    const mount = pod.containers[0].volumeMounts.find((m: any) => path.startsWith(`${m.mountPath}/`));
    const volume = pod.volumes.find((v: any) => v.name === mount.name);
    return { secret: volume.secret.secretName, key: path.slice(mount.mountPath.length + 1) };
  };
  for (const [path, secret] of [[config.http.tls.certificate, 'registry-tls'], [config.http.tls.key, 'registry-tls'], [config.auth.htpasswd.path, 'registry-auth']] as const) {
    const { secret: mounted, key } = fileOf(path);
    t.is(mounted, secret, `${path} comes from ${secret}`);
    t.true(key in (find(list, 'Secret', secret).data as object), `${secret} has key ${key}`);
  }
  const data = pod.containers[0].volumeMounts.find((m: any) => m.name === 'data');
  t.is(data.mountPath, config.storage.filesystem.rootdirectory);
  t.is(pod.containers[0].ports[0].containerPort, 5443);
});

test('Secrets hold base64 of the certificate, key and htpasswd file, the secret ones as Secret instances', (t) => {
  const list = objects();
  const tls = find(list, 'Secret', 'registry-tls');
  t.is(tls.type, 'kubernetes.io/tls');
  const data = tls.data as Record<string, unknown>;
  t.is(Buffer.from(String(data['tls.crt']), 'base64').toString(), crtPem);
  t.true(isSecret(data['tls.key']));
  t.is(Buffer.from((data['tls.key'] as Secret).reveal(), 'base64').toString(), keyPem);
  const auth = (find(list, 'Secret', 'registry-auth').data as Record<string, Secret>).htpasswd!;
  t.true(isSecret(auth));
  t.is(Buffer.from(auth.reveal(), 'base64').toString(), htpasswdAlice);
});

test('the pull Secret decodes to the registry address, user and password, in every pull namespace; the default ServiceAccount gets it as a list entry', (t) => {
  const list = objects({ registry_name: 'reg.lab', registry_port: 5443, registry_pull_namespaces: ['default', 'apps'] });
  for (const ns of ['default', 'apps']) {
    const secret = find(list, 'Secret', 'regcred', ns);
    t.is(secret.type, 'kubernetes.io/dockerconfigjson');
    const value = (secret.data as Record<string, unknown>)['.dockerconfigjson'];
    t.true(isSecret(value));
    const decoded = JSON.parse(Buffer.from((value as Secret).reveal(), 'base64').toString());
    t.deepEqual(decoded, { auths: { 'reg.lab:5443': { username: 'alice', password, auth: Buffer.from(`alice:${password}`).toString('base64') } } });
    t.truthy(find(list, 'Namespace', ns));
  }
  t.false(list.some((o) => o.kind === 'ServiceAccount'), 'the ServiceAccounts are the user\'s: not objects of the registry');
  const v = parseVars('k8s-apply', k8sApplyVars, vars({ registry_name: 'reg.lab', registry_port: 5443, registry_pull_namespaces: ['default', 'apps', 'apps'] }));
  t.deepEqual(pullSecretEntries(v), [
    { apiVersion: 'v1', kind: 'ServiceAccount', name: 'default', field: 'imagePullSecrets', key: 'name', refersTo: 'Secret', entries: { default: ['regcred'], apps: ['regcred'] } },
  ]);
  t.deepEqual(sharedNamespaces(v), [{ kind: 'Namespace', name: 'default' }, { kind: 'Namespace', name: 'apps' }], 'pull namespaces are never pruned');
});

test('the pull Secret uses registry_pull_user when given', (t) => {
  const list = objects({ registry_users: [{ name: 'alice', password: new Secret(password) }, { name: 'puller', password: new Secret('puller-pw-xyz') }], registry_pull_user: 'puller' });
  const value = (find(list, 'Secret', 'regcred').data as Record<string, Secret>)['.dockerconfigjson']!;
  const auths = JSON.parse(Buffer.from(value.reveal(), 'base64').toString()).auths;
  t.is(auths['registry.local:5000'].username, 'puller');
  t.is(auths['registry.local:5000'].password, 'puller-pw-xyz');
});

test('Service: ClusterIP by default; NodePort and externalIPs only when asked', (t) => {
  const plain = find(objects(), 'Service').spec as any;
  t.is(plain.type, 'ClusterIP');
  t.is(plain.externalIPs, undefined);
  t.is(plain.ports[0].nodePort, undefined);
  t.false(objects().some((o) => o.kind === 'Ingress'));
  const all = objects({ registry_node_port: 30500, registry_external_ips: ['10.0.0.5'], registry_ingress: true });
  const spec = find(all, 'Service').spec as any;
  t.is(spec.type, 'NodePort');
  t.is(spec.ports[0].nodePort, 30500);
  t.deepEqual(spec.externalIPs, ['10.0.0.5']);
  const ingress = find(all, 'Ingress') as any;
  t.is(ingress.spec.ingressClassName, 'nginx');
  t.is(ingress.metadata.annotations['nginx.ingress.kubernetes.io/proxy-body-size'], '0');
  t.deepEqual(ingress.spec.tls, [{ hosts: ['registry.local'], secretName: 'registry-tls' }]);
});

test('rendering twice from the same inputs gives identical objects (the config hash is stable)', (t) => {
  t.deepEqual(changedIds(objects(), objects()), []);
  t.deepEqual(JSON.stringify(revealed(objects())), JSON.stringify(revealed(objects())));
});

test('a new user changes exactly the htpasswd Secret and the Deployment (restart through the config hash)', (t) => {
  const users2 = [{ name: 'alice', password: new Secret(password) }, { name: 'bob', password: new Secret('bob-pw-456') }];
  const after = objects({ registry_users: users2 }, { htpasswd: new Secret(htpasswdAliceBob) });
  t.deepEqual(changedIds(objects(), after), ['Deployment registry/registry', 'Secret registry/registry-auth']);
});

test('a new storage size changes exactly the storage objects', (t) => {
  t.deepEqual(changedIds(objects(), objects({ registry_storage_size: '20Gi' })), ['PersistentVolumeClaim registry/registry-data']);
  const host = { registry_storage_kind: 'hostpath' };
  t.deepEqual(changedIds(objects(host), objects({ ...host, registry_storage_size: '20Gi' })), ['PersistentVolume registry-data', 'PersistentVolumeClaim registry/registry-data']);
});

test('a new pull password changes exactly the pull Secrets', (t) => {
  const after = objects({ registry_users: [{ name: 'alice', password: new Secret('a-new-password') }], registry_pull_namespaces: ['default', 'apps'] });
  t.deepEqual(changedIds(objects({ registry_pull_namespaces: ['default', 'apps'] }), after), ['Secret apps/regcred', 'Secret default/regcred']);
});

test('a renewed certificate changes exactly the TLS Secret and the Deployment', (t) => {
  const after = objects({}, { tls: { crt: crtPem.replace('fake', 'renewed'), key: new Secret(keyPem.replace('fake', 'renewed')) } });
  t.deepEqual(changedIds(objects(), after), ['Deployment registry/registry', 'Secret registry/registry-tls']);
});

test('a new image changes exactly the Deployment; a new port the ConfigMap, Deployment, Service and pull Secret', (t) => {
  t.deepEqual(changedIds(objects(), objects({ registry_image: 'registry:2.8.2' })), ['Deployment registry/registry']);
  t.deepEqual(changedIds(objects(), objects({ registry_port: 5443 })), ['ConfigMap registry/registry-config', 'Deployment registry/registry', 'Secret default/regcred', 'Service registry/registry']);
});

test('hostile variable values cannot change the YAML structure', (t) => {
  const list = objects({ registry_auth_realm: 'x"\n  evil: [1]\n# ' });
  const config = parse(String((find(list, 'ConfigMap').data as Record<string, string>)['config.yml']));
  t.is(config.auth.htpasswd.realm, 'x"\n  evil: [1]\n# ');
  // A node selector is a set of labels: YAML syntax in one is no label, refused before rendering.
  t.throws(() => objects({ registry_node_selector: { 'a: b': 'c\nd: e' } }), { message: /must be a label key/ });
});

test('hostpath: the PV has required node affinity to the storage node, and the pod a node selector for it next to the user\'s', (t) => {
  const list = objects({ registry_storage_kind: 'hostpath', registry_node_selector: { disktype: 'ssd' } }, { storageNode: 'node-7' });
  t.deepEqual((find(list, 'PersistentVolume').spec as any).nodeAffinity, { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['node-7'] }] }] } });
  t.deepEqual((find(list, 'Deployment').spec as any).template.spec.nodeSelector, { disktype: 'ssd', 'kubernetes.io/hostname': 'node-7' });
  const nfs = objects({ registry_storage_kind: 'nfs', registry_storage_nfs_server: '10.0.0.9', registry_storage_nfs_path: '/exports/registry' }, { storageNode: 'node-7' });
  t.is((find(nfs, 'PersistentVolume').spec as any).nodeAffinity, undefined, 'an NFS export is reachable from every node');
  t.is((find(nfs, 'Deployment').spec as any).template.spec.nodeSelector, undefined);
});
