// The judges of `play verify` as data: a command's output → the verdict, naming the layer and the
// fix; the canary is a valid OCI layout; the credential never reaches a command line.
import test from 'ava';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Secret } from '../../src/secret.js';
import { curlUserConfig, hostProbes } from '../../src/verify/checks.js';
import { layoutTar, makeCanary } from '../../src/verify/canary.js';
import { formatTable } from '../../src/verify/table.js';
import type { Target } from '../../src/verify/targets.js';

const PASSWORD = 'pw-"quoted"\\-93';
const target: Target = {
  host: 'w2',
  runtime: 'containerd',
  name: 'registry.lab',
  port: 5000,
  caFile: '/etc/containerd/certs.d/registry.lab:5000/ca.crt',
  configFile: '/etc/containerd/config.toml',
  certsDir: '/etc/containerd/certs.d',
  registryIp: null,
  ipSource: 'cluster_ip',
  renewDays: 30,
  user: 'alice',
  password: new Secret(PASSWORD),
  users: [],
  fix: 'play site.yaml --limit w2',
};
const now = new Date('2026-01-01T00:00:00Z');
const probes = hostProbes(target, { expectedIp: '10.96.0.10', canary: { ref: 'registry.lab:5000/regplay-verify/canary:x' }, keepCanary: false, now });
const probe = (id: string) => probes.find((p) => p.id === id)!;
const judge = (id: string, code: number, stdout = '', stderr = '') => probe(id).judge({ code, stdout, stderr });

test('the checks run in layer order; secrets only on stdin', (t) => {
  t.deepEqual(probes.map((p) => p.id), ['dns', 'tcp', 'config', 'tls', 'cert', 'auth', 'pull']);
  for (const p of probes) t.false(p.command.includes(PASSWORD), p.id);
  t.true(String(probe('auth').stdin).includes('alice:'));
  t.true(String(probe('pull').stdin).startsWith(`alice:${PASSWORD}`));
});

const cases: Array<[string, number, string, string, RegExp | 'ok']> = [
  ['dns', 2, '', '', /^DNS: registry\.lab does not resolve on w2 — run `play site\.yaml --limit w2`$/],
  ['dns', 0, '10.0.0.9        registry.lab\n', '', /^DNS: registry\.lab resolves to 10\.0\.0\.9 on w2, expected 10\.96\.0\.10/],
  ['dns', 0, '10.96.0.10      registry.lab\n', '', 'ok'],
  ['config', 0, 'version = 2\n[plugins]\n', '', /^containerd: config_path not set in \/etc\/containerd\/config\.toml on w2/],
  ['config', 0, '  config_path = "/etc/other"\n', '', /config_path in \/etc\/containerd\/config\.toml is \/etc\/other, not \/etc\/containerd\/certs\.d/],
  ['config', 0, '[plugins."io.containerd.grpc.v1.cri".registry]\n  config_path = "/etc/containerd/certs.d"\n', '', 'ok'],
  ['tls', 10, 'NO-CA\n', '', /^TLS: no CA at .*ca\.crt \(containerd's trust location\) — run `play site\.yaml --limit w2`$/],
  ['tls', 1, 'verify error:num=20:unable to get local issuer certificate\n', '', /^TLS: certificate signed by unknown authority/],
  ['tls', 1, 'verify error:num=62:hostname mismatch\n', '', /^TLS: the certificate does not name registry\.lab/],
  ['tls', 0, 'Verify return code: 0 (ok)\n', '', 'ok'],
  ['cert', 0, 'notAfter=Jan 11 00:00:00 2026 GMT\n', '', 'ok'],
  ['cert', 0, 'notAfter=Dec 11 00:00:00 2025 GMT\n', '', /expired 21 days ago/],
  ['auth', 0, 'anonymous 401\nuser 401\n', '', /^auth: \/v2\/ refuses alice \(401\)/],
  ['auth', 0, 'anonymous 200\nuser 200\n', '', /without credentials \(expected 401/],
  ['auth', 0, 'anonymous 401\nuser 200\n', '', 'ok'],
  ['pull', 1, 'via ctr --hosts-dir\n', 'ctr: failed to resolve reference: tls: failed to verify certificate: x509: certificate signed by unknown authority', /^pull \(ctr --hosts-dir\): TLS: certificate signed by unknown authority/],
  ['pull', 0, 'via crictl\n', '', 'ok'],
];
for (const [id, code, stdout, stderr, want] of cases) {
  test(`${id}: exit ${code} ${JSON.stringify(stdout + stderr).slice(0, 60)}`, (t) => {
    const v = judge(id, code, stdout, stderr);
    if (want === 'ok') t.is(v.status, 'ok', v.message);
    else {
      t.is(v.status, 'failed');
      t.regex(v.message ?? '', want);
    }
  });
}

test('cert: under cert_renew_days is a warning, not a failure', (t) => {
  const v = judge('cert', 0, 'notAfter=Jan 11 00:00:00 2026 GMT\n');
  t.is(v.status, 'ok');
  t.is(v.facts?.warning, 'yes');
  t.regex(v.message!, /^WARNING: 10 days left, under cert_renew_days 30/);
});

test('curl reads the credential from its config on stdin, quotes and backslashes escaped', (t) => {
  t.is(curlUserConfig('alice', 'a"b\\c'), 'user = "alice:a\\"b\\\\c"\n');
});

test('the canary is an OCI layout tar that unpacks to blobs whose names are their digests', (t) => {
  const c = makeCanary('run1', 'amd64');
  const dir = mkdtempSync(join(tmpdir(), 'canary-'));
  try {
    writeFileSync(join(dir, 'c.tar'), layoutTar(c));
    execFileSync('tar', ['-x', '-C', dir, '-f', join(dir, 'c.tar')]);
    const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8'));
    t.is(index.manifests[0].digest, c.manifestDigest);
    t.is(index.manifests[0].annotations['org.opencontainers.image.ref.name'], 'run1');
    for (const path of [...c.files.keys()].filter((p) => p.startsWith('blobs/'))) {
      t.is(`sha256:${createHash('sha256').update(readFileSync(join(dir, path))).digest('hex')}`, `sha256:${path.split('/').pop()}`);
    }
    t.not(makeCanary('run2').manifestDigest, c.manifestDigest, 'each run pushes a new image');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the table: a row per host and runtime, a column per layer, failures listed under it', (t) => {
  const text = formatTable([
    { host: 'w1', runtime: 'containerd', results: ['dns', 'tcp', 'config', 'tls', 'cert', 'auth', 'pull'].map((id) => ({ id, label: id, status: 'ok' as const })) },
    { host: 'w2', runtime: 'containerd', results: [{ id: 'dns', label: 'DNS', status: 'failed', message: 'DNS: registry.lab does not resolve on w2' }, { id: 'tcp', label: 'TCP', status: 'skipped' }] },
    { host: 'b1', runtime: 'build', results: [] },
  ]);
  t.regex(text, /^host\s+runtime\s+dns\s+tcp\s+config\s+tls\s+cert\s+auth\s+pull$/m);
  t.regex(text, /^w1\s+containerd(\s+ok){7}$/m);
  t.regex(text, /^w2\s+containerd\s+FAIL\s+skip(\s+-){5}$/m);
  t.regex(text, /^b1\s+build(\s+unreachable){7}$/m);
  t.regex(text, /^ {2}w2: DNS: registry\.lab does not resolve on w2$/m);
});

// node-trust's runtimes, each through its own path (the lab test proves the Podman one for real).
const forRuntime = (runtime: Target['runtime'], extra: Partial<Target>) => {
  const { configFile: _c, certsDir: _d, ...base } = target;
  return hostProbes({ ...base, runtime, ...extra }, { expectedIp: null, canary: { ref: 'registry.lab:5000/regplay-verify/canary:x' }, keepCanary: false, now });
};

test('crio: podman pull into a throwaway store (the node\'s certs.d and registries.conf.d), else skopeo; the credential only on stdin', (t) => {
  const ps = forRuntime('crio', { caFile: '/etc/containers/certs.d/registry.lab:5000/ca.crt', trustFile: { path: '/etc/containers/registries.conf.d/regplay-registry.lab.conf', names: 'registry.lab:5000' } });
  t.deepEqual(ps.map((p) => p.id), ['dns', 'tcp', 'config', 'tls', 'cert', 'auth', 'pull']);
  const pull = ps.find((p) => p.id === 'pull')!;
  t.regex(pull.command, /podman --root "\$d\/root" --runroot "\$d\/run" --tmpdir "\$d\/tmp" --storage-driver vfs --events-backend none pull --quiet --authfile "\$d\/auth\.json" '?registry\.lab:5000\/regplay-verify\/canary:x'?/);
  t.regex(pull.command, /trap 'rm -rf "\$d"' EXIT/);
  t.regex(pull.command, /elif command -v skopeo/);
  t.false(pull.command.includes(PASSWORD));
  t.deepEqual(JSON.parse(String(pull.stdin)), { auths: { 'registry.lab:5000': { auth: Buffer.from(`alice:${PASSWORD}`).toString('base64') } } });
  t.deepEqual(pull.judge({ code: 0, stdout: 'via podman pull\n', stderr: '' }), { status: 'ok', message: 'via podman pull' });
  t.regex(pull.judge({ code: 125, stdout: 'via podman pull\n', stderr: 'x509: certificate signed by unknown authority' }).message!, /^pull \(podman pull\): TLS: certificate signed by unknown authority — run `play site\.yaml --limit w2`$/);
  t.regex(pull.judge({ code: 127, stdout: '', stderr: 'neither podman nor skopeo is installed' }).message!, /neither podman nor skopeo/);
  const tls = ps.find((p) => p.id === 'tls')!;
  t.regex(tls.judge({ code: 10, stdout: 'NO-CA', stderr: '' }).message!, /no CA at \/etc\/containers\/certs\.d\/registry\.lab:5000\/ca\.crt \(containers\/image's \(CRI-O, Podman\) trust location\)/);
  const drop = ps.find((p) => p.id === 'config')!;
  t.regex(drop.judge({ code: 10, stdout: 'NO-FILE', stderr: '' }).message!, /regplay-registry\.lab\.conf is missing on w2/);
  t.is(drop.judge({ code: 0, stdout: '', stderr: '' }).status, 'ok');
});

test('docker nodes: skopeo with only Docker\'s certs.d/<address>; k3s/RKE2/MicroK8s: the trust file names the CA, TLS with that CA, the pull is skipped and says why', (t) => {
  const docker = forRuntime('docker', { caFile: '/etc/docker/certs.d/registry.lab:5000/ca.crt' });
  t.deepEqual(docker.map((p) => p.id), ['dns', 'tcp', 'tls', 'cert', 'auth', 'pull']);
  t.regex(docker.find((p) => p.id === 'pull')!.command, /skopeo inspect --retry-times 0 --raw --cert-dir '?\/etc\/docker\/certs\.d\/registry\.lab:5000'? --authfile/);
  const k3s = forRuntime('k3s', { caFile: '/etc/rancher/k3s/registry-ca/registry.lab:5000/ca.crt', trustFile: { path: '/etc/rancher/k3s/registries.yaml', names: '/etc/rancher/k3s/registry-ca/registry.lab:5000/ca.crt' } });
  const config = k3s.find((p) => p.id === 'config')!;
  // only an exit code comes back: registries.yaml holds the password
  t.regex(config.command, /grep -F -q -- '?\/etc\/rancher\/k3s\/registry-ca\/registry\.lab:5000\/ca\.crt'? '?\/etc\/rancher\/k3s\/registries\.yaml'?$/);
  t.regex(config.judge({ code: 1, stdout: '', stderr: '' }).message!, /^k3s: \/etc\/rancher\/k3s\/registries\.yaml on w2 does not name \/etc\/rancher\/k3s\/registry-ca\/registry\.lab:5000\/ca\.crt — run/);
  const pull = k3s.find((p) => p.id === 'pull')!;
  t.deepEqual(pull.judge({ code: 0, stdout: '', stderr: '' }).status, 'skipped');
  t.regex(pull.judge({ code: 0, stdout: '', stderr: '' }).message!, /no k3s pull path .* trust file and TLS with its CA were checked/);
});
