// One read per host per run, counted on the hosts themselves: their sshd logs every exec session
// ("Starting session: command", LogLevel VERBOSE). On a converged lab a `site.yaml` no-op costs every
// host one exec for the whole run, also the hosts that need the control plane's facts (the CA, the
// Service IP: they read while they wait); the `--json` report's roundTrips say the same. And a host whose
// plays read nothing of another host does not wait for it: with cp1 slow, the workers finish first.
// The first converge restarts containerd on the hosts at the same time.
import test from 'ava';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { labSupport, type Lab } from '../lab/index.js';
import { missing, serialUnless } from '../helpers/lab-test.js';
import { repoRoot } from '../helpers/play.js';
import { labProject, playProject, removeLabProject, type LabEvent, type LabRun } from '../helpers/lab-project.js';
import { ALICE_VARS, CLUSTER_IP_DNS_VARS } from '../helpers/lab-vars.js';

const support = labSupport({ standin: true });
const serial = serialUnless(missing(support));

const PASSWORD = 'alice-Trips-pw-91b3d0';
const env = { REG_ALICE_PW: PASSWORD };
const SECRETS = [PASSWORD, Buffer.from(`alice:${PASSWORD}`).toString('base64')];
const HOSTS = ['cp1', 'w1', 'w2', 'b1'];

let lab: Lab;
let work: string;

const play = (args: string[]): Promise<LabRun> => playProject(work, args, { env, secrets: SECRETS });
const output = (r: LabRun) => `${r.stdout}\n${r.stderr}`;
/** Exec sessions the host's sshd started so far. */
const sessions = async (host: string) => ((await lab.readFile(host, '/var/log/sshd.log')) ?? '').split('\n').filter((l) => l.includes('Starting session: command')).length;

test.before(async () => {
  if (!support.ok) return;
  ({ lab, work } = await labProject('trips', { cp1: ['control_plane'], w1: ['workers'], w2: ['workers'], b1: ['build'] }, { groupVars: { all: ALICE_VARS, build: CLUSTER_IP_DNS_VARS } }));
  for (const host of HOSTS) {
    await lab.sh(host, "sed -i '/^LogLevel/d' /etc/ssh/sshd_config && echo 'LogLevel VERBOSE' >> /etc/ssh/sshd_config");
    await lab.stopSsh(host);
    await lab.startSsh(host);
  }
});

test.after.always(() => removeLabProject(lab, work));

serial('site.yaml no-op on a converged lab: one exec per host for the whole run (sshd logs and --json agree)', async (t) => {
  const site = join(repoRoot, 'playbooks', 'site.yaml');
  const first = await play([site]);
  t.is(first.code, 0, output(first));
  // The first converge restarts containerd on every containerd host: at once, not one after another.
  const restart = (host: string) => {
    const e = first.report.events.find((x) => x.type === 'handler' && x.host === host && x.handler === 'restart containerd');
    const end = e ? Date.parse(e.time) : NaN;
    return { start: end - (e?.durationMs ?? NaN), end };
  };
  const [w1, w2] = [restart('w1'), restart('w2')];
  t.true(w1.start < w2.end && w2.start < w1.end, `the workers' containerd restarts overlap: ${JSON.stringify({ w1, w2, cp1: restart('cp1') })}`);
  const before = await Promise.all(HOSTS.map(sessions));
  const noop = await play([site]);
  t.is(noop.code, 0, output(noop));
  const after = await Promise.all(HOSTS.map(sessions));
  const execs = Object.fromEntries(HOSTS.map((h, i) => [h, after[i]! - before[i]!]));
  for (const host of HOSTS) t.is(noop.report.recap[host]?.changed, 0, host);
  t.is(execs.cp1, 1, `cp1 reads all its plays (certs, htpasswd, k8s-apply, dns-hosts, containerd-trust, node-trust) in one exec: ${JSON.stringify(execs)}`);
  // They read ahead while they wait for cp1's CA and Service IP, and plan from that one read.
  for (const host of ['w1', 'w2', 'b1']) t.is(execs[host], 1, `${host} (waits for facts of cp1): ${JSON.stringify(execs)}`);
  for (const host of HOSTS) t.is(noop.report.recap[host]!.roundTrips, execs[host], `${host}: the report's roundTrips are the sessions its sshd started`);
  t.log(`exec sessions per host in the no-op: ${JSON.stringify(execs)}`);
});

serial('a slow host does not hold back hosts whose plays read nothing of it; the output still goes play by play', async (t) => {
  const dir = join(work, 'slow');
  mkdirSync(join(dir, 'roles', 'slow'), { recursive: true });
  // A command without a guard runs on every apply: 3 s on cp1.
  writeFileSync(join(dir, 'roles', 'slow', 'index.mjs'), "export default { name: 'slow', plan: () => [{ kind: 'command', name: 'sleep 3', argv: ['sleep', '3'] }] };\n");
  writeFileSync(join(dir, 'roles', 'slow', 'defaults.yaml'), '{}\n');
  writeFileSync(
    join(dir, 'slow.yaml'),
    `- name: slow control plane
  hosts: control_plane
  roles: [slow]
- name: names on the workers
  hosts: workers
  roles: [dns-hosts]
  vars: { registry_ip: 10.213.250.7 }
`,
  );
  const r = await play([join(dir, 'slow.yaml')]);
  t.is(r.code, 0, output(r));
  const at = (e: LabEvent | undefined) => (e ? Date.parse(e.time) : NaN);
  const slowDone = at(r.report.events.find((e) => e.type === 'step' && e.host === 'cp1' && e.role === 'slow'));
  for (const host of ['w1', 'w2']) {
    const step = r.report.events.find((e) => e.type === 'step' && e.host === host && e.role === 'dns-hosts');
    t.is(step?.status, 'changed', host);
    t.true(at(step) < slowDone - 1000, `${host} wrote /etc/hosts ${slowDone - at(step)} ms before cp1's sleep ended`);
    t.regex((await lab.readFile(host, '/etc/hosts'))!, /^10\.213\.250\.7\s+registry\.lab$/m, host);
  }
  const order = r.report.events.filter((e) => e.type === 'play-start' || e.type === 'play-end').map((e) => `${e.type} ${e.play}`);
  t.deepEqual(order, ['play-start slow control plane', 'play-end slow control plane', 'play-start names on the workers', 'play-end names on the workers']);
  const lines = r.stdout.split('\n');
  t.true(lines.findIndex((l) => l.includes('PLAY [names on the workers]')) > lines.findIndex((l) => l.includes('sleep 3')), 'the workers\' steps are printed under their own play, after cp1\'s');
});
