// Object storage (s3, gcs, azure) and the Redis cache: the objects the role renders, the variables it
// refuses, and that no credential reaches the ConfigMap.
import test from 'ava';
import { parse } from 'yaml';
import { Secret } from '../../src/secret.js';
import { plainSecrets } from '../../src/secret-vars.js';
import { k8sApplyVars } from '../../roles/k8s-apply/vars.js';
import { find, objects, revealed, vars } from './k8s-apply.fixture.js';
import type { K8sObject } from '../../src/resources/types.js';

const s3 = { bucket: 'images', region: 'us-east-1', regionendpoint: 'http://10.0.0.9:9000', accesskey: new Secret('AKIA-EXAMPLE'), secretkey: new Secret('s3-secret-key-value') };
const config = (list: K8sObject[]) => parse(Object.values(find(list, 'ConfigMap').data as Record<string, string>)[0]!) as Record<string, any>;
const configText = (list: K8sObject[]) => Object.values(find(list, 'ConfigMap').data as Record<string, string>)[0]!;
const container = (list: K8sObject[], name = 'registry') => (revealed(find(list, 'Deployment', name)) as any).spec.template.spec.containers[0];
const podSpec = (list: K8sObject[]) => (revealed(find(list, 'Deployment', 'registry')) as any).spec.template.spec;
const refusal = (overrides: Record<string, unknown>) => {
  const r = k8sApplyVars.safeParse(vars(overrides));
  return r.success ? undefined : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
};

test('s3: the driver in config.yml without credentials; the keys in a Secret, given to the registry as env; no volume', (t) => {
  const list = objects({ registry_storage_kind: 's3', registry_storage_s3: s3 });
  t.deepEqual(config(list).storage, { s3: { bucket: 'images', region: 'us-east-1', regionendpoint: 'http://10.0.0.9:9000' }, delete: { enabled: true }, cache: { blobdescriptor: 'inmemory' }, redirect: { disable: true } });
  t.false(configText(list).includes('AKIA-EXAMPLE'));
  t.false(configText(list).includes('s3-secret-key-value'));
  const secret = revealed(find(list, 'Secret', 'registry-storage'));
  t.deepEqual(Object.fromEntries(Object.entries(secret.data as Record<string, string>).map(([k, x]) => [k, Buffer.from(x, 'base64').toString()])), { 's3-accesskey': 'AKIA-EXAMPLE', 's3-secretkey': 's3-secret-key-value' });
  t.true(Object.values(find(list, 'Secret', 'registry-storage').data as object).every((x) => x instanceof Secret), 'the data are Secrets (masked in every report)');
  t.deepEqual(container(list).env, [
    // object storage is shared: the http.secret every replica shares comes first (k8s-apply-replicas.test.ts)
    { name: 'REGISTRY_HTTP_SECRET', valueFrom: { secretKeyRef: { name: 'registry-http-secret', key: 'http-secret' } } },
    { name: 'REGISTRY_STORAGE_S3_ACCESSKEY', valueFrom: { secretKeyRef: { name: 'registry-storage', key: 's3-accesskey' } } },
    { name: 'REGISTRY_STORAGE_S3_SECRETKEY', valueFrom: { secretKeyRef: { name: 'registry-storage', key: 's3-secretkey' } } },
  ]);
  t.false(list.some((o) => o.kind === 'PersistentVolumeClaim' || o.kind === 'PersistentVolume'));
  t.false(podSpec(list).volumes.some((v: any) => v.name === 'data'));
  t.false(container(list).volumeMounts.some((m: any) => m.name === 'data'));
});

test('s3: every parameter regplay accepts reaches the driver under its own name; redirect on when asked', (t) => {
  const all = { ...s3, forcepathstyle: true, encrypt: true, keyid: 'kms-key', secure: false, skipverify: true, v4auth: true, rootdirectory: '/reg', storageclass: 'REDUCED_REDUNDANCY', chunksize: 10485760 };
  const doc = config(objects({ registry_image: 'registry:3.1.1', registry_storage_kind: 's3', registry_storage_s3: all, registry_storage_redirect: true }));
  const { accesskey: _a, secretkey: _s, ...params } = all;
  t.deepEqual(doc.storage.s3, params);
  t.deepEqual(doc.storage.redirect, { disable: false });
});

test('s3: a new secret key restarts the registry (config hash), the same one does not', (t) => {
  const hash = (key: string) => (find(objects({ registry_storage_kind: 's3', registry_storage_s3: { ...s3, secretkey: new Secret(key) } }), 'Deployment', 'registry') as any).spec.template.metadata.annotations['regplay/config-hash'];
  t.is(hash('a'), hash('a'));
  t.not(hash('a'), hash('b'));
});

test('gcs: the key file is a Secret mounted where keyfile points; azure: the account key as env, credentials.type for 3.x only', (t) => {
  const gcs = objects({ registry_storage_kind: 'gcs', registry_storage_gcs: { bucket: 'images', keyfile: new Secret('{"type":"service_account"}') } });
  t.deepEqual(config(gcs).storage.gcs, { bucket: 'images', keyfile: '/etc/registry-gcs/gcs-keyfile.json' });
  t.like(podSpec(gcs).volumes.find((v: any) => v.name === 'storage-credentials'), { secret: { secretName: 'registry-storage', items: [{ key: 'gcs-keyfile.json', path: 'gcs-keyfile.json' }] } });
  t.deepEqual(container(gcs).volumeMounts.find((m: any) => m.name === 'storage-credentials'), { name: 'storage-credentials', mountPath: '/etc/registry-gcs', readOnly: true });
  t.deepEqual(container(gcs).env.map((e: any) => e.name), ['REGISTRY_HTTP_SECRET'], 'no credential as env, only the shared http.secret');

  const azure = { accountname: 'acct', accountkey: new Secret('YWNjb3VudGtleQ=='), container: 'images' };
  t.deepEqual(config(objects({ registry_storage_kind: 'azure', registry_storage_azure: azure })).storage.azure, { accountname: 'acct', container: 'images' });
  t.deepEqual(config(objects({ registry_image: 'registry:3.1.1', registry_storage_kind: 'azure', registry_storage_azure: azure })).storage.azure, { accountname: 'acct', container: 'images', credentials: { type: 'shared_key' } });
  t.deepEqual(container(objects({ registry_storage_kind: 'azure', registry_storage_azure: azure })).env.slice(1), [{ name: 'REGISTRY_STORAGE_AZURE_ACCOUNTKEY', valueFrom: { secretKeyRef: { name: 'registry-storage', key: 'azure-accountkey' } } }]);
});

test('filesystem kinds keep their exact config text and get no credentials Secret', (t) => {
  for (const kind of ['pvc', 'hostpath']) {
    const list = objects({ registry_storage_kind: kind });
    t.true(configText(list).startsWith('version: 0.1\nlog:\n  fields:\n    service: registry\nstorage:\n  filesystem:\n'), kind);
    t.false(list.some((o) => o.metadata.name === 'registry-storage'));
    t.is(container(list).env, undefined);
  }
});

test('object storage variables are refused with the reason', (t) => {
  t.regex(refusal({ registry_storage_kind: 's3' })!, /registry_storage_s3: is required when registry_storage_kind is s3/);
  t.regex(refusal({ registry_storage_kind: 's3', registry_storage_s3: { bucket: 'b' } })!, /registry_storage_s3\.region: Required/);
  t.regex(refusal({ registry_storage_kind: 's3', registry_storage_s3: { ...s3, bukcet: 'x' } })!, /Unrecognized key\(s\) in object: 'bukcet'/);
  t.regex(refusal({ registry_storage_kind: 's3', registry_storage_s3: { ...s3, secretkey: undefined } })!, /registry_storage_s3\.secretkey: must be set together/);
  t.regex(refusal({ registry_storage_kind: 's3', registry_storage_s3: { ...s3, keyid: 'k' } })!, /keyid: is ignored by the S3 driver unless encrypt is true/);
  t.regex(refusal({ registry_storage_kind: 's3', registry_storage_s3: { ...s3, forcepathstyle: false } })!, /forcepathstyle: cannot be false with registry 2\.x/);
  t.is(refusal({ registry_image: 'registry:3.1.1', registry_storage_kind: 's3', registry_storage_s3: { ...s3, forcepathstyle: false } }), undefined);
  t.regex(refusal({ registry_storage_kind: 's3', registry_storage_s3: { ...s3, regionendpoint: 'minio:9000' } })!, /regionendpoint: must be a URL/);
  t.regex(refusal({ registry_storage_kind: 's3', registry_storage_s3: { ...s3, chunksize: 1024 } })!, /chunksize: must be at least 5242880/);
  t.regex(refusal({ registry_storage_kind: 'gcs', registry_storage_gcs: { bucket: 'b', chunksize: 1000 } })!, /multiple of 262144/);
  t.regex(refusal({ registry_storage_kind: 'azure', registry_storage_azure: { accountname: 'a', container: 'images' } })!, /accountkey: is required: the storage account key/);
});

test('the credentials are secret variables: plain text is refused, named by their path', (t) => {
  t.deepEqual(plainSecrets('registry_storage_s3', { bucket: 'b', accesskey: 'AK', secretkey: 'SK' }).map((p) => p.path), ['registry_storage_s3.accesskey', 'registry_storage_s3.secretkey']);
  t.deepEqual(plainSecrets('registry_storage_s3', { bucket: 'b', accesskey: new Secret('AK'), secretkey: new Secret('SK') }), []);
  t.deepEqual(plainSecrets('registry_storage_gcs', { bucket: 'b', keyfile: '{}' }).map((p) => p.path), ['registry_storage_gcs.keyfile']);
  t.deepEqual(plainSecrets('registry_storage_azure', { accountkey: 'k' }).map((p) => p.path), ['registry_storage_azure.accountkey']);
  t.deepEqual(plainSecrets('registry_redis_password', 'pw').map((p) => p.path), ['registry_redis_password']);
});

test('redis external: the cache and the address in config.yml (2.x addr, 3.x addrs), the password as env from the Secret', (t) => {
  const v2 = objects({ registry_redis: 'external', registry_redis_addr: 'redis.example.internal:6379', registry_redis_password: new Secret('redis-pw-value') });
  t.is(config(v2).storage.cache.blobdescriptor, 'redis');
  t.like(config(v2).redis, { addr: 'redis.example.internal:6379', db: 0 });
  t.false(configText(v2).includes('redis-pw-value'));
  t.deepEqual(container(v2).env, [{ name: 'REGISTRY_REDIS_PASSWORD', valueFrom: { secretKeyRef: { name: 'registry-storage', key: 'redis-password' } } }]);
  t.like(config(v2).storage, { filesystem: { rootdirectory: '/var/lib/registry' } });
  const v3 = objects({ registry_image: 'registry:3.1.1', registry_redis: 'external', registry_redis_addr: 'redis.example.internal:6379' });
  t.deepEqual(config(v3).redis.addrs, ['redis.example.internal:6379']);
  t.is(config(v3).redis.addr, undefined);
  t.false(v3.some((o) => o.metadata.name === 'registry-storage'), 'no password: no Secret');
});

test('redis managed: a Deployment and Service of its own, the password on its stdin; refusals', (t) => {
  const list = objects({ registry_redis: 'managed', registry_redis_password: new Secret('redis-pw-value') });
  t.is(config(list).redis.addr, 'registry-redis.registry.svc:6379');
  const redis = container(list, 'registry-redis');
  t.is(redis.image, 'redis:7.2.7');
  t.false(JSON.stringify(redis.command).includes('redis-pw-value'));
  t.deepEqual(redis.env, [{ name: 'REDIS_PASSWORD', valueFrom: { secretKeyRef: { name: 'registry-storage', key: 'redis-password' } } }]);
  t.like(find(list, 'Service', 'registry-redis'), { spec: { selector: { 'app.kubernetes.io/name': 'registry-redis' }, ports: [{ port: 6379, targetPort: 6379 }] } });
  t.regex(refusal({ registry_redis: 'managed' })!, /registry_redis_password: is required when registry_redis is managed/);
  t.regex(refusal({ registry_redis: 'external' })!, /registry_redis_addr: is required when registry_redis is external/);
  t.regex(refusal({ registry_redis: 'none', registry_redis_addr: 'r:6379' })!, /registry_redis_addr: is only read when registry_redis is external/);
  t.regex(refusal({ registry_image: 'registry:3.0.0', registry_redis: 'external', registry_redis_addr: 'r:6379', registry_redis_password: new Secret('x') })!, /ignores REGISTRY_REDIS_PASSWORD/);
  t.is(refusal({ registry_image: 'registry:3.1.1', registry_redis: 'external', registry_redis_addr: 'r:6379', registry_redis_password: new Secret('x') }), undefined);
});
