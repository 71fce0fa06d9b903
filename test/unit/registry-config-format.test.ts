// The registry's config.yml checked against distribution's configuration reference, for the 2.8
// binary the lab runs for real and for 3.x, which the lab does NOT run: for 3.x this is a
// format test (the rendered keys, their types and the required ones, against the reference),
// not a run. The tables are the subset of the reference a config of ours can touch, read from
// distribution's sources at the tags named (configuration/configuration.go, the storage keys of
// registry/handlers/app.go, registry/auth/htpasswd/access.go, the filesystem driver's parameters)
// and docs/content/about/configuration.md (3.0.0) / docs/configuration.md (2.8.3).
import test from 'ava';
import { parse } from 'yaml';
import { configLocation } from '../../roles/k8s-apply/image.js';
import { Secret } from '../../src/secret.js';
import { find, objects } from './k8s-apply.fixture.js';

interface Reference {
  tag: string;
  commit: string;
  /** Dotted key paths a config may set; `*` is any one key (headers, log fields). */
  keys: string[];
  /** The storage drivers the binary has: exactly one must be configured. */
  drivers: string[];
}

const common = [
  'version',
  'log.accesslog.disabled', 'log.level', 'log.formatter', 'log.fields.*',
  'storage.filesystem.rootdirectory', 'storage.filesystem.maxthreads',
  'storage.delete.enabled',
  'storage.cache.blobdescriptor', 'storage.cache.blobdescriptorsize',
  'storage.maintenance.uploadpurging.enabled', 'storage.maintenance.uploadpurging.age', 'storage.maintenance.uploadpurging.interval', 'storage.maintenance.uploadpurging.dryrun', 'storage.maintenance.readonly.enabled',
  'storage.redirect.disable',
  'http.addr', 'http.net', 'http.host', 'http.prefix', 'http.secret', 'http.relativeurls', 'http.draintimeout', 'http.headers.*',
  'http.tls.certificate', 'http.tls.key', 'http.tls.clientcas', 'http.tls.minimumtls', 'http.tls.ciphersuites',
  'http.debug.addr', 'http.debug.prometheus.enabled', 'http.debug.prometheus.path', 'http.http2.disabled',
  'auth.htpasswd.realm', 'auth.htpasswd.path',
  'health.storagedriver.enabled', 'health.storagedriver.interval', 'health.storagedriver.threshold',
];

// The object storage drivers' parameters (registry/storage/driver/{s3-aws,gcs,azure}) and the redis
// section (configuration.go: 2.x a struct with addr and pool, 3.x go-redis UniversalOptions inline).
const prefixed = (prefix: string, names: string[]) => names.map((n) => `${prefix}.${n}`);
const s3v2 = ['accesskey', 'secretkey', 'region', 'regionendpoint', 'bucket', 'encrypt', 'keyid', 'secure', 'skipverify', 'v4auth', 'chunksize', 'multipartcopychunksize', 'multipartcopymaxconcurrency', 'multipartcopythresholdsize', 'rootdirectory', 'storageclass', 'useragent', 'objectacl'];
const gcs = ['bucket', 'keyfile', 'rootdirectory', 'chunksize', 'maxconcurrency'];
const v2Keys = [
  ...prefixed('storage.s3', s3v2),
  ...prefixed('storage.gcs', gcs),
  ...prefixed('storage.azure', ['accountname', 'accountkey', 'container', 'realm']),
  ...prefixed('redis', ['addr', 'password', 'db', 'dialtimeout', 'readtimeout', 'writetimeout', 'pool.maxidle', 'pool.maxactive', 'pool.idletimeout']),
];
const v3Keys = [
  ...prefixed('storage.s3', [...s3v2, 'forcepathstyle', 'usedualstack', 'accelerate', 'loglevel']),
  ...prefixed('storage.gcs', [...gcs, 'useragent']),
  ...prefixed('storage.azure', ['accountname', 'accountkey', 'container', 'realm', 'rootdirectory', 'serviceurl', 'connectionstring', 'max_retries', 'retry_delay', 'skipverify', 'credentials.type', 'credentials.clientid', 'credentials.tenantid', 'credentials.secret']),
  ...prefixed('redis', ['addrs', 'password', 'db', 'dialtimeout', 'readtimeout', 'writetimeout', 'poolsize', 'minidleconns', 'maxidleconns', 'connmaxidletime', 'tls.certificate', 'tls.key', 'tls.clientcas']),
];

const references: Reference[] = [
  {
    tag: 'v2.8.3',
    commit: '4772604ae973031ab32dd9805a4bccf61d94909f',
    keys: [...common, ...v2Keys, 'reporting.bugsnag.apikey', 'compatibility.schema1.enabled'],
    drivers: ['filesystem', 'inmemory', 'azure', 'gcs', 's3', 'swift', 'oss'],
  },
  {
    // 3.0 removed reporting (bugsnag, newrelic), compatibility.schema1 and the swift and oss drivers;
    // added http.tls.clientauth, http.h2c, storage.tag. The keys of ours are the same in both.
    tag: 'v3.0.0',
    commit: '9ed95e7365224025ee89365e12cf128e1f1bf965',
    keys: [...common, ...v3Keys, 'http.tls.clientauth', 'http.h2c.enabled', 'storage.tag.concurrencylimit'],
    drivers: ['filesystem', 'inmemory', 'azure', 'gcs', 's3'],
  },
];

function leaves(value: unknown, prefix = ''): Array<[string, unknown]> {
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    return Object.entries(value).flatMap(([k, v]) => leaves(v, prefix ? `${prefix}.${k}` : k));
  }
  return [[prefix, value]];
}

const allowed = (ref: Reference, path: string) => ref.keys.some((k) => (k.endsWith('.*') ? path.startsWith(k.slice(0, -1)) && !path.slice(k.length - 1).includes('.') : k === path));
const GO_DURATION = /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/;

/** What the reference says is wrong with `doc`, or [] (the checks that follow must be able to fail). */
function problems(ref: Reference, doc: Record<string, any>): string[] {
  const out: string[] = [];
  for (const [path] of leaves(doc)) if (!allowed(ref, path)) out.push(`${path}: not a key of distribution ${ref.tag}`);
  // Version is a Go string: yaml.v2 takes the scalar's text, so `0.1` unquoted (as in upstream's own examples) is "0.1"
  if (String(doc.version) !== '0.1') out.push('version must be 0.1');
  const drivers = Object.keys(doc.storage ?? {}).filter((k) => !['delete', 'cache', 'maintenance', 'redirect', 'tag'].includes(k));
  if (drivers.length !== 1 || !ref.drivers.includes(drivers[0]!)) out.push(`storage needs exactly one driver of ${ref.drivers.join(', ')}: got ${drivers.join(', ') || 'none'}`);
  if (doc.storage?.delete && typeof doc.storage.delete.enabled !== 'boolean') out.push('storage.delete.enabled must be a boolean');
  if (doc.storage?.cache?.blobdescriptor && !['inmemory', 'redis'].includes(doc.storage.cache.blobdescriptor)) out.push('storage.cache.blobdescriptor must be inmemory or redis');
  if (doc.storage?.cache?.blobdescriptor === 'redis' && !(ref.tag.startsWith('v2') ? typeof doc.redis?.addr === 'string' : Array.isArray(doc.redis?.addrs))) out.push(`blobdescriptor redis needs redis.${ref.tag.startsWith('v2') ? 'addr' : 'addrs (a list)'}`);
  if (doc.storage?.s3 && !(doc.storage.s3.bucket && doc.storage.s3.region)) out.push('storage.s3 needs bucket and region');
  if (doc.storage?.azure?.credentials && doc.storage.azure.credentials.type !== 'shared_key') out.push('storage.azure.credentials.type must be shared_key with an account key');
  if (ref.tag.startsWith('v3') && doc.storage?.azure && !doc.storage.azure.credentials) out.push('storage.azure needs credentials.type in 3.x');
  const htpasswd = doc.auth?.htpasswd;
  if (htpasswd && (typeof htpasswd.realm !== 'string' || typeof htpasswd.path !== 'string')) out.push('auth.htpasswd needs both realm and path (strings)');
  if (Boolean(doc.http?.tls?.certificate) !== Boolean(doc.http?.tls?.key)) out.push('http.tls needs certificate and key together');
  const sd = doc.health?.storagedriver;
  if (sd && (!GO_DURATION.test(String(sd.interval)) || !Number.isInteger(sd.threshold))) out.push('health.storagedriver: interval a Go duration, threshold an integer');
  for (const [path, v] of leaves(doc.http?.headers ?? {}, 'http.headers')) if (!Array.isArray(v)) out.push(`${path} must be a list of strings`);
  return out;
}

const rendered = (image: string, overrides: Record<string, unknown> = {}) => {
  const file = configLocation(image).path.split('/').pop()!;
  return parse((find(objects({ registry_image: image, ...overrides }), 'ConfigMap').data as Record<string, string>)[file]!) as Record<string, any>;
};

/** A variant of every storage kind and the cache (credentials are Secrets: they never reach the config). */
const storageVariants: Record<string, Record<string, unknown>> = {
  pvc: { registry_storage_kind: 'pvc' },
  hostpath: { registry_storage_kind: 'hostpath' },
  nfs: { registry_storage_kind: 'nfs', registry_storage_nfs_server: 'nfs.example.internal', registry_storage_nfs_path: '/export/registry' },
  s3: { registry_storage_kind: 's3', registry_storage_s3: { bucket: 'images', region: 'us-east-1', regionendpoint: 'http://s3.example.internal:9000', encrypt: true, keyid: 'k', secure: false, v4auth: true, rootdirectory: '/r', storageclass: 'STANDARD', chunksize: 5242880, accesskey: new Secret('AK'), secretkey: new Secret('SK') } },
  gcs: { registry_storage_kind: 'gcs', registry_storage_gcs: { bucket: 'images', keyfile: new Secret('{}'), rootdirectory: '/r', chunksize: 5242880 } },
  azure: { registry_storage_kind: 'azure', registry_storage_azure: { accountname: 'acct', accountkey: new Secret('a2V5'), container: 'images', realm: 'core.windows.net' } },
  'pvc + redis': { registry_storage_kind: 'pvc', registry_redis: 'external', registry_redis_addr: 'redis.example.internal:6379', registry_redis_password: new Secret('pw') },
  's3 + managed redis': { registry_storage_kind: 's3', registry_storage_s3: { bucket: 'images', region: 'us-east-1', forcepathstyle: false }, registry_redis: 'managed', registry_redis_password: new Secret('pw') },
};

for (const [name, overrides] of Object.entries(storageVariants)) {
  for (const [image, tag] of [['registry:2.8.3', 'v2.8.3'], ['registry:3.1.1', 'v3.0.0']] as const) {
    if (name === 's3 + managed redis' && tag === 'v2.8.3') continue; // forcepathstyle: false is refused for 2.x
    test(`format-tested: storage ${name} for ${image} fits distribution ${tag}'s configuration reference`, (t) => {
      const doc = rendered(image, overrides);
      t.deepEqual(problems(references.find((r) => r.tag === tag)!, doc), []);
      t.false(JSON.stringify(doc).match(/"(AK|SK|pw|a2V5)"/) !== null, 'no credential in config.yml');
    });
  }
}

for (const [image, tag] of [['registry:2.8.3', 'v2.8.3'], ['registry:3', 'v3.0.0'], ['distribution/distribution:3.0.0', 'v3.0.0'], ['registry:3.1.1', 'v3.0.0']] as const) {
  test(`format-tested (not run for 3.x): the config for ${image} fits distribution ${tag}'s configuration reference`, (t) => {
    const ref = references.find((r) => r.tag === tag)!;
    const doc = rendered(image);
    t.deepEqual(problems(ref, doc), []);
    t.like(doc, { storage: { filesystem: { rootdirectory: '/var/lib/registry' }, delete: { enabled: true } }, http: { addr: ':5000', tls: { certificate: '/certs/tls.crt', key: '/certs/tls.key' } }, auth: { htpasswd: { realm: 'Registry Realm', path: '/auth/htpasswd' } } });
  });
}

test('the same config is valid for 2.8 and 3.x: the major version only chooses where it is mounted', (t) => {
  t.deepEqual(rendered('registry:3'), rendered('registry:2.8.3'));
  t.is(configLocation('registry:3').path, '/etc/distribution/config.yml');
  t.is(configLocation('distribution/distribution:3.0.0').path, '/etc/distribution/config.yml');
  t.is(configLocation('registry:2.8.3').path, '/etc/docker/registry/config.yml');
});

test('the check can fail: keys 3.0 removed, a second driver, auth without a realm, a bad duration', (t) => {
  const v3 = references.find((r) => r.tag === 'v3.0.0')!;
  const v2 = references.find((r) => r.tag === 'v2.8.3')!;
  const base = rendered('registry:3');
  const swift = { ...base, storage: { ...base.storage, filesystem: undefined, swift: { container: 'c' } } };
  delete swift.storage.filesystem;
  t.deepEqual(problems(v2, swift).filter((p) => p.startsWith('storage needs')), [], 'swift is a 2.8 driver');
  t.true(problems(v3, swift).some((p) => /swift.*not a key|exactly one driver/.test(p)), '3.0 has no swift driver');
  t.true(problems(v2, { ...base, storage: { s3: { bucket: 'b', region: 'r', forcepathstyle: true } } }).includes('storage.s3.forcepathstyle: not a key of distribution v2.8.3'), '2.8 has no forcepathstyle');
  t.true(problems(v3, { ...base, storage: { ...base.storage, cache: { blobdescriptor: 'redis' } }, redis: { addr: 'r:6379' } }).some((p) => p.startsWith('redis.addr: not a key')), '3.x has addrs, not addr');
  t.true(problems(v3, { ...base, storage: { azure: { accountname: 'a', container: 'c' } } }).includes('storage.azure needs credentials.type in 3.x'));
  t.true(problems(v3, { ...base, reporting: { bugsnag: { apikey: 'x' } } }).some((p) => p.startsWith('reporting.bugsnag.apikey: not a key')));
  t.true(problems(v3, { ...base, storage: { ...base.storage, inmemory: {} } }).some((p) => p.startsWith('storage needs exactly one driver')));
  t.true(problems(v3, { ...base, auth: { htpasswd: { path: '/auth/htpasswd' } } }).some((p) => p.startsWith('auth.htpasswd needs both')));
  t.true(problems(v3, { ...base, health: { storagedriver: { enabled: true, interval: 10, threshold: 3 } } }).some((p) => p.startsWith('health.storagedriver')));
  t.true(problems(v3, { ...base, http: { ...base.http, headers: { 'X-Content-Type-Options': 'nosniff' } } }).some((p) => p.endsWith('must be a list of strings')));
});

test('with registry_metrics the config (http.debug with Prometheus) still fits both references', (t) => {
  for (const ref of references) {
    const doc = parse((find(objects({ registry_metrics: true }), 'ConfigMap').data as Record<string, string>)['config.yml']!) as Record<string, any>;
    t.deepEqual(problems(ref, doc), [], ref.tag);
    t.deepEqual(doc.http.debug, { addr: ':5001', prometheus: { enabled: true, path: '/metrics' } });
  }
});
