// A mixed inventory through ONE `play site.yaml` (the lab, the registry running on cp1 through the
// Kubernetes API stand-in): w1 a containerd worker, p1 a Podman/CRI-O worker (`container_runtime:
// crio`, the registries.conf.d drop-in on), d1 a Docker Engine worker (cri-dockerd: `container_runtime:
// docker`), b1 a Docker build host. check → apply → apply again
// (changed=0), asserted on the hosts' files, then real clients: b1 pushes with skopeo, w1 pulls
// with containerd (`ctr --hosts-dir`), p1 with `podman pull` (Debian 12's 4.3, `vfs` storage)
// through /etc/containers/certs.d only, and `podman info` lists the drop-in's registry (Podman read
// it; containers-registries.conf.d(5): read on every pull, no restart). p1 keeps its containerd
// untouched (containerd-trust leaves it out), and its other drop-ins byte for byte. `--limit p1`
// and the drift gate (`--tags node-trust --check --detailed-exitcode` → 8) work for p1 as for the
// containerd workers. `play verify` checks each host through its runtime's own path: p1 with a real
// `podman pull` (throwaway store, the node's /etc/containers trust), d1 with skopeo and only Docker's
// certs.d, w1 with containerd.
import test from 'ava';
import { labSupport, type Lab } from '../lab/index.js';
import { missing, serialUnless } from '../helpers/lab-test.js';
import { labProject, playProject, removeLabProject, runOutput as output, type LabRun } from '../helpers/lab-project.js';
import { ALICE_VARS, CLUSTER_IP_DNS_VARS } from '../helpers/lab-vars.js';
import { SITE } from '../helpers/site-project.js';
import { fingerprint } from '../helpers/host-state.js';
import { buildImage } from '../helpers/oci-image.js';

const support = labSupport({ standin: true });
const serial = serialUnless(missing(support));

const NAME = 'registry.lab';
const ADDRESS = `${NAME}:5000`;
const IMAGE = `${ADDRESS}/mixed:1`;
const PASSWORD = 'alice-Mixed-pw-27c4e1';
const env = { REG_ALICE_PW: PASSWORD };
const SECRETS = [PASSWORD, Buffer.from(`alice:${PASSWORD}`).toString('base64')];
const HOSTS = ['cp1', 'w1', 'p1', 'd1', 'b1'];

const CONTAINERS_CA = `/etc/containers/certs.d/${ADDRESS}/ca.crt`;
const DROPIN_DIR = '/etc/containers/registries.conf.d';
const DROPIN = `${DROPIN_DIR}/regplay-${NAME}.conf`;
const USER_DROPIN = `${DROPIN_DIR}/10-ops-mirror.conf`;
const USER_DROPIN_TEXT = '# ops: our docker.io mirror, keep\n[[registry]]\nlocation = "docker.io"\n\n[[registry.mirror]]\nlocation = "mirror.example:5000"\n';
const AUTHFILE = '/root/registry-auth.json';

const CONTAINERD = ['/etc/containerd/config.toml', `/etc/containerd/certs.d/${ADDRESS}/ca.crt`, `/etc/containerd/certs.d/${ADDRESS}/hosts.toml`];
const PODMAN = [CONTAINERS_CA, DROPIN, USER_DROPIN, `${DROPIN_DIR}/shortnames.conf`, '/etc/containers/registries.conf'];
const DOCKER_CA = `/etc/docker/certs.d/${ADDRESS}/ca.crt`;
const BUILD = [DOCKER_CA, '/root/.docker/config.json'];
const WATCHED: Record<string, string[]> = { cp1: [...CONTAINERD, '/registry/certs/ca.crt'], w1: [...CONTAINERD, CONTAINERS_CA, '/etc/hosts'], p1: [...CONTAINERD, ...PODMAN, '/etc/hosts'], d1: [...CONTAINERD, DOCKER_CA, '/etc/hosts'], b1: [...BUILD, '/etc/hosts'] };

let lab: Lab;
let work: string;

type Run = LabRun;
const site = (args: string[] = []): Promise<Run> => playProject(work, [SITE, ...args], { env, secrets: SECRETS });
const verify = (args: string[] = []): Promise<Run> => playProject(work, ['verify', SITE, ...args], { env, secrets: SECRETS });
const fingerprints = async () => Object.fromEntries(await Promise.all(HOSTS.map(async (h) => [h, await fingerprint(lab, h, WATCHED[h]!)] as const)));
const containerdRestarts = async (host: string) => (await lab.serviceLog(host)).filter((l) => / containerd restart$/.test(l)).length;
const changedSteps = (r: Run, host: string) => r.report.events.filter((e) => e.type === 'step' && e.host === host && e.status === 'changed' && !e.readOnly).map((e) => `${e.role}: ${e.step}`);
/** The registries Podman read from registries.conf and its drop-ins (`podman info`). */
const podmanRegistries = async () => JSON.parse((await lab.sh('p1', "podman info --format '{{json .Registries}}'")).trim() || '{}') as Record<string, { Location?: string; Insecure?: boolean; Blocked?: boolean }>;
const podmanPull = async () => {
  await lab.exec('p1', `podman rmi -f ${IMAGE} >/dev/null 2>&1; true`);
  return lab.exec('p1', `podman pull --authfile ${AUTHFILE} ${IMAGE}`);
};

test.before(async () => {
  if (!support.ok) return;
  const hostVars = {
    // p1: a CRI-O/Podman node in the workers group. Its containerd (the lab runs one on every worker) is not its runtime.
    p1: 'container_runtime: crio\nnode_trust_containers_dropin: true\n',
    // d1: a Docker Engine worker (cri-dockerd); its trust is Docker's certs.d, written by node-trust (not a build host).
    d1: 'container_runtime: docker\n',
  };
  const hosts = { cp1: ['control_plane'], w1: ['workers'], p1: ['workers'], d1: ['workers'], b1: ['build'] };
  ({ lab, work } = await labProject('mixed', hosts, { groupVars: { all: ALICE_VARS, build: CLUSTER_IP_DNS_VARS }, hostVars }));
  // Podman in nested overlays needs vfs; the pull credential in a 0600 auth file (never on a command line).
  await lab.writeFile('p1', '/etc/containers/storage.conf', '[storage]\ndriver = "vfs"\nrunroot = "/run/containers/storage"\ngraphroot = "/var/lib/containers/storage"\n');
  await lab.writeFile('p1', AUTHFILE, JSON.stringify({ auths: { [ADDRESS]: { auth: Buffer.from(`alice:${PASSWORD}`).toString('base64') } } }), 0o600);
  await lab.writeFile('p1', USER_DROPIN, USER_DROPIN_TEXT);
});

test.after.always(() => removeLabProject(lab, work));

serial('before: Podman on p1 knows nothing of the registry (no drop-in entry); Debian\'s own drop-in is there', async (t) => {
  t.false(ADDRESS in (await podmanRegistries()));
  t.regex((await lab.readFile('p1', `${DROPIN_DIR}/shortnames.conf`)) ?? '', /\[aliases\]/);
});

serial('check: every host planned, exit 8 with --detailed-exitcode, nothing written', async (t) => {
  const before = await fingerprints();
  const r = await site(['--check', '--detailed-exitcode']);
  t.is(r.code, 8, output(r));
  for (const host of HOSTS) t.is(r.report.recap[host]?.failed, 0, host);
  t.true(changedSteps(r, 'p1').some((s) => /crio CA for/.test(s)), changedSteps(r, 'p1').join(', '));
  t.false(changedSteps(r, 'p1').some((s) => /^containerd-trust/.test(s)), 'containerd-trust plans nothing on the Podman node');
  t.deepEqual(await fingerprints(), before);
});

serial('one run converges the mixed inventory: each host gets its runtime\'s trust, p1\'s containerd and other drop-ins untouched', async (t) => {
  const p1Containerd = await fingerprint(lab, 'p1', CONTAINERD);
  const p1Restarts = await containerdRestarts('p1');
  const others = { user: await lab.readFile('p1', USER_DROPIN), debian: await lab.readFile('p1', `${DROPIN_DIR}/shortnames.conf`) };
  const r = await site();
  t.is(r.code, 0, output(r));
  for (const host of HOSTS) t.is(r.report.recap[host]?.failed, 0, host);
  const ca = (await lab.readFile('cp1', '/registry/certs/ca.crt'))!;
  t.regex(ca, /BEGIN CERTIFICATE/);
  // w1: containerd (config_path + certs.d), restarted once for config.toml
  t.regex((await lab.readFile('w1', '/etc/containerd/config.toml'))!, /config_path = "\/etc\/containerd\/certs\.d"/);
  t.is(await lab.readFile('w1', `/etc/containerd/certs.d/${ADDRESS}/ca.crt`), ca);
  // p1: containers/image trust and the drop-in; nothing of containerd's, no containerd restart
  t.is(await lab.readFile('p1', CONTAINERS_CA), ca);
  t.is(await lab.readFile('p1', DROPIN), `# Managed by regplay (node-trust): containers/image (CRI-O, Podman, Buildah, Skopeo) reads this on\n# every pull, no restart needed. TLS is verified with the CA in /etc/containers/certs.d/<address>/.\n\n[[registry]]\nprefix = "${ADDRESS}"\nlocation = "${ADDRESS}"\ninsecure = false\n`);
  t.is(await lab.readFile('p1', USER_DROPIN), others.user);
  t.is(await lab.readFile('p1', `${DROPIN_DIR}/shortnames.conf`), others.debian);
  t.is(await fingerprint(lab, 'p1', CONTAINERD), p1Containerd, 'p1: containerd config untouched, no containerd certs.d');
  t.is(await containerdRestarts('p1'), p1Restarts, 'p1: containerd not restarted');
  t.false(r.report.events.some((e) => e.host === 'p1' && e.role === 'containerd-trust' && e.status === 'changed'));
  // d1: Docker's certs.d from node-trust; its containerd left alone
  t.is(await lab.readFile('d1', DOCKER_CA), ca);
  t.is(await lab.readFile('d1', CONTAINERS_CA), null);
  t.false(r.report.events.some((e) => e.host === 'd1' && e.role === 'containerd-trust' && e.status === 'changed'));
  t.is(await lab.readFile('d1', `/etc/containerd/certs.d/${ADDRESS}/ca.crt`), null);
  // b1: Docker's certs.d and login
  t.is(await lab.readFile('b1', `/etc/docker/certs.d/${ADDRESS}/ca.crt`), ca);
  t.is((await lab.sh('b1', 'stat -c %a /root/.docker/config.json')).trim(), '600');
});

serial('real clients: b1 pushes with skopeo, w1 pulls with containerd, p1 with podman through /etc/containers/certs.d; Podman read the drop-in', async (t) => {
  await buildImage(lab, 'b1', '/root/oci-mixed');
  const push = await lab.exec('b1', `skopeo copy --retry-times 0 oci:/root/oci-mixed:1 docker://${IMAGE}`);
  t.is(push.code, 0, push.stderr);
  await lab.writeFile('w1', '/root/.registry-credential', `alice:${PASSWORD}`, 0o600);
  const ctr = await lab.exec('w1', `ctr image pull --hosts-dir /etc/containerd/certs.d --user "$(cat /root/.registry-credential)" ${IMAGE}`);
  t.is(ctr.code, 0, ctr.stderr);
  // p1 has no other trust for the registry: no /etc/docker/certs.d, no ~/.config/containers
  t.is((await lab.exec('p1', `test -e /etc/docker/certs.d/${ADDRESS} || test -e /root/.config/containers`)).code, 1);
  const pull = await podmanPull();
  t.is(pull.code, 0, pull.stderr);
  t.regex((await lab.sh('p1', `podman image inspect --format '{{.Digest}}' ${IMAGE}`)).trim(), /^sha256:/);
  t.like((await podmanRegistries())[ADDRESS], { Location: ADDRESS, Insecure: false, Blocked: false });
  // the trust is the role's: with another (empty) certificate directory the pull is refused
  const untrusted = await lab.exec('p1', `podman rmi -f ${IMAGE} >/dev/null 2>&1; podman pull --cert-dir /nonexistent --authfile ${AUTHFILE} ${IMAGE}`);
  t.not(untrusted.code, 0);
  t.regex(untrusted.stderr, /x509|certificate/);
});

serial('apply again: changed=0 on every host, nothing rewritten, containerd not restarted', async (t) => {
  const before = await fingerprints();
  const restarts = Object.fromEntries(await Promise.all(HOSTS.map(async (h) => [h, await containerdRestarts(h)] as const)));
  const r = await site();
  t.is(r.code, 0, output(r));
  for (const host of HOSTS) t.is(r.report.recap[host]?.changed, 0, `${host}: ${changedSteps(r, host).join(', ')}`);
  t.deepEqual(await fingerprints(), before);
  for (const host of HOSTS) t.is(await containerdRestarts(host), restarts[host], host);
});

serial('play verify: each host through its own runtime\'s path; p1 pulls with podman, its drop-in checked; nothing left behind', async (t) => {
  const before = await fingerprints();
  const images = (await lab.sh('p1', 'podman images -q | sort')).trim();
  const r = await verify();
  t.is(r.code, 0, output(r));
  const line = (host: string, runtime: string) => r.stdout.split('\n').find((l) => new RegExp(`^${host}\\s+${runtime}\\s`).test(l)) ?? '';
  t.regex(line('p1', 'crio'), /^p1\s+crio(\s+ok){7}$/, 'p1: dns tcp config(drop-in) tls cert auth pull');
  t.is(line('p1', 'containerd'), '', 'p1 is not checked as a containerd node');
  t.regex(line('w1', 'containerd'), /^w1\s+containerd(\s+ok){7}$/);
  t.regex(line('d1', 'docker'), /^d1\s+docker\s+ok\s+ok\s+-(\s+ok){4}$/);
  t.is(line('d1', 'containerd'), '');
  t.like(r.report.events.find((e) => e.type === 'step' && e.host === 'd1' && e.step === 'pull canary (skopeo, Docker trust)'), { status: 'ok', why: `via skopeo --cert-dir /etc/docker/certs.d/${ADDRESS}` } as object);
  t.regex(line('b1', 'build'), /^b1\s+build\s+ok\s+ok\s+-(\s+ok){4}$/);
  const steps = r.report.events.filter((e) => e.type === 'step' && e.host === 'p1');
  t.like(steps.find((e) => e.step === 'pull canary (podman)'), { status: 'ok', why: 'via podman pull' } as object);
  t.like(steps.find((e) => e.step === `trust file ${DROPIN}`), { status: 'ok' } as object);
  t.like(r.report.events.find((e) => e.type === 'step' && e.host === 'w1' && e.step === 'containerd: pull canary (containerd)'), { status: 'ok', why: 'via ctr --hosts-dir' } as object);
  t.deepEqual(await fingerprints(), before, 'verify changed no host configuration');
  t.is((await lab.sh('p1', 'podman images -q | sort')).trim(), images, 'p1\'s own image store is untouched');
  t.is((await lab.exec('p1', 'ls -d /tmp/regplay-verify.* 2>/dev/null')).stdout, '', 'the throwaway store is gone');
  // without the CA, p1's podman pull fails naming TLS (the check is not a formality)
  const good = (await lab.readFile('p1', CONTAINERS_CA))!;
  await lab.sh('p1', `rm -f ${CONTAINERS_CA}`);
  const broken = await verify(['--limit', 'p1']);
  t.is(broken.code, 2, broken.stdout);
  t.regex(broken.stdout, /p1: TLS: no CA at \/etc\/containers\/certs\.d\/registry\.lab:5000\/ca\.crt \(containers\/image's \(CRI-O, Podman\) trust location\) — run `play site\.yaml --limit p1`/);
  await lab.writeFile('p1', CONTAINERS_CA, good, 0o644);
});

serial('drift gate on p1: --tags node-trust --check exits 8 naming only p1 (nothing written); --limit p1 heals only p1; the gate is then 0', async (t) => {
  await lab.sh('p1', `rm -f ${CONTAINERS_CA} ${DROPIN}`);
  t.not((await podmanPull()).code, 0, 'without the CA the pull is refused');
  const untouched = { cp1: await fingerprint(lab, 'cp1', WATCHED.cp1!), w1: await fingerprint(lab, 'w1', WATCHED.w1!), b1: await fingerprint(lab, 'b1', WATCHED.b1!) };
  const p1Before = await fingerprint(lab, 'p1', PODMAN);

  const gate = await site(['--tags', 'node-trust', '--check', '--detailed-exitcode']);
  t.is(gate.code, 8, output(gate));
  t.true(gate.report.recap.p1!.changed > 0);
  for (const host of ['cp1', 'w1', 'd1']) t.is(gate.report.recap[host]?.changed ?? 0, 0, host);
  t.is(await fingerprint(lab, 'p1', PODMAN), p1Before, 'the gate wrote nothing');

  const heal = await site(['--limit', 'p1']);
  t.is(heal.code, 0, output(heal));
  t.deepEqual(changedSteps(heal, 'p1').sort(), [`node-trust: containers registries.conf.d drop-in for ${ADDRESS}`, `node-trust: crio CA for ${ADDRESS}`]);
  for (const host of ['cp1', 'w1', 'd1', 'b1']) t.is(changedSteps(heal, host).length, 0, host);
  t.is(await fingerprint(lab, 'cp1', WATCHED.cp1!), untouched.cp1);
  t.is(await fingerprint(lab, 'w1', WATCHED.w1!), untouched.w1);
  t.is(await fingerprint(lab, 'b1', WATCHED.b1!), untouched.b1);
  const pull = await podmanPull();
  t.is(pull.code, 0, pull.stderr);

  t.is((await site(['--tags', 'node-trust', '--check', '--detailed-exitcode'])).code, 0);
});

serial('a drop-in of the user that already declares the registry differently fails p1 only (exit 2), nothing written there; the others converge', async (t) => {
  const theirs = `[[registry]]\nlocation = "${ADDRESS}"\ninsecure = true\n`;
  await lab.writeFile('p1', `${DROPIN_DIR}/99-theirs.conf`, theirs);
  await lab.sh('p1', `rm -f ${DROPIN}`);
  await lab.sh('w1', `rm -f ${CONTAINERS_CA}`);
  const r = await site();
  t.is(r.code, 2, output(r));
  t.is(r.report.recap.p1?.failed, 1);
  for (const host of ['cp1', 'w1', 'd1', 'b1']) t.is(r.report.recap[host]?.failed, 0, host);
  t.regex(output(r), new RegExp(`${DROPIN_DIR}/99-theirs\\.conf already has a \\[\\[registry\\]\\] table for registry\\.lab:5000`));
  t.is(await lab.readFile('p1', DROPIN), null, 'nothing written');
  t.is(await lab.readFile('p1', `${DROPIN_DIR}/99-theirs.conf`), theirs);
  t.regex((await lab.readFile('w1', CONTAINERS_CA)) ?? '', /BEGIN CERTIFICATE/, 'w1 converged');
  await lab.sh('p1', `rm -f ${DROPIN_DIR}/99-theirs.conf`);
  t.is((await site(['--limit', 'p1'])).code, 0);
});
