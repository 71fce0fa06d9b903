// registry_replicas on shared storage, against the Kubernetes API stand-in (test/standin) with the real
// kubectl, on a lab of cp1 (control plane) and two workers. The storage is an nfs PersistentVolume
// declared ReadWriteMany; the stand-in materialises it as one directory on cp1 that every pod mounts,
// so the replicas are real registry processes (each in its own pod network namespace) on one shared
// directory. Proven on the hosts' real state: check → apply → apply (changed=0) with 1 replica;
// --check plans the scale-out to 2 (the Deployment's replicas, a PodDisruptionBudget) and writes
// nothing; both replicas run with the one http.secret of the cluster's Secret (read from their
// /proc/<pid>/environ); a chunked upload hops from one replica to the other and completes, while the
// same hop to a registry on the same storage with another secret is refused; a tag pushed through one
// replica is served by the other to every worker, and containerd pulls it through the Service there;
// pulls go on succeeding while one replica is killed; metrics answer on their own port; the scale
// back to 1 is planned (the budget deleted) and applied.
import test from 'ava';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { labSupport, type Lab } from '../lab/index.js';
import { missing, serialUnless } from '../helpers/lab-test.js';
import { labProject, playProject, removeLabProject, runOutput as output, type LabRun } from '../helpers/lab-project.js';
import { SITE } from '../helpers/site-project.js';
import { cp1Cluster, k8sStep } from '../helpers/standin-cluster.js';
import { buildImage } from '../helpers/oci-image.js';

const support = labSupport({ standin: true });
const serial = serialUnless(missing(support));

const NAME = 'registry.lab';
const PORT = 5000;
const PASSWORD = 'alice-Replicas-pw-3d9a51';
const env = { REG_ALICE_PW: PASSWORD };
const SECRETS = [PASSWORD, Buffer.from(`alice:${PASSWORD}`).toString('base64')];
const WORKERS = ['w1', 'w2'];
/** Where the stand-in keeps an nfs PersistentVolume's data (its "export"), on cp1. */
const EXPORT = '/var/lib/standin/volumes/registry-data';
const CA = `/etc/containerd/certs.d/${NAME}:${PORT}/ca.crt`;

let lab: Lab;
const { kubectl, getJson, writeLog: writeRequests } = cp1Cluster(() => lab);
let work: string;

type Run = LabRun;
const play = (args: string[] = []): Promise<Run> => playProject(work, [SITE, ...args], { env, secrets: SECRETS });
const k8sActions = (r: Run) => k8sStep(r)?.actions ?? [];
const totalChanged = (r: Run) => Object.values(r.report.recap).reduce((n, h) => n + h.changed, 0);

/**
 * The Prometheus Operator's ServiceMonitor CRD, cut down for this test to the fields around what
 * regplay sets (written here, not copied from the operator): enough for the stand-in to serve the
 * kind in discovery and check a ServiceMonitor against a structural schema.
 */
const SERVICE_MONITOR_CRD = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'servicemonitors.monitoring.coreos.com' },
  spec: {
    group: 'monitoring.coreos.com',
    names: { kind: 'ServiceMonitor', listKind: 'ServiceMonitorList', plural: 'servicemonitors', singular: 'servicemonitor', shortNames: ['smon'] },
    scope: 'Namespaced',
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        schema: {
          openAPIV3Schema: {
            type: 'object',
            required: ['spec'],
            properties: {
              apiVersion: { type: 'string' },
              kind: { type: 'string' },
              metadata: { type: 'object' },
              spec: {
                type: 'object',
                required: ['selector'],
                properties: {
                  jobLabel: { type: 'string' },
                  selector: { type: 'object', properties: { matchLabels: { type: 'object', additionalProperties: { type: 'string' } } } },
                  namespaceSelector: { type: 'object', properties: { any: { type: 'boolean' }, matchNames: { type: 'array', items: { type: 'string' } } } },
                  endpoints: {
                    type: 'array',
                    items: {
                      type: 'object',
                      properties: {
                        port: { type: 'string' },
                        targetPort: { 'x-kubernetes-int-or-string': true },
                        path: { type: 'string' },
                        scheme: { type: 'string', enum: ['http', 'https'] },
                        interval: { type: 'string' },
                      },
                    },
                  },
                },
              },
            },
          },
        },
      },
    ],
  },
};

function vars(replicas: number, metrics = true): string {
  return `registry_name: ${NAME}
registry_port: ${PORT}
registry_users:
  - name: alice
    password: !env REG_ALICE_PW
bcrypt_cost: 5
kubeconfig: /root/.kube/config
registry_storage_kind: nfs
registry_storage_nfs_server: ${lab.address('cp1')}
registry_storage_nfs_path: /exports/registry
registry_storage_access_mode: ReadWriteMany
registry_storage_size: 2Gi
registry_pull_namespaces: [default]
registry_rollout_timeout: 90
registry_metrics: ${metrics}
registry_service_monitor_labels: {release: prometheus}
registry_replicas: ${replicas}
`;
}
const setReplicas = (n: number, metrics = true) => writeFileSync(join(work, 'group_vars', 'all.yaml'), vars(n, metrics));

interface PodInfo {
  name: string;
  ip: string;
  ready: boolean;
  restarts: number;
}
async function pods(): Promise<PodInfo[]> {
  const list = await getJson('pods -n registry -l app.kubernetes.io/name=registry');
  return list.items.map((p: any) => ({ name: p.metadata.name, ip: p.status.podIP, ready: !!p.status.containerStatuses?.[0]?.ready, restarts: p.status.containerStatuses?.[0]?.restartCount ?? 0 }));
}

/** The pid on cp1 of the registry process of `pod` (the stand-in kubelet sets HOSTNAME to the pod's name). */
async function registryPid(pod: string): Promise<string> {
  const pid = (await lab.sh('cp1', `for p in $(grep -lz '^HOSTNAME=${pod}$' /proc/[0-9]*/environ 2>/dev/null | cut -d/ -f3); do [ "$(cat /proc/$p/comm 2>/dev/null)" = docker-registry ] && echo $p; done | head -1`)).trim();
  if (!pid) throw new Error(`no registry process for pod ${pod}`);
  return pid;
}
const processEnv = async (pid: string, name: string) => (await lab.sh('cp1', `tr '\\0' '\\n' < /proc/${pid}/environ | sed -n 's/^${name}=//p'`)).trim();

test.before(async () => {
  if (!support.ok) return;
  ({ lab, work } = await labProject('k8s-replicas', { cp1: ['control_plane'], w1: ['workers'], w2: ['workers'] }, { groupVars: {} }));
  setReplicas(1);
  // the export must be writable by the registry's uid (README: nfs storage)
  await lab.sh('cp1', `mkdir -p ${EXPORT} && chown 10001:10001 ${EXPORT} && chmod 0750 ${EXPORT}`);
  for (const w of WORKERS) await lab.writeFile(w, '/root/.registry-credential', `alice:${PASSWORD}`, 0o600);
});

test.after.always(() => removeLabProject(lab, work));

serial('one replica on ReadWriteMany nfs: check → apply → apply again changed=0; RollingUpdate with maxUnavailable 0, spread across nodes; the registry runs with the http.secret of its Secret', async (t) => {
  const check = await play(['--check']);
  t.is(check.code, 0, output(check));
  const apply = await play();
  t.is(apply.code, 0, output(apply));
  const again = await play();
  t.is(again.code, 0, output(again));
  t.is(totalChanged(again), 0, JSON.stringify(again.report.recap));

  const d = await getJson('deployment registry -n registry');
  t.is(d.spec.replicas, 1);
  t.deepEqual(d.spec.strategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } });
  t.is(d.spec.template.spec.topologySpreadConstraints[0].topologyKey, 'kubernetes.io/hostname');
  t.deepEqual((await getJson('pvc registry-data -n registry')).spec.accessModes, ['ReadWriteMany']);
  t.deepEqual((await getJson('pv registry-data')).spec.accessModes, ['ReadWriteMany']);
  t.is((await lab.exec('cp1', 'kubectl --kubeconfig /root/.kube/config get pdb -n registry -o name')).stdout.trim(), '', 'one replica: no PodDisruptionBudget');
  // registry_metrics is on, but the cluster has no ServiceMonitor CRD: none is planned, and kubectl
  // (the real one) does not know the kind
  t.false(JSON.stringify(check.report.events).includes('ServiceMonitor'));
  const unknownKind = await lab.exec('cp1', 'kubectl --kubeconfig /root/.kube/config get servicemonitors -A');
  t.regex(unknownKind.stderr, /the server doesn't have a resource type "servicemonitors"/);

  const secret = Buffer.from((await getJson('secret registry-http-secret -n registry')).data['http-secret'], 'base64').toString();
  t.regex(secret, /^[0-9a-f]{64}$/);
  const [pod] = await pods();
  t.is(await processEnv(await registryPid(pod!.name), 'REGISTRY_HTTP_SECRET'), secret);
  t.false(JSON.stringify(await getJson('configmap registry-config -n registry')).includes(secret), 'the secret is not in the ConfigMap');
  t.notRegex(await kubectl(`logs ${pod!.name} -n registry`), /No HTTP secret provided/);
});

serial('--check plans the scale-out to 2 (replicas, a PodDisruptionBudget) and writes nothing; apply runs 2 replicas with one http.secret; apply again changed=0', async (t) => {
  const secretBefore = (await getJson('secret registry-http-secret -n registry')).data['http-secret'];
  const podBefore = (await pods())[0]!.name;
  setReplicas(2);
  const writes = (await writeRequests()).length;
  const check = await play(['--check', '--detailed-exitcode']);
  t.is(check.code, 8, output(check));
  const actions = k8sActions(check);
  t.true(actions.includes('change Deployment registry/registry: spec.replicas'), actions.join('\n'));
  t.true(actions.includes('create PodDisruptionBudget registry/registry'), actions.join('\n'));
  t.deepEqual(actions.filter((a) => !/Deployment registry\/registry|PodDisruptionBudget|ConfigMap default\/regplay-registry/.test(a)), [], 'nothing else changes: no new secret, no new config');
  t.deepEqual((await writeRequests()).slice(writes), [], 'check wrote nothing');

  const apply = await play();
  t.is(apply.code, 0, output(apply));
  const again = await play();
  t.is(again.code, 0, output(again));
  t.is(totalChanged(again), 0, JSON.stringify(again.report.recap));

  const now = await pods();
  t.is(now.length, 2);
  t.true(now.every((p) => p.ready), JSON.stringify(now));
  t.not(now[0]!.ip, now[1]!.ip, 'each pod has its own network namespace and address');
  t.true(now.some((p) => p.name === podBefore), 'the scale-out kept the running pod (no rollout: only replicas changed)');
  t.is((await getJson('secret registry-http-secret -n registry')).data['http-secret'], secretBefore, 'the Secret kept its value');
  const secret = Buffer.from(secretBefore, 'base64').toString();
  for (const p of now) t.is(await processEnv(await registryPid(p.name), 'REGISTRY_HTTP_SECRET'), secret, p.name);
  const pdb = await getJson('pdb registry -n registry');
  t.like(pdb.spec, { maxUnavailable: 1, selector: { matchLabels: { 'app.kubernetes.io/name': 'registry' } } });
  t.is(pdb.apiVersion, 'policy/v1');
});

/** One blob in two chunks: POST + PATCH on `first`, PATCH + PUT on `second` (pod addresses), TLS verified by name. */
function hopScript(first: string, second: string, secondPort = PORT): string {
  const at = (ip: string, port: number) => `--resolve ${NAME}:${port}:${ip}`;
  return `set -u
cu() { curl -sS --cacert ${CA} -u "$(cat /root/.registry-credential)" "$@"; }
loc() { tr -d '\\r' | sed -n 's/^[Ll]ocation: //p'; }
d=$(mktemp -d); head -c 70000 /dev/urandom > $d/c1; head -c 50000 /dev/urandom > $d/c2; cat $d/c1 $d/c2 > $d/blob
digest=sha256:$(sha256sum $d/blob | cut -d' ' -f1)
l=$(cu ${at(first, PORT)} -X POST -D - -o /dev/null https://${NAME}:${PORT}/v2/hop/blobs/uploads/ | loc)
l=$(cu ${at(first, PORT)} -X PATCH -H 'Content-Type: application/octet-stream' -H 'Content-Range: 0-69999' --data-binary @$d/c1 -D - -o /dev/null "$l" | loc)
l2=$(echo "$l" | sed 's#https://${NAME}:${PORT}/#https://${NAME}:${secondPort}/#')
code=$(cu ${at(second, secondPort)} -X PATCH -H 'Content-Type: application/octet-stream' -H 'Content-Range: 70000-119999' --data-binary @$d/c2 -D $d/h -o $d/body -w '%{http_code}' "$l2")
echo "second-patch $code $(tr -d '\\n' < $d/body)"
[ "$code" = 202 ] || exit 0
l=$(loc < $d/h)
case "$l" in *\\?*) put="$l&digest=$digest" ;; *) put="$l?digest=$digest" ;; esac
echo "put $(cu ${at(second, secondPort)} -X PUT -o /dev/null -w '%{http_code}' "$put")"
echo "get $(cu ${at(first, PORT)} https://${NAME}:${PORT}/v2/hop/blobs/$digest | sha256sum | cut -d' ' -f1) $(echo $digest | cut -d: -f2)"
`;
}

serial('a chunked upload started on one replica completes on the other (the shared http.secret); the same hop to a registry on the same storage with another secret is refused', async (t) => {
  const [a, b] = await pods();
  const hop = await lab.exec('w1', hopScript(a!.ip, b!.ip));
  t.is(hop.code, 0, hop.stderr);
  t.regex(hop.stdout, /^second-patch 202 $/m, hop.stdout + hop.stderr);
  t.regex(hop.stdout, /^put 201$/m, hop.stdout);
  const got = /^get (\S+) (\S+)$/m.exec(hop.stdout);
  t.truthy(got, hop.stdout);
  t.is(got?.[1], got?.[2], 'the blob read back through the first replica is the one uploaded');

  // control: the same registry binary and config on the same storage directory, with another secret
  const third = '/srv/third-registry';
  await lab.sh('cp1', `mkdir -p ${third} && kubectl --kubeconfig /root/.kube/config get configmap registry-config -n registry -o jsonpath='{.data.config\\.yml}' > ${third}/config.yml && cp /registry/certs/tls.crt /registry/certs/tls.key /registry/auth/htpasswd ${third}/ && chown -R 10001:10001 ${third}`);
  const started = await lab.sh('cp1', `cd ${third} && REGISTRY_HTTP_SECRET=not-the-shared-secret REGISTRY_HTTP_ADDR=${lab.address('cp1')}:5099 REGISTRY_HTTP_DEBUG_ADDR=127.0.0.1:5098 REGISTRY_HTTP_TLS_CERTIFICATE=${third}/tls.crt REGISTRY_HTTP_TLS_KEY=${third}/tls.key REGISTRY_AUTH_HTPASSWD_PATH=${third}/htpasswd REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY=${EXPORT} setpriv --reuid 10001 --regid 10001 --clear-groups docker-registry serve ${third}/config.yml > ${third}/log 2>&1 & echo $!`);
  const pid = started.trim();
  try {
    const up = await lab.exec('w1', `for i in $(seq 50); do curl -s -o /dev/null --cacert ${CA} --resolve ${NAME}:5099:${lab.address('cp1')} https://${NAME}:5099/ && exit 0; sleep 0.2; done; exit 1`);
    t.is(up.code, 0, `the third registry did not come up: ${await lab.readFile('cp1', `${third}/log`)}`);
    const refused = await lab.exec('w1', hopScript(a!.ip, lab.address('cp1'), 5099));
    t.regex(refused.stdout, /^second-patch (400|404) .*BLOB_UPLOAD_(INVALID|UNKNOWN)/m, refused.stdout + refused.stderr);
    t.notRegex(refused.stdout, /^put /m);
  } finally {
    await lab.exec('cp1', `kill ${pid}`);
  }
});

serial('a tag pushed through one replica is served by the other to every worker; containerd pulls it through the Service on every worker', async (t) => {
  const [a, b] = await pods();
  await buildImage(lab, 'cp1', '/root/oci-replicas', 'pushed to one replica, pulled from the other\n');
  // the pod's address is not in the certificate: the push skips verification; the pulls below verify by name
  const push = await lab.exec('cp1', `skopeo copy --retry-times 0 --dest-tls-verify=false --dest-creds alice:"$(cat)" oci:/root/oci-replicas:1 docker://${a!.ip}:${PORT}/replicas/hello:1`, { stdin: PASSWORD });
  t.is(push.code, 0, push.stderr);
  for (const w of WORKERS) {
    const pulled = await lab.exec(w, `set -e
cu() { curl -sSf --cacert ${CA} -u "$(cat /root/.registry-credential)" --resolve ${NAME}:${PORT}:${b!.ip} "$@"; }
m=$(cu -H 'Accept: application/vnd.oci.image.manifest.v1+json' https://${NAME}:${PORT}/v2/replicas/hello/manifests/1)
layer=$(echo "$m" | sed 's/.*"layers":\\[{[^}]*"digest":"\\(sha256:[0-9a-f]*\\)".*/\\1/')
echo "layer $layer $(cu https://${NAME}:${PORT}/v2/replicas/hello/blobs/$layer | sha256sum | cut -d' ' -f1)"
cu https://${NAME}:${PORT}/v2/replicas/hello/blobs/$layer | tar -xzOf - hello.txt`); // skopeo compresses the layer when it pushes
    t.is(pulled.code, 0, `${w}: ${pulled.stderr}`);
    const m = /^layer sha256:(\S+) (\S+)$/m.exec(pulled.stdout);
    t.is(m?.[1], m?.[2], `${w}: the layer served by the other replica has its digest`);
    t.regex(pulled.stdout, /pushed to one replica, pulled from the other/, w);
    const image = `${NAME}:${PORT}/replicas/hello:1`;
    const ctr = await lab.exec(w, `ctr image rm ${image} >/dev/null 2>&1; ctr image pull --hosts-dir /etc/containerd/certs.d --user "$(cat /root/.registry-credential)" ${image}`);
    t.is(ctr.code, 0, `${w}: ${ctr.stderr}`);
  }
});

serial('killing one replica during a run of pulls leaves the pulls succeeding (a pull caught on the dying replica succeeds on its one retry, as the kubelet retries an image pull)', async (t) => {
  const [a] = await pods();
  const restarts = a!.restarts;
  const image = `${NAME}:${PORT}/replicas/hello:1`;
  const pull = `ctr image rm ${image} >/dev/null 2>&1; ctr image pull --hosts-dir /etc/containerd/certs.d --user "$(cat /root/.registry-credential)" ${image} >/dev/null`;
  // pulls through the Service (the registry name), one after another for 16 s: start and end time,
  // exit code of the first try, and of a second try only when the first failed
  const loop = lab.exec('w1', `end=$(($(date +%s) + 16)); i=0; while [ $(date +%s) -lt $end ]; do i=$((i+1)); s=$(date +%s.%N); ${pull} 2>/tmp/pull-err; c=$?; r=-; if [ $c -ne 0 ]; then sed 's/^/  /' /tmp/pull-err; ${pull} 2>&1; r=$?; fi; echo "pull $i $s $(date +%s.%N) $c $r"; done`);
  await new Promise((r) => setTimeout(r, 2000));
  // replica a's registry is killed, and killed again whenever its container restarts, for 10 s: it
  // stays down (never ready) that long, whatever the machine's load
  const killer = await lab.sh('cp1', `first=$(date +%s.%N); stop=$(($(date +%s) + 10)); n=0
while [ $(date +%s) -lt $stop ]; do
  for p in $(grep -lz '^HOSTNAME=${a!.name}$' /proc/[0-9]*/environ 2>/dev/null | cut -d/ -f3); do
    [ "$(cat /proc/$p/comm 2>/dev/null)" = docker-registry ] && kill -9 $p && n=$((n+1))
  done
  sleep 0.2
done
echo "$first $(date +%s.%N) $n"`);
  const [killStart, killEnd, kills] = killer.trim().split(' ').map(Number) as [number, number, number];
  t.true(kills >= 1, 'the replica\'s registry process was killed');
  const r = await loop;
  t.is(r.code, 0, r.stderr);
  const pulls = [...r.stdout.matchAll(/^pull (\d+) (\S+) (\S+) (\d+) (\S+)$/gm)].map((m) => ({ i: Number(m[1]), start: Number(m[2]), end: Number(m[3]), first: Number(m[4]), retry: m[5] }));
  t.true(pulls.length >= 3, r.stdout);
  t.deepEqual(pulls.filter((p) => !(p.first === 0 || p.retry === '0')), [], `every pull succeeded, at the latest on its retry\n${r.stdout}`);
  const retried = pulls.filter((p) => p.first !== 0);
  t.true(retried.length <= 2, `only a pull caught on the dying replica needs its retry\n${r.stdout}`);
  t.true(retried.every((p) => p.end > killStart && p.start < killStart + 2), `the retried pulls are those at the kill\n${r.stdout}`);
  const whileDown = pulls.filter((p) => p.start > killStart + 1 && p.end < killEnd && p.first === 0);
  t.true(whileDown.length >= 1, `pulls that ran entirely while replica a was down, succeeding at once: ${whileDown.length}\n${r.stdout}`);
  t.true(pulls.some((p) => p.end < killStart), 'pulls ran before the kill too');
  let after: PodInfo | undefined;
  for (let i = 0; i < 90 && !(after?.ready && after.restarts > restarts); i++) {
    await new Promise((res) => setTimeout(res, 500));
    after = (await pods()).find((p) => p.name === a!.name);
  }
  t.true((after?.restarts ?? 0) > restarts && after?.ready, `the replica restarted and is ready again: ${JSON.stringify(after)}`);
});

serial('metrics: distribution\'s Prometheus endpoint answers on its own port, on each pod and through the Service\'s metrics port', async (t) => {
  const svc = await getJson('service registry -n registry');
  const port = svc.spec.ports.find((p: { name: string }) => p.name === 'metrics');
  t.like(port, { port: 5001, targetPort: 5001 });
  for (const p of await pods()) {
    // one registry request to this pod first: a freshly restarted one has counted none yet
    await lab.exec('w1', `curl -s -o /dev/null --cacert ${CA} --resolve ${NAME}:${PORT}:${p.ip} https://${NAME}:${PORT}/v2/`);
    const m = await lab.exec('w1', `curl -sSf http://${p.ip}:5001/metrics`);
    t.is(m.code, 0, m.stderr);
    t.regex(m.stdout, /^registry_http_requests_total\{/m, p.name);
  }
  const viaService = await lab.exec('w1', `curl -sSf http://${svc.spec.clusterIP}:5001/metrics`);
  t.regex(viaService.stdout, /^registry_http_in_flight_requests\{/m, viaService.stderr);
  const tls = await lab.exec('w1', `curl -s -o /dev/null -w '%{http_code}' http://${svc.spec.clusterIP}:${PORT}/v2/`);
  t.not(tls.stdout, '200', 'the registry port itself stays TLS-only');
});

serial('a ServiceMonitor once the cluster has its CRD: planned, applied, re-run changed=0; the stand-in checks it against the CRD\'s schema', async (t) => {
  const crd = await lab.exec('cp1', 'kubectl --kubeconfig /root/.kube/config apply --server-side -f -', { stdin: JSON.stringify(SERVICE_MONITOR_CRD) });
  t.is(crd.code, 0, crd.stderr);
  t.regex(await kubectl('api-versions'), /^monitoring\.coreos\.com\/v1$/m);
  const check = await play(['--check']);
  t.is(check.code, 0, output(check));
  t.deepEqual(k8sActions(check).filter((a) => !a.startsWith('change ConfigMap default/regplay-registry')), ['create ServiceMonitor registry/registry']);
  const apply = await play();
  t.is(apply.code, 0, output(apply));
  const again = await play();
  t.is(again.code, 0, output(again));
  t.is(totalChanged(again), 0, JSON.stringify(again.report.recap));
  const monitor = await getJson('servicemonitor registry -n registry');
  t.deepEqual(monitor.spec, { selector: { matchLabels: { 'app.kubernetes.io/name': 'registry' } }, endpoints: [{ port: 'metrics', path: '/metrics', scheme: 'http' }] });
  t.is(monitor.metadata.labels.release, 'prometheus');
  t.is(monitor.metadata.labels['applyset.kubernetes.io/part-of'], (await getJson('deployment registry -n registry')).metadata.labels['applyset.kubernetes.io/part-of'], 'a member of the ApplySet');
  const svc = await getJson('service registry -n registry');
  t.true(svc.spec.ports.some((p: { name: string }) => p.name === monitor.spec.endpoints[0].port), 'the endpoint names a port of the Service it selects');
  // the stand-in is strict for custom resources too: a wrong type and an undeclared field are refused
  const bad = (spec: object) => lab.exec('cp1', 'kubectl --kubeconfig /root/.kube/config apply --server-side -f -', { stdin: JSON.stringify({ apiVersion: 'monitoring.coreos.com/v1', kind: 'ServiceMonitor', metadata: { name: 'bad', namespace: 'registry' }, spec }) });
  const wrongType = await bad({ selector: {}, endpoints: [{ port: 5001 }] });
  t.not(wrongType.code, 0);
  t.regex(wrongType.stderr, /failed to create typed patch object .*\.spec\.endpoints\[0\]\.port: expected string, got &value\.valueUnstructured\{Value:5001\}/);
  const undeclared = await bad({ selector: {}, endpoints: [{ port: 'metrics' }], sampleLimitt: 5 });
  t.not(undeclared.code, 0);
  t.regex(undeclared.stderr, /\.spec\.sampleLimitt: field not declared in schema/);
});

serial('--check plans the scale back to 1 (replicas; the PodDisruptionBudget deleted); apply; apply again changed=0; then metrics off deletes the ServiceMonitor', async (t) => {
  setReplicas(1);
  const check = await play(['--check']);
  t.is(check.code, 0, output(check));
  const actions = k8sActions(check);
  t.deepEqual(actions.filter((a) => !a.startsWith('change ConfigMap default/regplay-registry')), ['change Deployment registry/registry: spec.replicas', 'delete PodDisruptionBudget registry/registry']);
  t.truthy(await getJson('pdb registry -n registry'), 'check deleted nothing');
  const apply = await play();
  t.is(apply.code, 0, output(apply));
  const again = await play();
  t.is(again.code, 0, output(again));
  t.is(totalChanged(again), 0, JSON.stringify(again.report.recap));
  t.is((await lab.exec('cp1', 'kubectl --kubeconfig /root/.kube/config get pdb -n registry -o name')).stdout.trim(), '');
  let now = await pods();
  for (let i = 0; i < 40 && now.length !== 1; i++) {
    await new Promise((res) => setTimeout(res, 500));
    now = await pods();
  }
  t.is(now.length, 1);

  setReplicas(1, false);
  const off = await play();
  t.is(off.code, 0, output(off));
  t.true(k8sActions(off).includes('delete ServiceMonitor registry/registry'), k8sActions(off).join('\n'));
  t.is((await lab.exec('cp1', 'kubectl --kubeconfig /root/.kube/config get servicemonitors -n registry -o name')).stdout.trim(), '');
  const offAgain = await play();
  t.is(totalChanged(offAgain), 0, JSON.stringify(offAgain.report.recap));
});
