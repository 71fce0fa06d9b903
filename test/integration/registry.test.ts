// `play registry ls | tags | rm` on the lab's real registry (docker-registry behind the Kubernetes API
// stand-in on cp1), through b1's curl with b1's own trust: listing, tag-to-digest resolution,
// deletion of exactly the manifest asked for, and bad input / unknown names / an unreachable
// registry with their distinct exit codes and nothing deleted.
import test from 'ava';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { labSupport, labUp, type Lab } from '../lab/index.js';
import { makeTestImage } from '../lab/image.js';
import { missing, serialUnless } from '../helpers/lab-test.js';
import { repoRoot, runPlay, type PlayResult } from '../helpers/play.js';
import { registryVars } from '../helpers/lab-vars.js';

const support = labSupport({ standin: true });
const serial = serialUnless(missing(support));

const NAME = 'registry.lab';
const ADDRESS = `${NAME}:5000`;
const PASSWORD = 'alice-Registry-pw-77e2c4';
const env = { REG_ALICE_PW: PASSWORD };

let lab: Lab;
let work: string;

const registry = (args: string[], extraEnv: Record<string, string> = {}): Promise<PlayResult> =>
  runPlay(['registry', ...args, '-i', join(work, 'inventory.yaml'), '--playbook', join(repoRoot, 'playbooks', 'site.yaml')], { env: { ...env, ...extraEnv } });
const out = (r: PlayResult) => `${r.stdout}\n${r.stderr}`;
const tagsOf = async () => (await registry(['tags', 'team/app'])).stdout.trim().split('\n').sort();

const layers = new Map<string, string>();

/** An OCI layout built here and copied to b1 (its layer digest kept in `layers`). */
async function stage(tag: string, content: string): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'registry-img-'));
  const image = makeTestImage(dir, { tag, content });
  const walk = (d: string): string[] => readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(d, e.name)) : [join(d, e.name)]));
  for (const file of walk(dir)) await lab.writeFile('b1', `/root/img-${tag}/${relative(dir, file)}`, readFileSync(file));
  rmSync(dir, { recursive: true, force: true });
  layers.set(tag, image.layerDigest);
  return image.manifestDigest;
}

/** Pushed with b1's skopeo (its own trust and login). */
const pushStaged = (tag: string) => lab.exec('b1', `skopeo copy --retry-times 0 oci:/root/img-${tag}:${tag} docker://${ADDRESS}/team/app:${tag} >/dev/null`);

async function push(tag: string, content: string): Promise<string> {
  const digest = await stage(tag, content);
  const r = await pushStaged(tag);
  if (r.code !== 0) throw new Error(`push ${tag}: ${r.stderr}`);
  return digest;
}

/** The registry's storage on cp1 (registry_storage_host_path): is this blob's data there? */
const BLOBS = '/var/lib/registry-data/docker/registry/v2/blobs/sha256';
const onDisk = async (digest: string) => (await lab.exec('cp1', `test -f ${BLOBS}/${digest.slice(7, 9)}/${digest.slice(7)}/data`)).code === 0;
const blobBytes = async (digest: string) => Number((await lab.sh('cp1', `stat -c %s ${BLOBS}/${digest.slice(7, 9)}/${digest.slice(7)}/data`)).trim());

test.before(async () => {
  if (!support.ok) return;
  work = mkdtempSync(join(tmpdir(), 'registry-'));
  lab = await labUp({ name: `registry-${process.pid}`, hosts: { cp1: ['control_plane'], w1: ['workers'], b1: ['build'] }, standin: true });
  writeFileSync(join(work, 'inventory.yaml'), readFileSync(lab.inventoryPath, 'utf8'));
  mkdirSync(join(work, 'group_vars'));
  writeFileSync(join(work, 'group_vars', 'all.yaml'), registryVars({ name: NAME, port: 5000, user: 'alice', passwordEnv: 'REG_ALICE_PW', pullNamespaces: ['default'] }));
  writeFileSync(join(work, 'group_vars', 'build.yaml'), 'dns_hosts_ip_source: cluster_ip\n');
  const r = await runPlay([join(repoRoot, 'playbooks', 'site.yaml'), '-i', join(work, 'inventory.yaml')], { env });
  if (r.code !== 0) throw new Error(`play site.yaml failed: ${out(r)}`);
});

test.after.always(async () => {
  await lab?.down();
  if (work) rmSync(work, { recursive: true, force: true });
});

let shared = '';
let unique = '';

serial('ls and tags list what b1 pushed (1 and 2 share one image, 3 has its own layer)', async (t) => {
  shared = await push('1', 'shared content\n');
  t.is(await push('2', 'shared content\n'), shared);
  unique = await push('3', 'unique content\n');
  t.not(unique, shared);
  const ls = await registry(['ls']);
  t.is(ls.code, 0, out(ls));
  t.regex(ls.stdout, /^team\/app\t1 2 3$/m);
  t.deepEqual(await tagsOf(), ['1', '2', '3']);
  t.false(out(ls).includes(PASSWORD));
});

serial('rm --dry-run names the digest and every tag on it, deletes nothing', async (t) => {
  const r = await registry(['rm', 'team/app:1', '--dry-run']);
  t.is(r.code, 0, out(r));
  t.is(r.stdout, `would delete team/app@${shared} (tags: 1, 2)\n`);
  t.deepEqual(await tagsOf(), ['1', '2', '3']);
});

serial('rm team/app:3 --yes deletes that manifest only; 1 and 2 still pull on w1 with containerd', async (t) => {
  const r = await registry(['rm', 'team/app:3', '--yes']);
  t.is(r.code, 0, out(r));
  t.regex(r.stdout, new RegExp(`^deleted team/app@${unique} \\(tags: 3\\)$`, 'm'));
  t.deepEqual(await tagsOf(), ['1', '2']);
  await lab.writeFile('w1', '/root/.cred', `alice:${PASSWORD}`, 0o600);
  for (const tag of ['1', '2']) {
    const pull = await lab.exec('w1', `ctr image pull --hosts-dir /etc/containerd/certs.d --user "$(cat /root/.cred)" ${ADDRESS}/team/app:${tag}`);
    t.is(pull.code, 0, pull.stderr);
  }
  const gone = await lab.exec('w1', `ctr image pull --hosts-dir /etc/containerd/certs.d --user "$(cat /root/.cred)" ${ADDRESS}/team/app:3`);
  t.not(gone.code, 0);
});

serial('gc while a push is in flight (an upload session being written): refused with exit 7, nothing changed, no restart', async (t) => {
  // a push as the registry sees it mid-way: an upload session started and written to, not finished
  await lab.writeFile('b1', '/root/.curl-cred', `user = "alice:${PASSWORD}"\n`, 0o600);
  const curl = `curl -sS -K /root/.curl-cred --cacert /etc/docker/certs.d/${ADDRESS}/ca.crt`;
  const location = (await lab.sh('b1', `${curl} -i -X POST https://${ADDRESS}/v2/team/app/blobs/uploads/ | tr -d '\\r' | sed -n 's/^location: //Ip'`)).trim();
  t.regex(location, /\/v2\/team\/app\/blobs\/uploads\//);
  const url = location.startsWith('/') ? `https://${ADDRESS}${location}` : location;
  // the PATCH answers with the session's next Location (its _state moved on): the one to cancel it with
  const next = (await lab.sh('b1', `printf 'half a layer' | ${curl} -i -X PATCH -H 'Content-Type: application/octet-stream' --data-binary @- '${url}' | tr -d '\\r' | sed -n 's/^location: //Ip'`)).trim();
  const cancel = next.startsWith('/') ? `https://${ADDRESS}${next}` : next;
  const pods = await lab.sh('cp1', 'kubectl -n registry get pods -o name');
  const r = await registry(['gc']);
  t.is(r.code, 7, out(r));
  t.regex(r.stderr, /a push is in flight \(an upload to team\/app was written to in the last 5 minutes\): refusing, nothing changed/);
  t.true(await onDisk(layers.get('3')!), 'the unreferenced blob is still there');
  t.is(await lab.sh('cp1', 'kubectl -n registry get pods -o name'), pods, 'the registry was not restarted');
  t.is(await lab.sh('b1', `${curl} -o /dev/null -w '%{http_code}' -X DELETE '${cancel}'`), '204', 'the upload is cancelled');
});

serial("gc --dry-run: the collector's dry run names the unreferenced blobs and their bytes, deletes nothing, no read-only window", async (t) => {
  const pods = await lab.sh('cp1', 'kubectl -n registry get pods -o name');
  const bytes = await blobBytes(layers.get('3')!);
  const r = await registry(['gc', '--dry-run']);
  t.is(r.code, 0, out(r));
  t.regex(r.stdout, /^would free .*: 3 blobs eligible for deletion, \d+ blobs in use/m);
  t.true(r.stdout.includes(`  ${layers.get('3')}  ${bytes} bytes`), r.stdout);
  t.false(r.stdout.includes(layers.get('1')!), 'the shared layer is in use');
  t.true(await onDisk(layers.get('3')!));
  t.is(await lab.sh('cp1', 'kubectl -n registry get pods -o name'), pods, 'no restart: the dry run needs no window');
});

serial('gc: read-only window (a push in it is refused, after it accepted), the unique blob gone from the storage on disk, 1 and 2 still pull on w1 and cp1', async (t) => {
  const unique = layers.get('3')!;
  const shared = layers.get('1')!;
  t.true(await onDisk(unique));
  const bytes = await blobBytes(unique);
  // hold the window open at the collector: a kubectl shim on cp1 (first on root's PATH) waits for the test
  await lab.writeFile(
    'cp1',
    '/usr/local/sbin/kubectl',
    '#!/bin/sh\ncase "$*" in *garbage-collect*) case "$*" in *--dry-run*) ;; *) touch /tmp/gc-window; i=0; while [ ! -e /tmp/gc-go ] && [ $i -lt 600 ]; do sleep 0.2; i=$((i+1)); done ;; esac ;; esac\nexec /usr/bin/kubectl "$@"\n',
    0o755,
  );
  try {
    const running = registry(['gc']);
    const window = await lab.exec('cp1', 'i=0; while [ ! -e /tmp/gc-window ] && [ $i -lt 900 ]; do sleep 0.2; i=$((i+1)); done; test -e /tmp/gc-window');
    t.is(window.code, 0, 'gc reached the collector');
    t.is(await lab.sh('cp1', `kubectl -n registry get deployment registry -o jsonpath='{.spec.template.spec.containers[0].env[?(@.name=="REGISTRY_STORAGE_MAINTENANCE_READONLY")].value}'`), '{"enabled": true}');
    await stage('4', 'pushed during and after the window\n');
    const during = await pushStaged('4');
    t.not(during.code, 0, 'a push in the read-only window is refused');
    t.regex(during.stderr, /405|Method Not Allowed|unsupported/i);
    await lab.sh('cp1', 'touch /tmp/gc-go');
    const r = await running;
    t.is(r.code, 0, out(r));
    t.regex(r.stderr, /serves read-only \(a push is refused\)/);
    t.regex(r.stderr, /serves read-write again/);
    t.regex(r.stdout, /^freed .*: 3 blobs deleted from the registry's storage; \d+ blobs in use$/m);
    t.true(r.stdout.includes(`  ${unique}  ${bytes} bytes`), r.stdout);
  } finally {
    await lab.sh('cp1', 'rm -f /usr/local/sbin/kubectl /tmp/gc-window /tmp/gc-go');
  }
  t.false(await onDisk(unique), "the unique layer's bytes are gone from the registry's storage directory");
  t.true(await onDisk(shared), 'the shared layer stays');
  t.is(await lab.sh('cp1', "kubectl -n registry get deployment registry -o jsonpath='{.spec.template.spec.containers[0].env}'"), '', 'write mode restored: the env entry is gone');
  const after = await pushStaged('4');
  t.is(after.code, 0, `a push after the window: ${after.stderr}`);
  t.deepEqual(await tagsOf(), ['1', '2', '4']);
  t.false((await registry(['ls'])).stdout.includes('regplay-gc'), 'the read-only probe stored nothing');
  for (const host of ['w1', 'cp1']) {
    await lab.writeFile(host, '/root/.cred', `alice:${PASSWORD}`, 0o600);
    for (const tag of ['1', '2']) {
      const ref = `${ADDRESS}/team/app:${tag}`;
      // pulled afresh from the registry: the image and the shared layer removed from this containerd first
      await lab.exec(host, `for ns in $(ctr namespaces ls -q); do ctr -n "$ns" image rm --sync ${ref}; ctr -n "$ns" content rm ${shared}; done >/dev/null 2>&1; true`);
      t.false((await lab.sh(host, 'ctr -n gc-check content ls -q')).includes(shared), `${host}: the shared layer is fetched again`);
      const pull = await lab.exec(host, `ctr -n gc-check image pull --hosts-dir /etc/containerd/certs.d --user "$(cat /root/.cred)" ${ref}`);
      t.is(pull.code, 0, `${host} ${tag}: ${pull.stderr}`);
    }
  }
  // play site.yaml after gc: nothing to change (gc's field manager left nothing behind)
  const again = await runPlay([join(repoRoot, 'playbooks', 'site.yaml'), '-i', join(work, 'inventory.yaml')], { env });
  t.is(again.code, 0, out(again));
  t.regex(again.stdout, /cp1\s*: ok=\d+ changed=0 /);
});

serial('gc with nothing to collect: no read-only window, no restart', async (t) => {
  const pods = await lab.sh('cp1', 'kubectl -n registry get pods -o name');
  const r = await registry(['gc']);
  t.is(r.code, 0, out(r));
  t.regex(r.stdout, /^nothing to collect: all \d+ blobs are in use \(no read-only window was needed\)$/m);
  t.is(await lab.sh('cp1', 'kubectl -n registry get pods -o name'), pods);
});

serial('an interrupted gc (killed inside the window, the registry left read-only) is finished by the next gc', async (t) => {
  const manifest = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'registry', namespace: 'registry' }, spec: { template: { spec: { containers: [{ name: 'registry', env: [{ name: 'REGISTRY_STORAGE_MAINTENANCE_READONLY', value: '{"enabled": true}' }] }] } } } };
  await lab.writeFile('cp1', '/root/gc-window.json', JSON.stringify(manifest));
  await lab.sh('cp1', 'kubectl apply --server-side --field-manager=regplay-gc -f /root/gc-window.json >/dev/null && kubectl -n registry rollout status deployment/registry --timeout=60s >/dev/null');
  await stage('5', 'pushed after an interrupted gc\n');
  const refused = await pushStaged('5');
  t.not(refused.code, 0, 'the registry is read-only');
  const r = await registry(['gc']);
  t.is(r.code, 0, out(r));
  t.regex(r.stderr, /still read-only from a gc that did not finish .*: finishing it/);
  t.regex(r.stderr, /serves read-write again/);
  t.is(await lab.sh('cp1', "kubectl -n registry get deployment registry -o jsonpath='{.spec.template.spec.containers[0].env}'"), '');
  const push = await pushStaged('5');
  t.is(push.code, 0, push.stderr);
  t.is((await registry(['rm', 'team/app:5', '--yes'])).code, 0);
});

serial('bad input and unknown names: distinct exit codes, nothing deleted', async (t) => {
  const cases: Array<[string[], number, RegExp]> = [
    [['rm', 'team/app@sha256:zz', '--yes'], 3, /'sha256:zz' is not a digest/],
    [['rm', 'Team/App:1', '--yes'], 3, /'Team\/App' is not a repository name/],
    [['rm', 'team/app', '--yes'], 3, /say which image: REPO:TAG or REPO@DIGEST/],
    [['rm', 'team/app:1'], 3, /without a terminal to confirm on, say --yes/],
    [['frobnicate'], 3, /unknown action/],
    [['rm', 'team/app:9', '--yes'], 5, /team\/app: no tag '9' \(tags: 1, 2, 4\); nothing deleted/],
    [['rm', 'nosuch/repo:1', '--yes'], 5, /not found \(NAME_UNKNOWN\); nothing deleted/],
    [['rm', `team/app@sha256:${'0'.repeat(64)}`, '--yes'], 5, /not found/],
    [['tags', 'nosuch/repo'], 5, /repository nosuch\/repo: not found/],
    [['ls', '--user', 'bob'], 3, /--user bob: not one of registry_users \(alice\)/],
  ];
  for (const [args, code, message] of cases) {
    const r = await registry(args);
    t.is(r.code, code, `${args.join(' ')}: ${out(r)}`);
    t.regex(r.stderr, message, args.join(' '));
  }
  t.deepEqual(await tagsOf(), ['1', '2', '4']);
  const wrong = await registry(['ls'], { REG_ALICE_PW: 'wrong-password' });
  t.is(wrong.code, 2, out(wrong));
  t.regex(wrong.stderr, /refused user alice \(401\)/);
});

serial('an unreachable registry (its name no longer resolves on b1, the host that talks to it): exit 4 with curl\'s reason, nothing deleted', async (t) => {
  await lab.sh('b1', `cp /etc/hosts /root/hosts.bak && sed -i '/ ${NAME.replace('.', '\\.')}$/d' /etc/hosts`);
  const r = await registry(['rm', 'team/app:1', '--yes']);
  t.is(r.code, 4, out(r));
  t.regex(r.stderr, /the registry is unreachable: curl: \(6\) Could not resolve host: registry\.lab/);
  await lab.sh('b1', 'cp /root/hosts.bak /etc/hosts');
  t.deepEqual(await tagsOf(), ['1', '2', '4']);
});
