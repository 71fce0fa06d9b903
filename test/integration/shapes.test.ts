// Clusters of every shape through the built-in `play site.yaml`, on lab hosts with the Kubernetes
// API stand-in running the registry on cp1:
// - a single node (only control_plane): its control plane runs the registry and pulls from it;
// - control_plane + workers, no build group (cp1 is a worker too: one host in two groups);
// - control_plane + build, no workers group (cp1 is a build host too; b1 a separate build host).
// Each converges, re-runs with changed=0, and proves the trust with real clients: containerd pulls
// over TLS with the registry's credentials (`ctr image pull --hosts-dir`, no --skip-verify), skopeo
// pushes. Plus: a misspelled inventory group is exit 3 "did you mean" and touches no host;
// `--limit workers` where there are none is exit 3 saying so.
import test, { type ExecutionContext } from 'ava';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inCidr, parseCidr } from '../standin/cidr.js';
import { labSupport, type Lab } from '../lab/index.js';
import { makeTestImage } from '../lab/image.js';
import { missing, serialUnless } from '../helpers/lab-test.js';
import { labProject, playProject, removeLabProject, runOutput as output, type LabProject, type LabRun } from '../helpers/lab-project.js';
import { ALICE_VARS, CLUSTER_IP_DNS_VARS, NFS_MOUNTPOINT as MOUNTPOINT, TMPFS_NFS_VARS } from '../helpers/lab-vars.js';
import { SITE } from '../helpers/site-project.js';
import { fingerprint } from '../helpers/host-state.js';

const support = labSupport({ standin: true });
const serial = serialUnless(missing(support));

const NAME = 'registry.lab';
const ADDRESS = `${NAME}:5000`;
const IMAGE = `${ADDRESS}/shapes/hello:1`;
const PASSWORD = 'alice-Shapes-pw-4c2e8a';
const env = { REG_ALICE_PW: PASSWORD };
const SECRETS = [PASSWORD, Buffer.from(`alice:${PASSWORD}`).toString('base64')];
const CONTAINERD_FILES = ['/etc/containerd/config.toml', `/etc/containerd/certs.d/${ADDRESS}/ca.crt`, `/etc/containerd/certs.d/${ADDRESS}/hosts.toml`, '/etc/hosts', '/etc/fstab'];
const DOCKER_FILES = [`/etc/docker/certs.d/${ADDRESS}/ca.crt`, '/root/.docker/config.json'];

type Run = LabRun;
type Shape = LabProject;
const shapes = new Map<string, Shape>();

async function up(key: string, hosts: Record<string, string[]>, groupVars: Record<string, string> = {}): Promise<Shape> {
  const shape = await labProject(`shape-${key}`, hosts, { groupVars: { all: ALICE_VARS, ...groupVars } });
  shapes.set(key, shape);
  return shape;
}

async function down(key: string): Promise<void> {
  const shape = shapes.get(key);
  shapes.delete(key);
  await removeLabProject(shape?.lab, shape?.work);
}

test.after.always(async () => {
  for (const key of [...shapes.keys()]) await down(key);
});

const play = (s: Shape, args: string[] = [], inventory = 'inventory.yaml'): Promise<Run> => playProject(s.work, [SITE, ...args], { env, secrets: SECRETS, inventory });
const restarts = async (lab: Lab, host: string) => (await lab.serviceLog(host)).filter((l) => / containerd (restart|start)$/.test(l)).length;
/** Logins the host's sshd accepted so far: a run that touched no host leaves this unchanged. */
const logins = async (lab: Lab, host: string) => ((await lab.readFile(host, '/var/log/sshd.log')) ?? '').split('\n').filter((l) => l.includes('Accepted publickey')).length;

async function converges(t: ExecutionContext, s: Shape, hosts: string[]): Promise<Run> {
  const r = await play(s);
  t.is(r.code, 0, output(r));
  t.deepEqual(Object.keys(r.report.recap).sort(), [...hosts].sort(), 'the recap lists each host once');
  for (const host of hosts) t.like(r.report.recap[host], { failed: 0, unreachable: 0 }, host);
  for (const host of hosts) t.is(r.stdout.split('\n').filter((l) => l.startsWith(`${host} : ok=`)).length, 1, `one PLAY RECAP line for ${host}`);
  // each role once per host per play, however many of the play's groups the host is in
  const starts = r.report.events.filter((e) => e.type === 'role-start').map((e) => `${e.play}|${e.role}|${e.host}`);
  t.deepEqual(starts, [...new Set(starts)]);
  return r;
}

async function reRunChangesNothing(t: ExecutionContext, s: Shape, hosts: string[], containerdHosts: string[]): Promise<void> {
  const before = await Promise.all(containerdHosts.map((h) => restarts(s.lab, h)));
  const r = await play(s);
  t.is(r.code, 0, output(r));
  for (const host of hosts) t.is(r.report.recap[host]?.changed, 0, `${host}: ${r.report.events.filter((e) => e.host === host && e.status === 'changed').map((e) => e.step).join(', ')}`);
  t.deepEqual(await Promise.all(containerdHosts.map((h) => restarts(s.lab, h))), before, 'containerd not restarted');
}

/** containerd trusts the registry and its name resolves: ca.crt + hosts.toml in certs.d, config_path, /etc/hosts. */
async function containerdTrusts(t: ExecutionContext, lab: Lab, host: string): Promise<void> {
  t.regex((await lab.readFile(host, '/etc/containerd/config.toml'))!, /config_path = "\/etc\/containerd\/certs\.d"/, host);
  t.regex((await lab.readFile(host, `/etc/containerd/certs.d/${ADDRESS}/hosts.toml`))!, new RegExp(`^server = "https://${ADDRESS}"$`, 'm'), host);
  t.regex((await lab.readFile(host, `/etc/containerd/certs.d/${ADDRESS}/ca.crt`))!, /BEGIN CERTIFICATE/, host);
  const clusterIP = (await lab.sh('cp1', 'kubectl --kubeconfig /root/.kube/config get service registry -n registry -o jsonpath={.spec.clusterIP}')).trim();
  t.true(inCidr(parseCidr(lab.serviceCidr), clusterIP), `cluster IP ${clusterIP} in ${lab.serviceCidr}`);
  t.is((await lab.exec(host, `getent hosts ${NAME}`)).stdout.split(/\s+/)[0], clusterIP, `${host} resolves ${NAME} to the Service`);
}

/** Pushes the test image from `host` with skopeo, trusting the CA the roles put in `certDir`, credentials from a 0600 file. */
async function pushWithCertDir(t: ExecutionContext, lab: Lab, host: string, certDir: string): Promise<void> {
  const image = makeTestImage(join(lab.dir, 'image'), { content: `pushed from ${host}\n` });
  await lab.writeFile(host, '/root/.registry-credential', `alice:${PASSWORD}`, 0o600);
  const push = await lab.exec(host, `skopeo copy --retry-times 0 --dest-cert-dir ${certDir} --dest-creds "$(cat /root/.registry-credential)" ${image.ref} docker://${IMAGE}`);
  t.is(push.code, 0, push.stderr);
}

/** containerd on `host` pulls and unpacks the image: TLS verified through certs.d, the registry's credentials. */
async function pulls(t: ExecutionContext, lab: Lab, host: string, content: string): Promise<void> {
  await lab.writeFile(host, '/root/.registry-credential', `alice:${PASSWORD}`, 0o600);
  await lab.exec(host, `ctr image rm ${IMAGE} >/dev/null 2>&1; true`);
  const pull = await lab.exec(host, `ctr image pull --hosts-dir /etc/containerd/certs.d --user "$(cat /root/.registry-credential)" ${IMAGE}`);
  t.is(pull.code, 0, `${host}: ${pull.stderr}`);
  const seen = await lab.exec(host, `mkdir -p /tmp/m && ctr image mount ${IMAGE} /tmp/m >/dev/null && cat /tmp/m/hello.txt; ctr image unmount /tmp/m >/dev/null`);
  t.is(seen.stdout, content, `${host} unpacked the image it pulled`);
  const anonymous = await lab.exec(host, `ctr image rm ${IMAGE} >/dev/null 2>&1; ctr image pull --hosts-dir /etc/containerd/certs.d ${IMAGE}`);
  t.not(anonymous.code, 0, `${host}: without credentials the registry refuses the pull`);
}

async function limitWorkersRefused(t: ExecutionContext, s: Shape, hosts: string[]): Promise<void> {
  const before = await Promise.all(hosts.map((h) => logins(s.lab, h)));
  t.true(before.every((n) => n > 0), `the runs before logged in to every host: ${before.join(', ')}`);
  const r = await play(s, ['--limit', 'workers']);
  t.is(r.code, 3, output(r));
  t.regex(r.stderr, /--limit 'workers': the inventory has no group or host 'workers', so there are none to run on; known groups: /);
  t.deepEqual(await Promise.all(hosts.map((h) => logins(s.lab, h))), before, 'no host was connected to');
}

// ---- a single node: only control_plane -------------------------------------------------------

serial('single node (only control_plane): site.yaml converges, skipping workers and build with a notice', async (t) => {
  const s = await up('single', { cp1: ['control_plane'] });
  const r = await converges(t, s, ['cp1']);
  t.regex(r.stdout, /PLAY \[container runtimes behind a proxy\] \*+\nskipping workers, build: the inventory has no 'workers', 'build'\n/);
  t.regex(r.stdout, /PLAY \[registry storage on NFS\] \*+\nskipping: no hosts matched \(the inventory has no 'workers'\)\n/);
  t.regex(r.stdout, /PLAY \[docker trusts the registry\] \*+\nskipping: no hosts matched \(the inventory has no 'build'\)\n/);
  await containerdTrusts(t, s.lab, 'cp1');
  t.is(await s.lab.readFile('cp1', `/etc/docker/certs.d/${ADDRESS}/ca.crt`), null, 'cp1 is no build host: no docker trust');
});

serial('single node: the control plane pushes to the registry it runs and its containerd pulls from it (TLS, auth)', async (t) => {
  const { lab } = shapes.get('single')!;
  await pushWithCertDir(t, lab, 'cp1', `/etc/containerd/certs.d/${ADDRESS}`);
  await pulls(t, lab, 'cp1', 'pushed from cp1\n');
});

serial('single node: a re-run changes nothing and restarts nothing; --limit workers is exit 3 saying there are none', async (t) => {
  const s = shapes.get('single')!;
  await reRunChangesNothing(t, s, ['cp1'], ['cp1']);
  await limitWorkersRefused(t, s, ['cp1']);
  await down('single');
});

// ---- control_plane + workers, no build; cp1 is a worker too ------------------------------------

serial('a misspelled group (worker, control-plane) is exit 3 "did you mean" and touches no host', async (t) => {
  const s = await up('nobuild', { cp1: ['control_plane', 'workers'], w1: ['workers'] }, { workers: TMPFS_NFS_VARS });
  const inventory = readFileSync(join(s.work, 'inventory.yaml'), 'utf8');
  const hosts = ['cp1', 'w1'];
  const before = await Promise.all(hosts.map(async (h) => [await fingerprint(s.lab, h, CONTAINERD_FILES), await logins(s.lab, h)]));
  for (const [group, typo, meant] of [
    ['workers', 'worker', 'workers'],
    ['control_plane', 'control-plane', 'control_plane'],
  ] as const) {
    writeFileSync(join(s.work, `inventory-${typo}.yaml`), inventory.replace(new RegExp(`^(\\s+)${group}:`, 'm'), `$1${typo}:`));
    const r = await play(s, [], `inventory-${typo}.yaml`);
    t.is(r.code, 3, output(r));
    t.regex(r.stderr, new RegExp(`inventory-${typo}\\.yaml:\\d+:\\d+: inventory group '${typo}' is not a group the playbook uses, but '${meant}' is .*: did you mean \`${meant}\`\\?`));
    t.regex(r.stderr, /nothing was changed on any host/);
  }
  t.deepEqual(await Promise.all(hosts.map(async (h) => [await fingerprint(s.lab, h, CONTAINERD_FILES), await logins(s.lab, h)])), before, 'no file written, no login');
  // the login count is live: one ssh login shows up in it
  await s.lab.ssh('w1', 'true');
  t.is(await logins(s.lab, 'w1'), (before[1]![1] as number) + 1);
});

serial('control_plane + workers, no build: converges; cp1 runs each role once as control plane and worker', async (t) => {
  const s = shapes.get('nobuild')!;
  const r = await converges(t, s, ['cp1', 'w1']);
  t.regex(r.stdout, /PLAY \[docker trusts the registry\] \*+\nskipping: no hosts matched \(the inventory has no 'build'\)\n/);
  const containerdTrust = r.report.events.filter((e) => e.type === 'role-start' && e.role === 'containerd-trust').map((e) => e.host);
  t.deepEqual(containerdTrust.sort(), ['cp1', 'w1']);
  for (const host of ['cp1', 'w1']) {
    await containerdTrusts(t, s.lab, host);
    t.regex((await s.lab.readFile(host, '/etc/fstab'))!, new RegExp(`^nfs1\\.lab:/export/registry ${MOUNTPOINT} tmpfs size=16m 0 0$`, 'm'), `${host} is a worker`);
    t.is((await s.lab.exec(host, `mountpoint -q ${MOUNTPOINT}`)).code, 0, `${host}: mounted`);
  }
});

serial('control_plane + workers: cp1 pushes, the worker and the control plane pull with containerd; a re-run changes nothing', async (t) => {
  const s = shapes.get('nobuild')!;
  await pushWithCertDir(t, s.lab, 'cp1', `/etc/containerd/certs.d/${ADDRESS}`);
  for (const host of ['w1', 'cp1']) await pulls(t, s.lab, host, 'pushed from cp1\n');
  await reRunChangesNothing(t, s, ['cp1', 'w1'], ['cp1', 'w1']);
  await down('nobuild');
});

// ---- control_plane + build, no workers; cp1 is a build host too --------------------------------

serial('control_plane + build, no workers: converges; both build hosts get docker trust and login', async (t) => {
  const s = await up('noworkers', { cp1: ['control_plane', 'build'], b1: ['build'] }, { build: CLUSTER_IP_DNS_VARS });
  const r = await converges(t, s, ['cp1', 'b1']);
  t.regex(r.stdout, /PLAY \[registry storage on NFS\] \*+\nskipping: no hosts matched \(the inventory has no 'workers'\)\n/);
  t.regex(r.stdout, /PLAY \[containerd trusts the registry\] \*+\nskipping workers: the inventory has no 'workers'\n/);
  await containerdTrusts(t, s.lab, 'cp1');
  for (const host of ['cp1', 'b1']) {
    t.regex((await s.lab.readFile(host, `/etc/docker/certs.d/${ADDRESS}/ca.crt`))!, /BEGIN CERTIFICATE/, host);
    t.is((await s.lab.exec(host, 'stat -c %a /root/.docker/config.json')).stdout.trim(), '600', host);
  }
  t.is(await s.lab.readFile('b1', `/etc/containerd/certs.d/${ADDRESS}/ca.crt`), null, 'b1 is no cluster node: no containerd trust');
});

serial('control_plane + build: b1 pushes with skopeo through the roles\' trust and login only; cp1 pulls with containerd', async (t) => {
  const { lab } = shapes.get('noworkers')!;
  const image = makeTestImage(join(lab.dir, 'image'), { content: 'pushed from b1\n' });
  // No --dest-creds or --dest-cert-dir: /etc/docker/certs.d and ~/.docker/config.json are all it has.
  const push = await lab.exec('b1', `skopeo copy --retry-times 0 ${image.ref} docker://${IMAGE}`);
  t.is(push.code, 0, push.stderr);
  await pulls(t, lab, 'cp1', 'pushed from b1\n');
});

serial('control_plane + build: a re-run changes nothing; --limit workers is exit 3 saying there are none', async (t) => {
  const s = shapes.get('noworkers')!;
  await reRunChangesNothing(t, s, ['cp1', 'b1'], ['cp1']);
  await limitWorkersRefused(t, s, ['cp1', 'b1']);
  await down('noworkers');
});
