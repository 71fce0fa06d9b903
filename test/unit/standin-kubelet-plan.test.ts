// The stand-in kubelet's pure planning: which images run, the argv the image's entrypoint builds,
// env and volume resolution, and the mount-namespace root plan (test/standin/{image,pod-inputs,root-plan}.ts).
import test from 'ava';
import { ContainerStartError, REDIS_BINARY, REGISTRY_BINARY, containerArgv, imageProfile } from '../standin/image.js';
import { podHosts } from '../standin/kubelet.js';
import { containerEnv, podVolumes, type Lookup, type PodInfo, type VolumeSource } from '../standin/pod-inputs.js';
import { planRoot, renderScript, rootDir, type HostType, type Step } from '../standin/root-plan.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const pod: PodInfo = { name: 'registry-abc', namespace: 'reg', podIP: '10.0.0.5', nodeName: 'cp1', labels: { app: 'registry' } };
const lookup: Lookup = {
  secret: (ns, name) =>
    ns === 'reg' && name === 'registry-tls'
      ? { type: 'kubernetes.io/tls', data: { 'tls.crt': b64('CERT'), 'tls.key': b64('KEY') } }
      : ns === 'reg' && name === 'registry-auth'
        ? { data: { htpasswd: b64('alice:$2y$05$x') } }
        : undefined,
  configMap: (ns, name) => (ns === 'reg' && name === 'registry-config' ? { data: { 'config.yml': 'version: 0.1\n' } } : undefined),
  pvc: () => undefined,
  pvDir: () => undefined,
};

test('only registry-family images are runnable, with the config path of their major version', (t) => {
  t.is(imageProfile('registry:2')?.major, 2);
  t.is(imageProfile('docker.io/library/registry:2.8.3')?.defaultArgs[0], '/etc/docker/registry/config.yml');
  t.is(imageProfile('registry:3.0.0')?.defaultArgs[0], '/etc/distribution/config.yml');
  t.is(imageProfile('ghcr.io/distribution/distribution:3.0.0')?.major, 3);
  t.is(imageProfile('registry')?.major, 3, 'latest is 3.x');
  t.is(imageProfile('nginx:1.27'), undefined);
  t.is(imageProfile('myregistry.example:5000/app:2'), undefined);
});

test('the image entrypoint maps default CMD, args and command to the registry binary', (t) => {
  const v2 = imageProfile('registry:2')!;
  const v3 = imageProfile('registry:3')!;
  t.deepEqual(containerArgv({}, v2, {}), [REGISTRY_BINARY, 'serve', '/etc/docker/registry/config.yml']);
  t.deepEqual(containerArgv({}, v3, {}), [REGISTRY_BINARY, 'serve', '/etc/distribution/config.yml']);
  t.deepEqual(containerArgv({ args: ['serve', '/etc/distribution/config.yml'] }, v2, {}), [REGISTRY_BINARY, 'serve', '/etc/distribution/config.yml']);
  t.deepEqual(containerArgv({ args: ['/cfg/$(CFG)'] }, v2, { CFG: 'r.yml' }), [REGISTRY_BINARY, 'serve', '/cfg/r.yml']);
  t.deepEqual(containerArgv({ command: ['/bin/registry'], args: ['serve', '/x.yml'] }, v2, {}), [REGISTRY_BINARY, 'serve', '/x.yml']);
  t.throws(() => containerArgv({ command: ['sh', '-c', 'true'] }, v2, {}), { instanceOf: ContainerStartError, message: /exec: "sh": executable file not found/ });
});

test('the redis image runs redis-server (options to it, sh for a command); other executables and other redis images do not', (t) => {
  const redis = imageProfile('redis:7.2.7')!;
  t.is(redis.family, 'redis');
  t.is(imageProfile('docker.io/library/redis:7')?.family, 'redis');
  t.is(imageProfile('bitnami/redis:7'), undefined);
  t.deepEqual(containerArgv({}, redis, {}), [REDIS_BINARY]);
  t.deepEqual(containerArgv({ args: ['redis-server', '--port', '6379'] }, redis, {}), [REDIS_BINARY, '--port', '6379']);
  t.deepEqual(containerArgv({ args: ['--save', ''] }, redis, {}), [REDIS_BINARY, '--save', '']);
  t.deepEqual(containerArgv({ command: ['sh', '-c', 'exec redis-server -'] }, redis, {}), ['/bin/sh', '-c', 'exec redis-server -']);
  t.throws(() => containerArgv({ command: ['/bin/registry'] }, redis, {}), { instanceOf: ContainerStartError, message: /executable file not found/ });
});

test('cluster DNS stand-in: the pod\'s /etc/hosts is the node\'s plus each Service\'s svc names to its cluster IP', (t) => {
  const hosts = podHosts('127.0.0.1 localhost\n10.0.0.10 cp1', [
    { metadata: { name: 'registry-redis', namespace: 'registry' }, spec: { clusterIP: '10.0.0.226' } },
    { metadata: { name: 'headless', namespace: 'registry' }, spec: { clusterIP: 'None' } },
  ]);
  t.is(hosts, '127.0.0.1 localhost\n10.0.0.10 cp1\n# cluster DNS (Kubernetes API stand-in)\n10.0.0.226\tregistry-redis.registry.svc registry-redis.registry.svc.cluster.local\n');
});

test('env resolves secretKeyRef and refuses a missing key like a kubelet', (t) => {
  const env = containerEnv(
    {
      env: [
        { name: 'REGISTRY_AUTH_HTPASSWD_PATH', value: '/auth/htpasswd' },
        { name: 'CRT', valueFrom: { secretKeyRef: { name: 'registry-tls', key: 'tls.crt' } } },
        { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
        { name: 'REF', value: '$(POD)-x' },
      ],
    },
    pod,
    lookup,
  );
  t.deepEqual(env, { REGISTRY_AUTH_HTPASSWD_PATH: '/auth/htpasswd', CRT: 'CERT', POD: 'registry-abc', REF: 'registry-abc-x' });
  const err = t.throws(() => containerEnv({ env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 'registry-tls', key: 'ca.crt' } } }] }, pod, lookup));
  t.is((err as ContainerStartError).reason, 'CreateContainerConfigError');
});

/** A projected volume's files as [path, content, mode]; anything else fails the test. */
function filesOf(v: VolumeSource | undefined): Array<[string, string, number]> {
  if (v?.type !== 'files') throw new Error(`expected a projected (files) volume, got ${JSON.stringify(v)}`);
  return v.files.map((f) => [f.path, f.content.toString(), f.mode]);
}

test('secret and configMap volumes project items with their modes; a missing key fails the mount', (t) => {
  const vols = podVolumes(
    {
      volumes: [
        { name: 'tls', secret: { secretName: 'registry-tls', defaultMode: 0o600, items: [{ key: 'tls.crt', path: 'domain.crt' }, { key: 'tls.key', path: 'domain.key', mode: 0o400 }] } },
        { name: 'config', configMap: { name: 'registry-config' } },
      ],
    },
    pod,
    lookup,
  );
  t.deepEqual(filesOf(vols.get('tls')), [['domain.crt', 'CERT', 0o600], ['domain.key', 'KEY', 0o400]]);
  t.deepEqual(filesOf(vols.get('config')), [['config.yml', 'version: 0.1\n', 0o644]], 'the ConfigMap volume projects its key with the default mode');
  t.deepEqual([...vols.keys()], ['tls', 'config']);
  const err = t.throws(() => podVolumes({ volumes: [{ name: 'tls', secret: { secretName: 'registry-tls', items: [{ key: 'ca.crt', path: 'ca.crt' }] } }] }, pod, lookup));
  t.is((err as ContainerStartError).reason, 'FailedMount');
  t.throws(() => podVolumes({ volumes: [{ name: 'a', secret: { secretName: 'nope' } }] }, pod, lookup), { message: /secret "nope" not found/ });
  t.throws(() => podVolumes({ volumes: [{ name: 'a', configMap: { name: 'nope' } }] }, pod, lookup), { message: /volume "a" : configmap "nope" not found/ });
  const optional = podVolumes({ volumes: [{ name: 's', secret: { secretName: 'nope', optional: true } }, { name: 'c', configMap: { name: 'nope', optional: true } }] }, pod, lookup);
  t.deepEqual([filesOf(optional.get('s')), filesOf(optional.get('c'))], [[], []], 'a missing optional Secret or ConfigMap mounts empty');
});

// A host with /etc (no /etc/docker), /var/lib, and nothing at /certs.
const hostDirs = new Set(['/', '/etc', '/var', '/var/lib', '/usr', '/usr/bin']);
const hostType = (p: string): HostType => (hostDirs.has(p) ? 'dir' : undefined);
const topLevel = [
  { name: 'etc', type: 'dir' as const },
  { name: 'var', type: 'dir' as const },
  { name: 'usr', type: 'dir' as const },
  { name: 'bin', type: 'symlink' as const, linkTarget: 'usr/bin' },
];
const nsDir = '/state/pods/p/ns';
const R = rootDir(nsDir);

function plan() {
  return planRoot({
    nsDir,
    topLevel,
    hostType,
    imageFiles: [{ path: '/etc/docker/registry/config.yml', staged: '/state/pods/p/image/0', mode: 0o644 }],
    imageDirs: ['/var/lib/registry'],
    mounts: [
      { source: '/state/pods/p/volumes/config', target: '/etc/docker/registry', readOnly: true, isFile: false },
      { source: '/state/pods/p/volumes/tls', target: '/certs', readOnly: true, isFile: false },
      { source: '/state/volumes/pv1', target: '/var/lib/registry', readOnly: false, isFile: false },
    ],
  });
}

test('the root plan overlays host directories that gain entries and binds every volume at its mountPath', (t) => {
  const steps = plan();
  t.deepEqual(steps.slice(0, 2), [{ op: 'tmpfs', target: nsDir }, { op: 'mkdir', path: R }]);
  const overlays = steps.filter((s): s is Extract<Step, { op: 'overlay' }> => s.op === 'overlay').map((s) => s.lower);
  t.deepEqual(overlays.sort(), ['/etc', '/var/lib']);
  t.false(steps.some((s) => s.op === 'rbind' && s.source === '/etc'), '/etc is overlaid instead of bound');
  t.true(steps.some((s) => s.op === 'rbind' && s.source === '/usr'));
  t.true(steps.some((s) => s.op === 'symlink' && s.path === `${R}/bin` && s.linkTarget === 'usr/bin'));
  const binds = steps.filter((s): s is Extract<Step, { op: 'bind' }> => s.op === 'bind').map((s) => [s.target, s.readOnly]);
  t.deepEqual(binds, [[`${R}/certs`, true], [`${R}/etc/docker/registry`, true], [`${R}/var/lib/registry`, false]]);
});

test('every write the plan makes lands in the pod tmpfs, an overlay or a volume — never on the host', (t) => {
  const steps = plan();
  const writable = steps.flatMap((s) => (s.op === 'overlay' ? [s.target] : s.op === 'bind' ? [s.target] : []));
  const hostPathOf = (p: string) => p.slice(R.length) || '/';
  for (const s of steps) {
    if (s.op !== 'mkdir' && s.op !== 'copy' && s.op !== 'touch') continue;
    const p = s.path;
    if (!p.startsWith(R)) continue;
    const inOverlayOrVolume = writable.some((w) => p === w || p.startsWith(`${w}/`));
    const host = hostPathOf(p);
    const isTopLevelNew = !hostDirs.has(host) && host.split('/').length === 2;
    t.true(inOverlayOrVolume || isTopLevelNew || hostDirs.has(host), `${p} would write to the host`);
  }
});

test('the start script quotes paths and execs the argv chrooted from "$@"', (t) => {
  const script = renderScript([{ op: 'bind', source: "/a b/it's", target: `${R}/x`, readOnly: true }], nsDir);
  t.true(script.includes(`mount --bind '/a b/it'\\''s' ${R}/x`));
  t.true(script.includes(`mount -o remount,bind,ro ${R}/x`));
  t.true(script.trimEnd().endsWith('exec "$CHROOT" . "$@"'));
});
