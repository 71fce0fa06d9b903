// The config.yml k8s-apply writes for every storage kind, loaded by the real registry binary (Debian's
// docker-registry 2.8) — not through Kubernetes: each variant runs in a network namespace of its own
// (`unshare -n`, only loopback), with the credentials as the pod gets them (environment variables
// from the rendered Secret). What changes from the pod: the three mount paths in the config
// (/certs, /auth, /var/lib/registry) point into a temporary directory, and for s3 the endpoint is the
// S3 STAND-IN (test/standin/s3) on loopback in that namespace. For each variant a real image is pushed
// and pulled back with skopeo over TLS with a user of the htpasswd file; s3: the blobs are files in the
// stand-in's bucket and a wrong secret key is refused by it (SigV4); redis: Debian's redis-server (with
// a password) holds the blob-descriptor cache keys afterwards. gcs and azure: Debian builds the binary
// without those drivers, so all that is checked is that the config parses up to the driver choice
// (the binary names the missing driver); their parameters are format-tested only
// (test/unit/registry-config-format.test.ts).
import test from 'ava';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';
import { Secret } from '../../src/secret.js';
import { makeTestImage } from '../lab/image.js';
import { labSupport } from '../lab/index.js';
import { missing, serialUnless } from '../helpers/lab-test.js';
import { find, objects, revealed } from '../unit/k8s-apply.fixture.js';
import { repoRoot } from '../helpers/play.js';

const redisMissing = spawnSync('sh', ['-c', 'command -v redis-server && command -v redis-cli && command -v openssl && command -v htpasswd']).status === 0 ? undefined : 'redis-server, redis-cli, openssl or htpasswd missing (apt-get install redis-server openssl apache2-utils, or run .ci/run)';
const serial = serialUnless(missing(labSupport()) ?? redisMissing);

const USER = 'alice';
const PASSWORD = 'config-load-alice-pw';
const S3_ACCESS = 'STANDINACCESSKEY';
const S3_SECRET = 'standin-secret-key-9f2c';
const REDIS_PW = 'redis-config-load-pw';
const s3Vars = { bucket: 'images', region: 'us-east-1', regionendpoint: 'http://127.0.0.1:9000', secure: false, accesskey: new Secret(S3_ACCESS), secretkey: new Secret(S3_SECRET) };
const redisVars = { registry_redis: 'external', registry_redis_addr: '127.0.0.1:6379', registry_redis_password: new Secret(REDIS_PW) };

interface Rendered {
  config: string;
  env: Record<string, string>;
}

/** The ConfigMap's config.yml and the registry container's Secret env, as the pod would get them. */
function rendered(overrides: Record<string, unknown>): Rendered {
  const list = objects({ registry_users: [{ name: USER, password: new Secret(PASSWORD) }], ...overrides });
  const config = Object.values(find(list, 'ConfigMap').data as Record<string, string>)[0]!;
  const deployment = revealed(find(list, 'Deployment', 'registry')) as any;
  const secretData = (name: string) => revealed(find(list, 'Secret', name)).data as Record<string, string>;
  const env: Record<string, string> = {};
  for (const e of deployment.spec.template.spec.containers[0].env ?? []) env[e.name] = Buffer.from(secretData(e.valueFrom.secretKeyRef.name)[e.valueFrom.secretKeyRef.key]!, 'base64').toString();
  return { config, env };
}

interface Outcome {
  code: number;
  log: string;
  work: string;
  pulled?: string;
  redisKeys?: string[];
}

/** Runs the variant in a fresh network namespace; the work directory is removed by the caller. */
function load(r: Rendered, opts: { s3?: boolean; redis?: boolean; expectStart?: boolean }): Outcome {
  const work = mkdtempSync(join(tmpdir(), 'config-load-'));
  const config = r.config.replaceAll('/certs/', `${work}/certs/`).replaceAll('/auth/', `${work}/auth/`).replaceAll('/var/lib/registry', `${work}/data`);
  writeFileSync(join(work, 'config.yml'), config);
  const image = makeTestImage(join(work, 'image'), { content: 'config load\n' });
  const script = `
set -u
ip link set lo up
mkdir -p certs auth data
openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=localhost -addext subjectAltName=IP:127.0.0.1 -keyout certs/tls.key -out certs/tls.crt -days 1 2>/dev/null
printf '%s\\n' "$USER_PW" | htpasswd -Bin -C 5 ${USER} > auth/htpasswd
wait_port() { for i in $(seq 150); do (exec 3<>/dev/tcp/127.0.0.1/$1) 2>/dev/null && return 0; sleep 0.1; done; echo "port $1 never opened"; return 1; }
${opts.s3 ? `(cd ${repoRoot} && S3_STANDIN_ACCESS_KEY=${S3_ACCESS} S3_STANDIN_SECRET_KEY=${S3_SECRET} exec node --import tsx test/standin/s3/main.ts --listen 127.0.0.1:9000 --dir ${work}/s3 --region us-east-1 --bucket images) > s3.log 2>&1 &
wait_port 9000 || exit 20` : ''}
${opts.redis ? `redis-server <(printf 'requirepass "%s"\\n' "$REDIS_PW") --port 6379 --bind 127.0.0.1 --save '' --appendonly no > redis.log 2>&1 &
wait_port 6379 || exit 21` : ''}
env $REGISTRY_ENV docker-registry serve config.yml > registry.log 2>&1 &
reg=$!
${opts.expectStart === false ? 'wait $reg; echo "exit $?" >> registry.log; exit 0' : ''}
wait_port 5000 || exit 22
skopeo copy --retry-times 0 --dest-tls-verify=false --dest-creds "${USER}:$USER_PW" ${image.ref} docker://127.0.0.1:5000/lab/hello:1 > push.log 2>&1 || { cat push.log; exit 23; }
skopeo copy --retry-times 0 --src-tls-verify=false --src-creds "${USER}:$USER_PW" docker://127.0.0.1:5000/lab/hello:1 oci:pulled:1 > pull.log 2>&1 || { cat pull.log; exit 24; }
${opts.redis ? `REDISCLI_AUTH="$REDIS_PW" redis-cli -p 6379 --scan > redis-keys` : ''}
kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; exit 0
`;
  const env = { PATH: process.env.PATH!, HOME: work, USER_PW: PASSWORD, REDIS_PW, REGISTRY_ENV: Object.entries(r.env).map(([k, v]) => `${k}=${v}`).join(' ') };
  const res = spawnSync('unshare', ['-n', 'bash', '-c', script], { cwd: work, env, encoding: 'utf8', timeout: 120_000 });
  const read = (f: string) => (existsSync(join(work, f)) ? readFileSync(join(work, f), 'utf8') : '');
  const layer = JSON.parse(readFileSync(join(image.dir, 'blobs', 'sha256', image.manifestDigest.split(':')[1]!), 'utf8')).layers[0].digest as string;
  return {
    code: res.status ?? -1,
    log: `${res.stdout}${res.stderr}\n--- registry.log\n${read('registry.log')}\n--- s3.log\n${read('s3.log')}`,
    work,
    pulled: existsSync(join(work, 'pulled', 'blobs', 'sha256', layer.split(':')[1]!)) ? layer : undefined,
    redisKeys: opts.redis ? read('redis-keys').split('\n').filter(Boolean) : undefined,
  };
}

const layerDigest = (work: string) => JSON.parse(readFileSync(join(work, 'image', 'blobs', 'sha256', JSON.parse(readFileSync(join(work, 'image', 'index.json'), 'utf8')).manifests[0].digest.split(':')[1]), 'utf8')).layers[0].digest as string;

serial('pvc, hostpath and nfs write one filesystem config; the real registry serves it: push and pull', (t) => {
  const pvc = rendered({ registry_storage_kind: 'pvc' });
  t.is(rendered({ registry_storage_kind: 'hostpath' }).config, pvc.config);
  t.is(rendered({ registry_storage_kind: 'nfs', registry_storage_nfs_server: 'nfs.lab', registry_storage_nfs_path: '/export' }).config, pvc.config);
  const o = load(pvc, {});
  try {
    t.is(o.code, 0, o.log);
    t.truthy(o.pulled, o.log);
    t.true(existsSync(join(o.work, 'data', 'docker', 'registry', 'v2', 'blobs', 'sha256', layerDigest(o.work).slice(7, 9), layerDigest(o.work).slice(7), 'data')), 'the layer is in the filesystem driver\'s directory');
  } finally {
    rmSync(o.work, { recursive: true, force: true });
  }
});

serial('s3: the real registry stores and serves blobs through its S3 driver against the S3 stand-in; credentials only from the env', (t) => {
  const r = rendered({ registry_storage_kind: 's3', registry_storage_s3: s3Vars });
  t.false(r.config.includes(S3_SECRET) || r.config.includes(S3_ACCESS), 'no credential in config.yml');
  t.deepEqual(Object.keys(r.env).sort(), ['REGISTRY_HTTP_SECRET', 'REGISTRY_STORAGE_S3_ACCESSKEY', 'REGISTRY_STORAGE_S3_SECRETKEY']);
  const o = load(r, { s3: true });
  try {
    t.is(o.code, 0, o.log);
    t.truthy(o.pulled, o.log);
    const digest = layerDigest(o.work);
    const object = join(o.work, 's3', 'buckets', 'images', 'docker', 'registry', 'v2', 'blobs', 'sha256', digest.slice(7, 9), digest.slice(7), 'data.object');
    t.true(existsSync(object), `the layer is an object in the stand-in's bucket\n${o.log}`);
    t.regex(o.log, /s3-standin (PUT|POST) \/images\/docker\/registry\/v2\/repositories\/lab\/hello\//);
    // a resumed upload (skopeo's PATCH, then PUT) finds its multipart upload again: ListMultipartUploads and ListParts
    t.regex(o.log, /s3-standin GET \/images\?[^ ]*uploads[^ ]* 200/);
    t.regex(o.log, /s3-standin GET \/images\/docker\/registry\/v2\/repositories\/lab\/hello\/_uploads\/[^ ]*uploadId=[^ ]* 200/);
  } finally {
    rmSync(o.work, { recursive: true, force: true });
  }
});

serial('s3: a wrong secret key is refused by the S3 stand-in (SigV4), and the push fails', (t) => {
  const r = rendered({ registry_storage_kind: 's3', registry_storage_s3: { ...s3Vars, secretkey: new Secret('not-the-secret') } });
  const o = load(r, { s3: true });
  try {
    t.not(o.code, 0, o.log);
    t.regex(o.log, /SignatureDoesNotMatch/);
    t.regex(o.log, /s3-standin \S+ \S+ 403/);
    t.falsy(o.pulled);
  } finally {
    rmSync(o.work, { recursive: true, force: true });
  }
});

serial('redis (external, with a password) on filesystem and on s3: after push and pull the blob-descriptor cache keys are in Redis', (t) => {
  for (const [name, overrides, s3] of [['pvc + redis', { registry_storage_kind: 'pvc', ...redisVars }, false], ['s3 + redis', { registry_storage_kind: 's3', registry_storage_s3: s3Vars, ...redisVars }, true]] as const) {
    const r = rendered(overrides);
    t.false(r.config.includes(REDIS_PW), name);
    t.is(r.env.REGISTRY_REDIS_PASSWORD, REDIS_PW, name);
    const o = load(r, { s3, redis: true });
    try {
      t.is(o.code, 0, `${name}\n${o.log}`);
      t.truthy(o.pulled, name);
      const digest = layerDigest(o.work);
      t.true(o.redisKeys!.includes(`blobs::${digest}`), `${name}: ${o.redisKeys!.join(', ')}`);
      t.true(o.redisKeys!.includes(`repository::lab/hello::blobs::${digest}`), `${name}: ${o.redisKeys!.join(', ')}`);
    } finally {
      rmSync(o.work, { recursive: true, force: true });
    }
  }
});

serial('gcs and azure: Debian\'s 2.8 binary reads the config up to the driver and names the driver it lacks (format-tested only)', (t) => {
  const variants = {
    gcs: rendered({ registry_storage_kind: 'gcs', registry_storage_gcs: { bucket: 'images', keyfile: new Secret('{"type":"service_account"}') } }),
    azure: rendered({ registry_storage_kind: 'azure', registry_storage_azure: { accountname: 'acct', accountkey: new Secret('a2V5'), container: 'images' } }),
  };
  for (const [driver, r] of Object.entries(variants)) {
    const o = load(r, { expectStart: false });
    try {
      t.regex(o.log, new RegExp(`StorageDriver not registered: ${driver}`), o.log);
      t.regex(o.log, /exit [1-9]/);
    } finally {
      rmSync(o.work, { recursive: true, force: true });
    }
  }
});
