// "An interrupted run is finished by the next one", on two lab workers over real SSH: the CLI
// (dns-hosts + containerd-trust) is SIGKILLed as soon as it reports its first change — its SSH
// connections drop mid-run, as when a laptop's VPN dies or CI cancels a job. The next run exits 0
// and leaves every file right on both hosts, with no `.regplay.` temp file beside any of them, and
// restarts containerd wherever the killed run changed config.toml (its handler was recorded on the
// host as pending); the run after that changes and restarts nothing.
import test, { type ExecutionContext } from 'ava';
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hostsToml } from '../../roles/_shared/hosts-toml.js';
import { labSupport, labUp, type Lab } from '../lab/index.js';
import { missing, serialUnless } from '../helpers/lab-test.js';
import { repoRoot, runPlay, type PlayResult } from '../helpers/play.js';

const support = labSupport();
const serial = serialUnless(missing(support));

const HOSTS = ['w1', 'w2'] as const;
const NAME = 'registry.lab';
const PORT = 5000;
const ADDRESS = `${NAME}:${PORT}`;
const REGISTRY_IP = '10.213.250.7'; // only written into /etc/hosts, never contacted
const CERTS_DIR = '/etc/containerd/certs.d';
const CA_PATH = `${CERTS_DIR}/${ADDRESS}/ca.crt`;
const HOSTS_TOML_PATH = `${CERTS_DIR}/${ADDRESS}/hosts.toml`;
const PLAYBOOK = `- name: workers trust the registry
  hosts: workers
  roles: [dns-hosts, containerd-trust]
`;

let lab: Lab;
let work: string;
let caPem: string;

interface Run extends PlayResult {
  recap: Record<string, { changed: number; failed: number; unreachable: number }>;
}

const args = (json: string) => [join(work, 'trust.yaml'), '-i', join(work, 'inventory.yaml'), '--json', json];
const output = (r: PlayResult) => `${r.stdout}\n${r.stderr}`;

async function play(): Promise<Run> {
  const json = join(work, `run-${Date.now()}.json`);
  const r = await runPlay(args(json));
  let recap: Run['recap'] = {};
  try {
    recap = (JSON.parse(readFileSync(json, 'utf8')) as { recap: Run['recap'] }).recap;
  } catch {
    // no report: the assertions on r.code show the output
  }
  return { ...r, recap };
}

/** The CLI as runPlay starts it, SIGKILLed as soon as its output has a line matching `at` (or after 20 s). */
function playKilledAt(at: RegExp): Promise<{ stdout: string; killedAtLine: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), join(repoRoot, 'src', 'cli', 'main.ts'), ...args(join(work, 'killed.json'))], {
      cwd: repoRoot,
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let seen = false;
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.stdout.on('data', (b: Buffer) => {
      stdout += b.toString('utf8');
      if (!seen && at.test(stdout)) {
        seen = true;
        child.kill('SIGKILL');
      }
    });
    child.stderr.resume();
    child.on('error', reject);
    child.on('close', () => {
      clearTimeout(timer);
      resolve({ stdout, killedAtLine: seen });
    });
  });
}

/** `.regplay.` names in /etc, /etc/containerd and every certs.d/<host:port> directory of a host. */
async function tempFiles(host: string): Promise<string[]> {
  const out = await lab.sh(host, `for d in /etc /etc/containerd ${CERTS_DIR} ${CERTS_DIR}/*/; do [ -d "$d" ] && ls -A "$d" | sed "s|^|$d/|"; done; true`);
  return out.split('\n').filter((l) => l.includes('.regplay.'));
}

test.before(async () => {
  if (!support.ok) return;
  work = mkdtempSync(join(tmpdir(), 'interrupted-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', join(work, 'ca.key'), '-out', join(work, 'ca.crt'), '-subj', '/CN=interrupted test CA', '-days', '2'], { stdio: 'ignore' });
  caPem = readFileSync(join(work, 'ca.crt'), 'utf8');
  // Per process: other runs of this file at the same time must not tear down this lab.
  lab = await labUp({ name: `interrupted-${process.pid}`, hosts: { w1: ['workers'], w2: ['workers'] } });
  writeFileSync(join(work, 'inventory.yaml'), readFileSync(lab.inventoryPath, 'utf8'));
  writeFileSync(join(work, 'trust.yaml'), PLAYBOOK);
  mkdirSync(join(work, 'group_vars'));
  writeFileSync(
    join(work, 'group_vars', 'all.yaml'),
    `registry_name: ${NAME}
registry_port: ${PORT}
registry_ip: ${REGISTRY_IP}
registry_ca_pem: |
${caPem.trimEnd().replace(/^/gm, '  ')}
containerd_restart_command: [service, containerd, restart]
`,
  );
});

test.after.always(async () => {
  await lab?.down();
  if (work) rmSync(work, { recursive: true, force: true });
});

/** Every file the play manages, checked on both hosts after a run that must have finished the job. */
async function expectConverged(t: ExecutionContext, r: Run, configBefore: Record<string, string | null>): Promise<void> {
  t.is(r.code, 0, output(r));
  for (const h of HOSTS) {
    t.like(r.recap[h], { failed: 0, unreachable: 0 }, h);
    const hosts = (await lab.readFile(h, '/etc/hosts')) ?? '';
    t.deepEqual(hosts.split('\n').filter((l) => l.includes(NAME)), [`${REGISTRY_IP} ${NAME}`], `${h}: /etc/hosts maps the name once`);
    t.regex(hosts, /^127\.0\.0\.1\s+localhost/m, `${h}: the other lines of /etc/hosts are kept`);
    const config = (await lab.readFile(h, '/etc/containerd/config.toml')) ?? '';
    t.regex(config, /^\s*\[plugins\."io\.containerd\.grpc\.v1\.cri"\.registry\]\s*\n\s*config_path = "\/etc\/containerd\/certs\.d"$/m, `${h}: config_path set:\n${config}`);
    t.true(config.startsWith(configBefore[h]!.split('\n')[0]!), `${h}: the package's config is kept`);
    t.is(await lab.readFile(h, CA_PATH), caPem, `${h}: ca.crt is the CA`);
    t.is(await lab.readFile(h, HOSTS_TOML_PATH), hostsToml(ADDRESS, CA_PATH, { role: 'containerd-trust' }), `${h}: hosts.toml`);
    t.deepEqual(await tempFiles(h), [], `${h}: no .regplay. temp file left`);
    t.is((await lab.exec(h, 'ctr version')).code, 0, `${h}: containerd answers`);
  }
}

const restarts = async (h: string) => (await lab.serviceLog(h)).filter((l) => l.endsWith(' containerd restart')).length;

const CONFIG_PATH_SET = /^\s*config_path = "\/etc\/containerd\/certs\.d"$/m;

/**
 * Kills a run at the first line matching `at`, logs what it left, reruns (converged), runs once more
 * (changed=0). With `restartPending`, `at` captures the host whose config.toml the killed run had
 * just written: that host's restart must be left pending by the kill and done by the rerun.
 */
async function interruptThenRerun(t: ExecutionContext, at: RegExp, o: { restartPending?: boolean } = {}): Promise<void> {
  const configBefore = Object.fromEntries(await Promise.all(HOSTS.map(async (h) => [h, await lab.readFile(h, '/etc/containerd/config.toml')] as const)));
  // config.toml lacks config_path on every host: some run must write it, and then restart containerd.
  for (const h of HOSTS) t.notRegex(configBefore[h] ?? '', CONFIG_PATH_SET, `${h}: config_path not set before the killed run`);
  const restartsBefore = Object.fromEntries(await Promise.all(HOSTS.map(async (h) => [h, await restarts(h)] as const)));
  const killed = await playKilledAt(at);
  t.true(killed.killedAtLine, `killed at ${at}:\n${killed.stdout}`);
  const configChanged: Record<string, boolean> = {};
  const restartsAfterKill: Record<string, number> = {};
  for (const h of HOSTS) {
    // What the kill left (logged): the next run must cope with any of it.
    configChanged[h] = (await lab.readFile(h, '/etc/containerd/config.toml')) !== configBefore[h];
    restartsAfterKill[h] = await restarts(h);
    t.log(`${h} after the kill: config.toml ${configChanged[h] ? 'changed' : 'unchanged'}, ca.crt ${(await lab.readFile(h, CA_PATH)) === null ? 'absent' : 'present'}, restarts ${restartsAfterKill[h]! - restartsBefore[h]!}, temp files: ${(await tempFiles(h)).join(' ') || 'none'}`);
  }
  const pendingOn = o.restartPending ? at.exec(killed.stdout)?.[1] : undefined;
  if (o.restartPending) {
    t.true(pendingOn !== undefined && (HOSTS as readonly string[]).includes(pendingOn), `the kill line names a host:\n${killed.stdout}`);
    t.true(configChanged[pendingOn!], `${pendingOn}: the killed run wrote config.toml`);
    t.is(restartsAfterKill[pendingOn!], restartsBefore[pendingOn!], `${pendingOn}: the killed run did not restart containerd (the restart is pending)`);
  }

  const second = await play();
  await expectConverged(t, second, configBefore);
  for (const h of HOSTS) {
    // Whichever run wrote config_path (the killed one, or this one), containerd on h was restarted.
    t.true((await restarts(h)) - restartsBefore[h]! >= 1, `${h}: containerd restarted since its config.toml changed\n${output(second)}`);
  }
  if (pendingOn !== undefined) {
    // The killed run recorded its handler on the host before writing config.toml: the rerun, with
    // config.toml already right, still restarts containerd.
    t.true((await restarts(pendingOn)) - restartsAfterKill[pendingOn]! >= 1, `${pendingOn}: the rerun ran the restart the killed run left pending\n${output(second)}`);
    t.regex(output(second), new RegExp(`RUNNING HANDLER changed: \\[${pendingOn}\\] restart containerd`), output(second));
  }

  const restartsBeforeThird = Object.fromEntries(await Promise.all(HOSTS.map(async (h) => [h, await restarts(h)] as const)));
  const third = await play();
  t.is(third.code, 0, output(third));
  for (const h of HOSTS) {
    t.like(third.recap[h], { changed: 0, failed: 0, unreachable: 0 }, `${h}: nothing left to do\n${output(third)}`);
    t.is(await restarts(h), restartsBeforeThird[h], `${h}: the third run restarts nothing`);
  }
}

serial('a run SIGKILLed at its first change is finished by the next: every file right on both hosts, no temp file left, then changed=0', async (t) => {
  await interruptThenRerun(t, /^changed: /m);
});

serial('the same when it is killed at the first containerd-trust change (config.toml written, restart pending)', async (t) => {
  for (const h of HOSTS) {
    await lab.sh(h, `rm -rf ${CERTS_DIR} /etc/containerd/config.toml.*~ && sed -i '/ ${NAME.replace('.', '\\.')}$/d' /etc/hosts`);
    await lab.sh(h, `sed -i '/config_path = /d; /\\.registry\\]$/d' /etc/containerd/config.toml`);
  }
  await interruptThenRerun(t, /^changed: \[([^\]]+)\] containerd-trust \| containerd config_path in /m, { restartPending: true });
});

serial('a temp file a SIGKILLed write left beside /etc/hosts is removed by the next write into /etc', async (t) => {
  // The remote shell of a write SIGKILLed (nothing can trap that: the OOM killer, a reboot) leaves
  // its temp file until the next write into that directory.
  const stale = '/etc/.regplay.Zz9Kil';
  await lab.writeFile('w1', stale, 'half a file');
  await lab.writeFile('w1', '/etc/.regplay.keep', 'not a name mktemp makes: never touched');
  await lab.sh('w1', `sed -i '/ ${NAME.replace('.', '\\.')}$/d' /etc/hosts`);
  const r = await play();
  t.is(r.code, 0, output(r));
  t.like(r.recap.w1, { changed: 1, failed: 0 }, output(r));
  t.is(await lab.readFile('w1', stale), null, 'the stale temp file is removed by the write into /etc');
  t.is(await lab.readFile('w1', '/etc/.regplay.keep'), 'not a name mktemp makes: never touched');
  t.deepEqual((await lab.readFile('w1', '/etc/hosts'))?.split('\n').filter((l) => l.includes(NAME)), [`${REGISTRY_IP} ${NAME}`]);
});
