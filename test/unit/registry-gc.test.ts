// play registry gc's logic against a fake kubectl and a fake registry (the lab test in
// test/integration/registry.test.ts runs it for real): write mode is restored whatever fails in the
// window, a push in flight or nothing to collect means no window at all, the output parsers read
// what distribution 2.8's garbage-collect really prints.
import test from 'ava';
import { RegistryClient } from '../../src/registry/client.js';
import { RegistryKubectl, type RegistryDeployment } from '../../src/registry/cluster.js';
import { GC_EXIT, RegistryGc } from '../../src/registry/gc.js';
import { formatBytes, parseBlobSizes, parseCollector, parseUploads } from '../../src/registry/gc-output.js';

const A = `sha256:${'a'.repeat(64)}`;
const B = `sha256:${'b'.repeat(64)}`;
const C = `sha256:${'c'.repeat(64)}`;

// distribution 2.8.2's garbage-collect --dry-run, as printed on stdout (digests shortened to A, B, C)
const DRY_RUN = `team/app
team/app: marking manifest ${A} 
team/app: marking blob ${B}

2 blobs marked, 1 blobs and 0 manifests eligible for deletion
blob eligible for deletion: ${C}
`;

test('parseCollector: the summary and the eligible blobs; an empty storage; manifests with --delete-untagged', (t) => {
  t.deepEqual(parseCollector(DRY_RUN), { marked: 2, eligibleBlobs: [C], eligibleManifests: [], empty: false });
  t.true(parseCollector('', 'failed to garbage collect: failed to mark: filesystem: Path not found: /docker/registry/v2/repositories').empty);
  t.deepEqual(parseCollector(`manifest eligible for deletion: ${A}\n`).eligibleManifests, [A]);
});

test('parseBlobSizes, parseUploads, formatBytes', (t) => {
  const sizes = parseBlobSizes(`12 /var/lib/registry/docker/registry/v2/blobs/sha256/aa/${'a'.repeat(64)}/data\n7 /var/lib/registry/docker/registry/v2/blobs/sha256/cc/${'c'.repeat(64)}/data\nnoise\n`);
  t.deepEqual([...sizes], [[A, 12], [C, 7]]);
  t.deepEqual(parseUploads('/var/lib/registry/docker/registry/v2/repositories/team/app/_uploads/0f-1/data\n/var/lib/registry/docker/registry/v2/repositories/x/_uploads/2/startedat\n'), ['team/app', 'x']);
  t.is(formatBytes(512), '512 bytes');
  t.is(formatBytes(3 * 1024 * 1024), '3.0 MiB (3145728 bytes)');
});

const deployment: RegistryDeployment = { kubectl: 'kubectl', kubeconfig: null, namespace: 'registry', name: 'registry', container: 'registry', configPath: '/etc/docker/registry/config.yml', dataDir: '/var/lib/registry', rolloutTimeout: 5, storageKind: 'hostpath' };

interface Fake {
  readOnly: boolean;
  envLeft: boolean;
  blobs: Map<string, number>;
  commands: string[];
  collector?: { code: number; stdout: string; stderr: string };
  uploads?: string;
}

function fakes(f: Fake) {
  const ok = (stdout = '') => ({ code: 0, stdout, stderr: '' });
  const k = new RegistryKubectl(deployment, async (command, stdin) => {
    f.commands.push(command);
    if (/ get deployment registry -o json$/.test(command)) return ok(JSON.stringify({ spec: { template: { spec: { containers: [{ name: 'registry', ...(f.envLeft ? { env: [{ name: 'REGISTRY_STORAGE_MAINTENANCE_READONLY', value: '{"enabled": true}' }] } : {}) }] } } } }));
    if (/ apply --server-side --field-manager=regplay-gc -f -$/.test(command)) {
      f.readOnly = stdin!.includes('REGISTRY_STORAGE_MAINTENANCE_READONLY');
      f.envLeft = f.readOnly;
      return ok();
    }
    if (/ rollout status /.test(command)) return ok();
    if (/ -- find \S+\/repositories /.test(command)) return ok(f.uploads ?? '');
    if (/ -- find \S+\/blobs /.test(command)) return ok([...f.blobs].map(([d, n]) => `${n} /var/lib/registry/docker/registry/v2/blobs/sha256/${d.slice(7, 9)}/${d.slice(7)}/data`).join('\n'));
    if (/ -- registry garbage-collect --dry-run /.test(command)) return ok(DRY_RUN);
    if (/ -- registry garbage-collect /.test(command)) {
      if (f.collector) return f.collector;
      f.blobs.delete(C);
      return ok(DRY_RUN);
    }
    throw new Error(`unexpected command ${command}`);
  });
  const client = new RegistryClient({ name: 'r', port: 5000, caFile: '/ca', user: 'u', password: 'p' }, async () =>
    f.readOnly ? ok('HTTP/1.1 405 Method Not Allowed\r\nAllow: GET, HEAD\r\n\r\n') : ok('HTTP/1.1 500 Internal Server Error\r\n\r\n{}'),
  );
  return { k, client };
}

const io = () => {
  const o = { out: '', err: '' };
  return { o, io: { out: (s: string) => (o.out += s), err: (s: string) => (o.err += s) } };
};
const sleep = async () => {};
const applies = (f: Fake) => f.commands.filter((c) => / apply /.test(c)).length;

test('gc: read-only, collect, restore; bytes freed are the bytes of the blobs that went', async (t) => {
  const f: Fake = { readOnly: false, envLeft: false, blobs: new Map([[A, 10], [B, 20], [C, 300]]), commands: [] };
  const { k, client } = fakes(f);
  const { o, io: out } = io();
  t.is(await new RegistryGc(k, client, { deleteUntagged: false, dryRun: false, timeoutSeconds: 5, sleep }, out).run(), GC_EXIT.ok);
  t.regex(o.out, /^freed 300 bytes: 1 blob deleted from the registry's storage; 2 blobs in use$/m);
  t.regex(o.err, /serves read-only \(a push is refused\)[\s\S]*serves read-write again/);
  t.false(f.envLeft);
  t.is(applies(f), 2);
});

test('gc: the collector fails in the window → write mode is restored anyway, exit 2 with its message', async (t) => {
  const f: Fake = { readOnly: false, envLeft: false, blobs: new Map([[A, 1], [C, 2]]), commands: [], collector: { code: 1, stdout: '', stderr: 'failed to garbage collect: disk on fire' } };
  const { k, client } = fakes(f);
  const { o, io: out } = io();
  t.is(await new RegistryGc(k, client, { deleteUntagged: false, dryRun: false, timeoutSeconds: 5, sleep }, out).run(), GC_EXIT.failed);
  t.regex(o.err, /garbage-collect failed in registry\/registry: failed to garbage collect: disk on fire/);
  t.false(f.envLeft, 'write mode restored');
  t.false(f.readOnly);
});

test('gc: interrupted (Ctrl-C) before the collector → restored, nothing collected, 130', async (t) => {
  const f: Fake = { readOnly: false, envLeft: false, blobs: new Map([[C, 2]]), commands: [] };
  const { k, client } = fakes(f);
  const ctl = new AbortController();
  const { o, io: out } = io();
  const gc = new RegistryGc(k, client, { deleteUntagged: false, dryRun: false, timeoutSeconds: 5, sleep, signal: ctl.signal }, { ...out, err: (s) => (s.includes('serves read-only') && ctl.abort('SIGINT'), out.err(s)) });
  t.is(await gc.run(), 130);
  t.false(f.commands.some((c) => /garbage-collect [^-]/.test(c) || /garbage-collect \/etc/.test(c)), 'the collector never ran outside its dry run');
  t.false(f.envLeft);
  t.regex(o.err, /interrupted before the collector ran; write mode is restored, nothing deleted/);
});

test('gc: a push in flight → exit 7, no window; nothing to collect → no window; a window left over → finished', async (t) => {
  const busy: Fake = { readOnly: false, envLeft: false, blobs: new Map(), commands: [], uploads: '/var/lib/registry/docker/registry/v2/repositories/team/app/_uploads/1/data\n' };
  let f = fakes(busy);
  t.is(await new RegistryGc(f.k, f.client, { deleteUntagged: false, dryRun: false, timeoutSeconds: 5, sleep }, io().io).run(), GC_EXIT.busy);
  t.is(applies(busy), 0);

  const idle: Fake = { readOnly: false, envLeft: false, blobs: new Map(), commands: [] };
  f = fakes(idle);
  const clean = io();
  const k2 = new RegistryKubectl(deployment, async (command, stdin) => (/garbage-collect --dry-run/.test(command) ? { code: 0, stdout: '2 blobs marked, 0 blobs and 0 manifests eligible for deletion\n', stderr: '' } : (f.k as any).run(command, stdin)));
  t.is(await new RegistryGc(k2, f.client, { deleteUntagged: false, dryRun: false, timeoutSeconds: 5, sleep }, clean.io).run(), GC_EXIT.ok);
  t.regex(clean.o.out, /nothing to collect: all 2 blobs are in use/);
  t.is(applies(idle), 0);

  const left: Fake = { readOnly: true, envLeft: true, blobs: new Map([[C, 5]]), commands: [], uploads: '/x/docker/registry/v2/repositories/a/_uploads/1/data\n' };
  f = fakes(left);
  const resumed = io();
  t.is(await new RegistryGc(f.k, f.client, { deleteUntagged: true, dryRun: false, timeoutSeconds: 5, sleep }, resumed.io).run(), GC_EXIT.ok);
  t.regex(resumed.o.err, /still read-only from a gc that did not finish/);
  t.true(left.commands.some((c) => / -- registry garbage-collect --delete-untagged \/etc\/docker\/registry\/config\.yml$/.test(c)));
  t.false(left.envLeft);
});

test('gc --dry-run: the collector\'s dry run only, with the bytes it would free; no apply', async (t) => {
  const f: Fake = { readOnly: false, envLeft: false, blobs: new Map([[B, 4], [C, 300]]), commands: [] };
  const { k, client } = fakes(f);
  const { o, io: out } = io();
  t.is(await new RegistryGc(k, client, { deleteUntagged: false, dryRun: true, timeoutSeconds: 5, sleep }, out).run(), GC_EXIT.ok);
  t.regex(o.out, /^would free 300 bytes: 1 blob eligible for deletion, 2 blobs in use/m);
  t.is(applies(f), 0);
});
