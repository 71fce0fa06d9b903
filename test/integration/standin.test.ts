// The Kubernetes API stand-in (test/standin) driven by the real kubectl: server-side apply, dry-run,
// and a registry Deployment that the stand-in kubelet really runs (docker-registry in a private mount
// namespace with the Secret/ConfigMap volumes at their mountPaths).
import test from 'ava';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { freePort } from '../helpers/net.js';
import { serialUnless } from '../helpers/lab-test.js';

const here = new URL('.', import.meta.url).pathname;
const mainTs = join(here, '..', 'standin', 'main.ts');

function missingSupport(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root (mount namespaces)';
  for (const bin of ['kubectl', 'unshare', 'setpriv', 'docker-registry', 'openssl', 'htpasswd', 'curl']) {
    if (spawnSync('sh', ['-c', `command -v ${bin}`]).status !== 0) return `${bin} not installed`;
  }
  if (spawnSync('unshare', ['-m', '--propagation', 'private', 'true']).status !== 0) return 'unshare -m not permitted here';
  return undefined;
}
const skipReason = missingSupport();
// Without what the stand-in needs, every test is skipped (in CI: failed) with the reason in its title.
const serial = serialUnless(skipReason);

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

const dir = mkdtempSync(join(tmpdir(), 'standin-it-'));
const stateDir = join(dir, 'state');
const kubeconfig = join(dir, 'kubeconfig');
let standin: ChildProcess | undefined;
let registryPort = 0;


function startStandin(): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', mainTs, '--listen', '127.0.0.1:0', '--service-ip', '127.0.0.1', '--state-dir', stateDir, '--kubeconfig-out', kubeconfig],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stderr!.on('data', () => {});
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('standin ready')) resolve(child);
    });
    child.on('exit', (code) => reject(new Error(`stand-in exited early (${code})`)));
  });
}

async function stopStandin(): Promise<void> {
  const child = standin;
  standin = undefined;
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((r) => child.on('exit', r));
  child.kill('SIGTERM');
  await exited;
}

function run(cmd: string, args: string[], stdin?: string): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { env: { ...process.env, KUBECONFIG: kubeconfig }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(stdin ?? '');
  });
}

const kubectl = (args: string[], stdin?: string) => run('kubectl', ['--cache-dir', join(dir, 'cache'), ...args], stdin);
const manifests = (objs: object[]) => objs.map((o) => stringify(o)).join('---\n');
const apply = (objs: object[], extra: string[] = []) =>
  kubectl(['apply', '--server-side', '--field-manager=regplay', '--force-conflicts', '-f', '-', '-o', 'json', ...extra], manifests(objs));

const ns = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'registry' } };
const configMap = (value: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'demo', namespace: 'registry' }, data: { key: value } });

function registryObjects(tlsMountPath: string) {
  const b64 = (f: string) => readFileSync(join(dir, f)).toString('base64');
  const config = stringify({
    version: 0.1,
    storage: { filesystem: { rootdirectory: '/var/lib/registry' }, delete: { enabled: true } },
    http: { addr: `127.0.0.1:${registryPort}`, tls: { certificate: '/certs/tls.crt', key: '/certs/tls.key' } },
    auth: { htpasswd: { realm: 'Registry', path: '/auth/htpasswd' } },
    health: { storagedriver: { enabled: true, interval: '10s', threshold: 3 } },
  });
  return [
    { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'registry-tls', namespace: 'registry' }, type: 'kubernetes.io/tls', data: { 'tls.crt': b64('tls.crt'), 'tls.key': b64('tls.key') } },
    { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'registry-htpasswd', namespace: 'registry' }, type: 'Opaque', data: { htpasswd: b64('htpasswd') } },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'registry-config', namespace: 'registry' }, data: { 'config.yml': config } },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'registry', namespace: 'registry' },
      spec: {
        replicas: 1,
        strategy: { type: 'Recreate' },
        selector: { matchLabels: { app: 'registry' } },
        template: {
          metadata: { labels: { app: 'registry' } },
          spec: {
            containers: [
              {
                name: 'registry',
                image: 'registry:2.8.3',
                ports: [{ containerPort: registryPort }],
                readinessProbe: { httpGet: { path: '/', port: registryPort, scheme: 'HTTPS' }, periodSeconds: 2 },
                volumeMounts: [
                  { name: 'config', mountPath: '/etc/docker/registry', readOnly: true },
                  { name: 'tls', mountPath: tlsMountPath, readOnly: true },
                  { name: 'auth', mountPath: '/auth', readOnly: true },
                ],
              },
            ],
            volumes: [
              { name: 'config', configMap: { name: 'registry-config' } },
              { name: 'tls', secret: { secretName: 'registry-tls' } },
              { name: 'auth', secret: { secretName: 'registry-htpasswd' } },
            ],
          },
        },
      },
    },
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'registry', namespace: 'registry' }, spec: { selector: { app: 'registry' }, ports: [{ port: registryPort }] } },
  ];
}

const curlStatus = async (extra: string[] = []) =>
  (await run('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', '--cacert', join(dir, 'tls.crt'), ...extra, `https://127.0.0.1:${registryPort}/v2/`])).stdout;

test.before(async () => {
  if (skipReason) return;
  registryPort = await freePort();
  spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'tls.key'), '-out', join(dir, 'tls.crt'), '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  const ht = spawnSync('htpasswd', ['-Bbn', 'alice', 'wonderland'], { encoding: 'utf8' });
  await import('node:fs').then((fs) => fs.writeFileSync(join(dir, 'htpasswd'), ht.stdout));
  standin = await startStandin();
});

test.after.always(async () => {
  await stopStandin();
  rmSync(dir, { recursive: true, force: true });
});

serial('kubectl talks to the stand-in: version, and namespace default with its ServiceAccount', async (t) => {
  const v = await kubectl(['version', '-o', 'json']);
  t.is(v.code, 0, v.stderr);
  t.is(JSON.parse(v.stdout).serverVersion.gitVersion, 'v1.32.0-standin');
  const sa = await kubectl(['get', 'serviceaccount', 'default', '-n', 'default', '-o', 'json']);
  t.is(sa.code, 0, sa.stderr);
});

serial('server-side apply creates, a second identical apply changes nothing', async (t) => {
  const first = await apply([ns, configMap('one')]);
  t.is(first.code, 0, first.stderr);
  const got = await kubectl(['get', '-f', '-', '-o', 'json', '--ignore-not-found', '--show-managed-fields'], manifests([ns, configMap('one')]));
  t.is(got.code, 0, got.stderr);
  const before = JSON.parse(got.stdout).items;
  t.is(before[1].data.key, 'one');
  t.is(before[1].metadata.managedFields[0].manager, 'regplay');
  const again = await apply([ns, configMap('one')]);
  t.is(again.code, 0, again.stderr);
  const after = JSON.parse(again.stdout).items;
  t.deepEqual(after.map((o: { metadata: { resourceVersion: string } }) => o.metadata.resourceVersion), before.map((o: { metadata: { resourceVersion: string } }) => o.metadata.resourceVersion));
  const sa = await kubectl(['get', 'sa', 'default', '-n', 'registry', '-o', 'yaml']);
  t.is(sa.code, 0, 'the new namespace got its default ServiceAccount');
});

serial('apply --dry-run=server reports the change but stores nothing', async (t) => {
  const dry = await apply([configMap('two')], ['--dry-run=server']);
  t.is(dry.code, 0, dry.stderr);
  t.is(JSON.parse(dry.stdout).data.key, 'two');
  const got = await kubectl(['get', 'configmap', 'demo', '-n', 'registry', '-o', 'jsonpath={.data.key}']);
  t.is(got.stdout, 'one');
});

serial('patch adds imagePullSecrets to the default ServiceAccount; delete removes an object', async (t) => {
  const p = await kubectl(['patch', 'serviceaccount', 'default', '-n', 'registry', '-p', '{"imagePullSecrets":[{"name":"regcred"}]}']);
  t.is(p.code, 0, p.stderr);
  const sa = await kubectl(['get', 'sa', 'default', '-n', 'registry', '-o', 'jsonpath={.imagePullSecrets[0].name}']);
  t.is(sa.stdout, 'regcred');
  const d = await kubectl(['delete', 'configmap', 'demo', '-n', 'registry']);
  t.is(d.code, 0, d.stderr);
  const gone = await kubectl(['get', 'configmap', 'demo', '-n', 'registry', '-o', 'json', '--ignore-not-found']);
  t.is(gone.stdout.trim(), '');
});

serial('requests.log has one line per write request (method, path, content type), none for reads, never a body', async (t) => {
  const log = join(stateDir, 'requests.log');
  const lines = () => readFileSync(log, 'utf8').split('\n').filter(Boolean);
  const before = lines().length;
  t.true(before > 0, 'the earlier applies, patch and delete were recorded');
  const get = await kubectl(['get', 'namespaces', '-o', 'json']);
  t.is(get.code, 0, get.stderr);
  t.is(lines().length, before, 'a read is not a write request');

  const value = 'request-log-secret-7c2e91';
  const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'logged', namespace: 'registry' }, type: 'Opaque', stringData: { token: value } };
  const a = await apply([secret]);
  t.is(a.code, 0, a.stderr);
  const d = await kubectl(['delete', 'secret', 'logged', '-n', 'registry']);
  t.is(d.code, 0, d.stderr);
  const added = lines().slice(before);
  t.is(added.length, 2, added.join('\n'));
  t.regex(added[0]!, /^\S+ PATCH \/api\/v1\/namespaces\/registry\/secrets\/logged\?\S*fieldManager=regplay\S* application\/apply-patch\+yaml$/);
  t.regex(added[1]!, /^\S+ DELETE \/api\/v1\/namespaces\/registry\/secrets\/logged(\?\S*)? \S+$/);
  const text = readFileSync(log, 'utf8');
  for (const leak of [value, Buffer.from(value).toString('base64')]) t.false(text.includes(leak), 'no request body in the log');
});

serial('apply refuses an undeclared field (a typo) like a real API server', async (t) => {
  const bad = { ...configMap('one'), metadata: { name: 'demo2', namespace: 'registry', lables: { a: 'b' } } };
  const r = await apply([bad]);
  t.not(r.code, 0);
  t.regex(r.stderr, /\.metadata\.lables: field not declared in schema/);
});

serial('a registry Deployment with TLS, htpasswd and config volumes rolls out and serves /v2/ with auth', async (t) => {
  const a = await apply(registryObjects('/certs'));
  t.is(a.code, 0, a.stderr);
  const r = await kubectl(['rollout', 'status', 'deployment/registry', '-n', 'registry', '--timeout=60s']);
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, /successfully rolled out/);
  t.is(await curlStatus(), '401');
  t.is(await curlStatus(['-u', 'alice:wonderland']), '200');
  t.is(await curlStatus(['-u', 'alice:wrong']), '401');
  const svc = await kubectl(['get', 'service', 'registry', '-n', 'registry', '-o', 'jsonpath={.spec.clusterIP}']);
  t.is(svc.stdout, '127.0.0.1');
});

serial('the TLS secret mounted at a wrong path breaks the rollout like on a real kubelet, and fixing it recovers', async (t) => {
  const a = await apply(registryObjects('/etc/registry-certs'));
  t.is(a.code, 0, a.stderr);
  const r = await kubectl(['rollout', 'status', 'deployment/registry', '-n', 'registry', '--timeout=12s']);
  t.not(r.code, 0);
  t.regex(r.stderr, /timed out/);
  const logs = readdirSync(join(stateDir, 'pods')).filter((f) => f.endsWith('.log')).map((f) => readFileSync(join(stateDir, 'pods', f), 'utf8'));
  t.true(logs.some((l) => l.includes('/certs/tls.crt: no such file or directory')), 'the registry itself reported the missing certificate');
  const fixed = await apply(registryObjects('/certs'));
  t.is(fixed.code, 0, fixed.stderr);
  const r2 = await kubectl(['rollout', 'status', 'deployment/registry', '-n', 'registry', '--timeout=60s']);
  t.is(r2.code, 0, r2.stderr);
  t.is(await curlStatus(['-u', 'alice:wonderland']), '200');
});

serial('a new htpasswd Secret reaches the running registry without a restart, as on a kubelet', async (t) => {
  const ht = spawnSync('htpasswd', ['-Bbn', 'bob', 'builder'], { encoding: 'utf8' }).stdout;
  const alice = readFileSync(join(dir, 'htpasswd'), 'utf8');
  const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'registry-htpasswd', namespace: 'registry' }, type: 'Opaque', data: { htpasswd: Buffer.from(alice + ht).toString('base64') } };
  const before = await kubectl(['get', 'pods', '-n', 'registry', '-o', 'jsonpath={.items[0].metadata.name}']);
  const a = await apply([secret]);
  t.is(a.code, 0, a.stderr);
  let status = '';
  for (let i = 0; i < 20 && status !== '200'; i++) {
    status = await curlStatus(['-u', 'bob:builder']);
    if (status !== '200') await new Promise((r) => setTimeout(r, 250));
  }
  t.is(status, '200');
  const after = await kubectl(['get', 'pods', '-n', 'registry', '-o', 'jsonpath={.items[0].metadata.name}']);
  t.is(after.stdout, before.stdout, 'same pod');
});

serial('kubectl exec speaks WebSocket (v5.channel.k8s.io) to the stand-in: the command runs in the container (its mounts), stdout/stderr apart, its exit code is kubectl\'s', async (t) => {
  const exec = (argv: string[], extra: string[] = []) => kubectl(['exec', '-n', 'registry', 'deployment/registry', '-c', 'registry', ...extra, '--', ...argv]);
  const version = await exec(['registry', '--version']);
  t.is(version.code, 0, version.stderr);
  t.regex(version.stdout, /github.com\/docker\/distribution 2\.\d+/);
  const config = await exec(['cat', '/etc/docker/registry/config.yml']);
  t.is(config.code, 0, config.stderr);
  t.regex(config.stdout, /rootdirectory: \/var\/lib\/registry/, "the ConfigMap at its mount path, seen from inside the container");
  const failing = await exec(['sh', '-c', 'echo out; echo err >&2; exit 3']);
  t.is(failing.code, 3);
  t.is(failing.stdout, 'out\n');
  t.regex(failing.stderr, /^err\ncommand terminated with exit code 3\n$/);
  const missing = await exec(['curl', 'http://x']);
  t.not(missing.code, 0);
  t.regex(missing.stderr, /exec: "curl": executable file not found in \$PATH/);
  const stdin = await exec(['cat'], ['-i']);
  t.not(stdin.code, 0);
  t.regex(stdin.stderr, /without stdin/);
});

serial('a restarted stand-in keeps its objects and brings the registry back', async (t) => {
  await stopStandin();
  t.not(await curlStatus(), '401', 'the registry stopped with the stand-in');
  standin = await startStandin();
  const got = await kubectl(['get', 'deployment', 'registry', '-n', 'registry', '-o', 'jsonpath={.metadata.generation}']);
  t.is(got.code, 0, got.stderr);
  t.is(got.stdout, '3');
  const r = await kubectl(['rollout', 'status', 'deployment/registry', '-n', 'registry', '--timeout=60s']);
  t.is(r.code, 0, r.stderr);
  t.is(await curlStatus(['-u', 'alice:wonderland']), '200');
});
