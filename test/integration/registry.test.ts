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

/** An OCI layout built here, copied to b1 and pushed with b1's skopeo (its own trust and login). */
async function push(tag: string, content: string): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'registry-img-'));
  const image = makeTestImage(dir, { tag, content });
  const walk = (d: string): string[] => readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(d, e.name)) : [join(d, e.name)]));
  for (const file of walk(dir)) await lab.writeFile('b1', `/root/img-${tag}/${relative(dir, file)}`, readFileSync(file));
  rmSync(dir, { recursive: true, force: true });
  await lab.sh('b1', `skopeo copy --retry-times 0 oci:/root/img-${tag}:${tag} docker://${ADDRESS}/team/app:${tag} >/dev/null`);
  return image.manifestDigest;
}

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

serial('bad input and unknown names: distinct exit codes, nothing deleted', async (t) => {
  const cases: Array<[string[], number, RegExp]> = [
    [['rm', 'team/app@sha256:zz', '--yes'], 3, /'sha256:zz' is not a digest/],
    [['rm', 'Team/App:1', '--yes'], 3, /'Team\/App' is not a repository name/],
    [['rm', 'team/app', '--yes'], 3, /say which image: REPO:TAG or REPO@DIGEST/],
    [['rm', 'team/app:1'], 3, /without a terminal to confirm on, say --yes/],
    [['frobnicate'], 3, /unknown action/],
    [['rm', 'team/app:9', '--yes'], 5, /team\/app: no tag '9' \(tags: 1, 2\); nothing deleted/],
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
  t.deepEqual(await tagsOf(), ['1', '2']);
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
  t.deepEqual(await tagsOf(), ['1', '2']);
});
