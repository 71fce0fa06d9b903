// Object storage and the Redis cache on the lab, through the built-in `play site.yaml`: the registry
// runs in the Kubernetes API stand-in on cp1 with registry_storage_kind s3 against the S3 STAND-IN
// (test/standin/s3; no S3 service exists on these machines) and registry_redis external against
// Debian's redis-server, both started inside the lab host st1 (its network namespace, never the
// machine's). The registry pod reaches them over the lab network with the credentials from the
// Secret (S3: SigV4 checked by the stand-in). b1 pushes with skopeo (docker-trust's trust and login),
// every containerd host pulls; the layer is then an object in the stand-in's bucket on st1, no
// volume exists, no credential is in the ConfigMap, and Redis holds the blob-descriptor cache keys.
// --check first plans and writes nothing; a re-run is changed=0. Then the same lab with a managed
// Redis (run by the stand-in), and with registry_replicas: 2 on the bucket: a tag pushed through one
// replica is served by the other.
import test from 'ava';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { labSupport, labUp, type Lab } from '../lab/index.js';
import { makeTestImage } from '../lab/image.js';
import { missing, serialUnless } from '../helpers/lab-test.js';
import { repoRoot } from '../helpers/play.js';
import { playProject, removeLabProject, runOutput as output, writeProject, type LabRun } from '../helpers/lab-project.js';
import { CLUSTER_IP_DNS_VARS } from '../helpers/lab-vars.js';
import { SITE } from '../helpers/site-project.js';
import { cp1Cluster } from '../helpers/standin-cluster.js';
import { quote } from '../../src/transports/shell.js';
import { spawnSync } from 'node:child_process';

const support = labSupport({ standin: true });
const redisMissing = spawnSync('sh', ['-c', 'command -v redis-server && command -v redis-cli']).status === 0 ? undefined : 'redis-server is not installed (apt-get install redis-server, or run .ci/run)';
const serial = serialUnless(missing(support) ?? redisMissing);

const NAME = 'registry.lab';
const ADDRESS = `${NAME}:5000`;
const IMAGE = `${ADDRESS}/s3/hello:1`;
const PASSWORD = 'alice-ObjectStore-pw-71d2';
const S3_ACCESS = 'LABACCESSKEY0001';
const S3_SECRET = 'lab-s3-secret-key-5e0b91';
const REDIS_PW = 'lab-redis-pw-a83f';
const env = { REG_ALICE_PW: PASSWORD, LAB_S3_ACCESS: S3_ACCESS, LAB_S3_SECRET: S3_SECRET, LAB_REDIS_PW: REDIS_PW };
const SECRETS = [PASSWORD, S3_SECRET, REDIS_PW, Buffer.from(S3_SECRET).toString('base64'), Buffer.from(REDIS_PW).toString('base64')];

let lab: Lab;
const { kubectl } = cp1Cluster(() => lab);
let work: string;

const play = (args: string[] = []): Promise<LabRun> => playProject(work, [SITE, ...args], { env, secrets: SECRETS });

test.before(async () => {
  if (missing(support) ?? redisMissing) return;
  lab = await labUp({ name: `objstore-${process.pid}`, hosts: { cp1: ['control_plane'], w1: ['workers'], w2: ['workers'], b1: ['build'], st1: ['object_store'] }, standin: true });
  work = mkdtempSync(join(tmpdir(), 'k8s-object-storage-'));
  const st1 = lab.address('st1');
  // the S3 stand-in and Redis, inside st1 (its network and mount namespaces), on st1's lab address
  await lab.sh('st1', `cd ${quote(repoRoot)} && S3_STANDIN_ACCESS_KEY=${S3_ACCESS} S3_STANDIN_SECRET_KEY=${S3_SECRET} setsid node --import tsx test/standin/s3/main.ts --listen ${st1}:9000 --dir /srv/s3 --region us-east-1 --bucket images < /dev/null > /var/log/s3-standin.log 2>&1 &`);
  await lab.writeFile('st1', '/srv/redis.conf', `requirepass "${REDIS_PW}"\nbind ${st1}\nport 6379\nsave ""\nappendonly no\ndaemonize yes\npidfile /run/redis.pid\nlogfile /var/log/redis.log\ndir /srv\n`, 0o600);
  await lab.sh('st1', 'redis-server /srv/redis.conf < /dev/null');
  await lab.sh('st1', `for i in $(seq 200); do curl -s -o /dev/null http://${st1}:9000/ && REDISCLI_AUTH=${quote(REDIS_PW)} redis-cli -h ${st1} ping | grep -q PONG && exit 0; sleep 0.1; done; cat /var/log/s3-standin.log /var/log/redis.log; exit 1`);

  const all = `registry_name: ${NAME}
registry_port: 5000
registry_users:
  - name: alice
    password: !env REG_ALICE_PW
bcrypt_cost: 5
kubeconfig: /root/.kube/config
registry_pull_namespaces: [default]
registry_rollout_timeout: 60
registry_storage_kind: s3
registry_storage_s3:
  bucket: images
  region: us-east-1
  regionendpoint: http://${st1}:9000
  secure: false
  accesskey: !env LAB_S3_ACCESS
  secretkey: !env LAB_S3_SECRET
registry_redis: external
registry_redis_addr: ${st1}:6379
registry_redis_password: !env LAB_REDIS_PW
`;
  // st1 (the S3 and Redis host) is in the inventory, so site.yaml's dns-hosts play reaches it too
  writeProject(work, lab, { groupVars: { all, build: CLUSTER_IP_DNS_VARS, object_store: CLUSTER_IP_DNS_VARS } });
});

test.after.always(() => removeLabProject(lab, work));

serial('s3 + external Redis: site.yaml converges (re-run changed=0), b1 pushes, every containerd host pulls; the blobs are in the S3 stand-in on st1 and the cache keys in Redis', async (t) => {
  const check = await play(['--check', '--detailed-exitcode']);
  t.is(check.code, 8, `--check plans changes and exits 8\n${output(check)}`);
  t.is((await lab.exec('cp1', 'kubectl --kubeconfig /root/.kube/config get deployment registry -n registry')).code, 1, '--check created nothing in the cluster');
  t.is((await lab.sh('st1', 'find /srv/s3/buckets/images -type f | wc -l')).trim(), '0', '--check wrote nothing to the bucket');
  const first = await play();
  t.is(first.code, 0, output(first));
  const again = await play();
  t.is(again.code, 0, output(again));
  for (const host of ['cp1', 'w1', 'w2', 'b1', 'st1']) t.is(again.report.recap[host]?.changed, 0, `${host}: ${again.report.events.filter((e) => e.host === host && e.status === 'changed').map((e) => e.step).join(', ')}`);

  // no volume; the credentials only in the Secret, reaching the pod as env
  t.deepEqual(JSON.parse(await kubectl('get pvc -n registry -o json')).items, []);
  const config = Object.values(JSON.parse(await kubectl('get configmap registry-config -n registry -o json')).data as Record<string, string>)[0]!;
  t.regex(config, /s3:\n\s+bucket: images/);
  for (const s of [S3_ACCESS, S3_SECRET, REDIS_PW]) t.false(config.includes(s), 'no credential in the ConfigMap');
  const secret = JSON.parse(await kubectl('get secret registry-storage -n registry -o json')).data as Record<string, string>;
  t.is(Buffer.from(secret['s3-secretkey']!, 'base64').toString(), S3_SECRET);
  t.is(Buffer.from(secret['redis-password']!, 'base64').toString(), REDIS_PW);

  const image = makeTestImage(join(lab.dir, 'image-s3'), { content: 'stored in the S3 stand-in\n' });
  const layer = JSON.parse(readFileSync(join(image.dir, 'blobs', 'sha256', image.manifestDigest.slice(7)), 'utf8')).layers[0].digest as string;
  const push = await lab.exec('b1', `skopeo copy --retry-times 0 ${image.ref} docker://${IMAGE}`);
  t.is(push.code, 0, push.stderr);

  await Promise.all(['cp1', 'w1', 'w2'].map((h) => lab.writeFile(h, '/root/.registry-credential', `alice:${PASSWORD}`, 0o600)));
  for (const host of ['cp1', 'w1', 'w2']) {
    const pull = await lab.exec(host, `ctr image pull --hosts-dir /etc/containerd/certs.d --user "$(cat /root/.registry-credential)" ${IMAGE}`);
    t.is(pull.code, 0, `${host}: ${pull.stderr}`);
    const seen = await lab.exec(host, `mkdir -p /tmp/m && ctr image mount ${IMAGE} /tmp/m >/dev/null && cat /tmp/m/hello.txt; ctr image unmount /tmp/m >/dev/null`);
    t.is(seen.stdout, 'stored in the S3 stand-in\n', host);
  }

  // the layer is an object in the stand-in's bucket, on st1 (where the registry pod cannot write files)
  const object = `/srv/s3/buckets/images/docker/registry/v2/blobs/sha256/${layer.slice(7, 9)}/${layer.slice(7)}/data.object`;
  const stored = await lab.exec('st1', `sha256sum ${object}`);
  t.is(stored.stdout.split(' ')[0], layer.slice(7), `${object} on st1: ${stored.stderr}`);
  t.regex((await lab.readFile('st1', '/var/log/s3-standin.log'))!, /s3-standin GET \/images\/docker\/registry\/v2\/blobs\/sha256\/[0-9a-f]{2}\/[0-9a-f]{64}\/data 20[06]/, 'the registry served the layer from the bucket');

  const keys = (await lab.sh('st1', `REDISCLI_AUTH=${quote(REDIS_PW)} redis-cli -h ${lab.address('st1')} --scan`)).split('\n');
  t.true(keys.includes(`blobs::${layer}`), keys.join(', '));
  t.true(keys.includes(`repository::s3/hello::blobs::${layer}`), keys.join(', '));
});

serial('managed Redis: the stand-in runs regplay\'s Redis Deployment (Debian\'s redis-server, password on its stdin); after a pull its cache keys are there; re-run changed=0', async (t) => {
  const file = join(work, 'group_vars', 'all.yaml');
  writeFileSync(file, readFileSync(file, 'utf8').replace(/registry_redis: external\nregistry_redis_addr: .*\n/, 'registry_redis: managed\n'));
  const first = await play();
  t.is(first.code, 0, output(first));
  const again = await play();
  t.is(again.code, 0, output(again));
  t.is(again.report.recap.cp1?.changed, 0, again.report.events.filter((e) => e.host === 'cp1' && e.status === 'changed').map((e) => e.step).join(', '));

  const redis = JSON.parse(await kubectl('get deployment registry-redis -n registry -o json'));
  t.is(redis.status.readyReplicas, 1);
  t.false(JSON.stringify(redis.spec).includes(REDIS_PW), 'the password is not in the Deployment');
  const config = Object.values(JSON.parse(await kubectl('get configmap registry-config -n registry -o json')).data as Record<string, string>)[0]!;
  t.regex(config, /addr: registry-redis\.registry\.svc:6379/);

  const image = makeTestImage(join(lab.dir, 'image-managed'), { content: 'cached by the managed redis\n' });
  const layer = JSON.parse(readFileSync(join(image.dir, 'blobs', 'sha256', image.manifestDigest.slice(7)), 'utf8')).layers[0].digest as string;
  const push = await lab.exec('b1', `skopeo copy --retry-times 0 ${image.ref} docker://${ADDRESS}/s3/managed:1`);
  const pods = push.code === 0 ? '' : `${await kubectl('get pods -n registry -o wide')}\n${(await lab.exec('cp1', 'tail -n 30 /var/lib/standin/pods/*.log; tail -n 30 /var/lib/standin/standin.log 2>/dev/null')).stdout}`;
  t.is(push.code, 0, `${push.stderr}\n${pods}`);
  const pull = await lab.exec('w1', `ctr image pull --hosts-dir /etc/containerd/certs.d --user "$(cat /root/.registry-credential)" ${ADDRESS}/s3/managed:1`);
  t.is(pull.code, 0, pull.stderr);

  const ip = (await kubectl('get service registry-redis -n registry -o jsonpath={.spec.clusterIP}')).trim();
  const keys = (await lab.sh('cp1', `REDISCLI_AUTH=${quote(REDIS_PW)} redis-cli -h ${ip} --scan`)).split('\n');
  t.true(keys.includes(`blobs::${layer}`), keys.join(', '));
  t.false((await lab.exec('cp1', `redis-cli -h ${ip} --scan`)).stdout.includes('blobs::'), 'without the password Redis answers nothing');
});

serial('s3 with registry_replicas: 2 (sharing the managed Redis): a tag pushed through one replica is served by the other to every worker; containerd pulls it through the Service', async (t) => {
  const file = join(work, 'group_vars', 'all.yaml');
  writeFileSync(file, `${readFileSync(file, 'utf8')}registry_replicas: 2\n`);
  const r = await play();
  t.is(r.code, 0, output(r));
  const pods = JSON.parse(await kubectl('get pods -n registry -l app.kubernetes.io/name=registry -o json')).items.map((p: any) => ({ name: p.metadata.name as string, ip: p.status.podIP as string, ready: !!p.status.containerStatuses?.[0]?.ready }));
  t.is(pods.length, 2, JSON.stringify(pods));
  t.true(pods.every((p: { ready: boolean }) => p.ready), JSON.stringify(pods));
  const [a, b] = pods as Array<{ name: string; ip: string }>;

  const image = makeTestImage(join(lab.dir, 'image-replicas'), { content: 'pushed to one replica, served by the other\n' });
  const layer = JSON.parse(readFileSync(join(image.dir, 'blobs', 'sha256', image.manifestDigest.slice(7)), 'utf8')).layers[0].digest as string;
  // straight to replica a's pod address (b1's trust and login name the Service's name, not this address)
  const push = await lab.exec('b1', `skopeo copy --retry-times 0 --dest-tls-verify=false --dest-creds alice:"$(cat)" ${image.ref} docker://${a!.ip}:5000/s3/replicas:1`, { stdin: PASSWORD });
  t.is(push.code, 0, push.stderr);
  t.regex((await lab.readFile('cp1', `/var/lib/standin/pods/${a!.name}.log`))!, /"PUT \/v2\/s3\/replicas\/manifests\/1 HTTP\/1\.1" 201/, 'the push went to replica a');

  for (const host of ['w1', 'w2']) {
    const got = await lab.exec(host, `cfg() { printf 'user = "alice:%s"\\n' "$(cut -d: -f2- /root/.registry-credential)"; }
cfg | curl -sf -K - --cacert /etc/containerd/certs.d/${ADDRESS}/ca.crt --resolve ${ADDRESS}:${b!.ip} https://${ADDRESS}/v2/s3/replicas/blobs/${layer} | sha256sum`);
    t.is(got.stdout.split(' ')[0], layer.slice(7), `${host}: the layer served by replica b (${got.stderr})`);
    const pull = await lab.exec(host, `ctr image pull --hosts-dir /etc/containerd/certs.d --user "$(cat /root/.registry-credential)" ${ADDRESS}/s3/replicas:1`);
    t.is(pull.code, 0, `${host}: ${pull.stderr}`);
  }
  t.regex((await lab.readFile('cp1', `/var/lib/standin/pods/${b!.name}.log`))!, new RegExp(`"GET /v2/s3/replicas/blobs/${layer} HTTP/[0-9.]+" 200 [0-9]+ "" "curl/`), 'replica b served the layer');
  t.is((await lab.exec('st1', `sha256sum /srv/s3/buckets/images/docker/registry/v2/blobs/sha256/${layer.slice(7, 9)}/${layer.slice(7)}/data.object`)).stdout.split(' ')[0], layer.slice(7), 'one copy, in the bucket');
});
