// `play verify` on the lab (cp1 control plane running the registry through the Kubernetes API
// stand-in, w1/w2 workers with real containerd, b1 build host with skopeo; node-trust detects
// containers/image on cp1/w1/w2 — Debian's podman and skopeo — so each is also checked through
// /etc/containers/certs.d with a real `podman pull`): it passes on the converged lab; w2 broken three ways (its certs.d ca.crt, its /etc/hosts line, the config_path
// key) fails with exit 2 naming w2 and the layer; `play site.yaml --limit workers` repairs it.
// verify itself changes no host configuration (fingerprints before/after) and leaves no canary.
import test from 'ava';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { labSupport, labUp, type Lab } from '../lab/index.js';
import { missing, serialUnless } from '../helpers/lab-test.js';
import { playCommand, repoRoot, runPlay, type PlayResult, runPlayReported } from '../helpers/play.js';
import { spawnSync } from 'node:child_process';
import { registryVars } from '../helpers/lab-vars.js';
import { fingerprint } from '../helpers/host-state.js';

const support = labSupport({ standin: true });
const serial = serialUnless(missing(support));

const NAME = 'registry.lab';
const PORT = 5000;
const ADDRESS = `${NAME}:${PORT}`;
const PASSWORD = 'alice-Verify-pw-5c1e0a';
const env = { REG_ALICE_PW: PASSWORD };
const SECRETS = [PASSWORD, Buffer.from(`alice:${PASSWORD}`).toString('base64')];
const HOSTS = ['cp1', 'w1', 'w2', 'b1'];
const CA = `/etc/containerd/certs.d/${ADDRESS}/ca.crt`;
const FILES = ['/etc/containerd/config.toml', CA, `/etc/containerd/certs.d/${ADDRESS}/hosts.toml`, '/etc/hosts', `/etc/docker/certs.d/${ADDRESS}/ca.crt`, '/root/.docker/config.json'];

let lab: Lab;
let work: string;

interface Step {
  type: string;
  host?: string;
  step?: string;
  status?: string;
  error?: string;
  why?: string;
}
interface Run extends PlayResult {
  report: { recap: Record<string, { ok: number; failed: number }>; exitCode: number; events: Step[] };
}

function run(args: string[]): Promise<Run> {
  return runPlayReported([...args, '-i', join(work, 'inventory.yaml')], { dir: work, env, secrets: SECRETS, empty: { recap: {}, exitCode: -1, events: [] } });
}

const site = (args: string[] = []) => run([join(repoRoot, 'playbooks', 'site.yaml'), ...args]);
const verify = (args: string[] = []) => run(['verify', join(repoRoot, 'playbooks', 'site.yaml'), ...args]);
const output = (r: Run) => `${r.stdout}\n${r.stderr}`;
const failed = (r: Run) => r.report.events.filter((e) => e.type === 'step' && e.status === 'failed');
/** The table row of a host: `w2  containerd  ok  ok  FAIL ...`. */
const row = (r: Run, host: string) => r.stdout.split('\n').find((l) => new RegExp(`^${host}\\s+(containerd|build)\\s`).test(l)) ?? '';
const fingerprints = async () => Object.fromEntries(await Promise.all(HOSTS.map(async (h) => [h, await fingerprint(lab, h, FILES)] as const)));
/** Canary images left in w1/w2's containerd (every namespace) and in b1's temp dir. */
const traces = async () => {
  const out: string[] = [];
  for (const h of ['w1', 'w2']) {
    const images = await lab.exec(h, 'for ns in $(ctr namespaces ls -q); do ctr -n "$ns" image ls -q; done');
    out.push(...images.stdout.split('\n').filter((l) => l.includes('regplay-verify')).map((l) => `${h}: ${l}`));
  }
  const tmp = await lab.exec('b1', 'ls -d /tmp/regplay-canary.* 2>/dev/null');
  out.push(...tmp.stdout.split('\n').filter(Boolean).map((l) => `b1: ${l}`));
  return out;
};

test.before(async () => {
  if (!support.ok) return;
  work = mkdtempSync(join(tmpdir(), 'verify-'));
  lab = await labUp({ name: `verify-${process.pid}`, hosts: { cp1: ['control_plane'], w1: ['workers'], w2: ['workers'], b1: ['build'] }, standin: true });
  writeFileSync(join(work, 'inventory.yaml'), readFileSync(lab.inventoryPath, 'utf8'));
  mkdirSync(join(work, 'group_vars'));
  writeFileSync(join(work, 'group_vars', 'all.yaml'), registryVars({ name: NAME, port: PORT, user: 'alice', passwordEnv: 'REG_ALICE_PW', pullNamespaces: ['default'] }));
  // In the lab the Service's cluster IP is routed through cp1 (the stand-in's kube-proxy), which b1 can reach.
  writeFileSync(join(work, 'group_vars', 'build.yaml'), 'dns_hosts_ip_source: cluster_ip\n');
  const r = await site();
  if (r.code !== 0) throw new Error(`play site.yaml failed: ${output(r)}`);
});

test.after.always(async () => {
  await lab?.down();
  if (work) rmSync(work, { recursive: true, force: true });
});

serial('verify on the converged lab: every check passes on every host, exit 0, nothing changed, no canary left', async (t) => {
  const before = await fingerprints();
  const junit = join(work, 'verify.xml');
  const r = await verify(['--junit', junit]);
  t.is(r.code, 0, `${output(r)}\n${failed(r).map((e) => `${e.host} ${e.step}: ${e.error}`).join('\n')}`);
  for (const host of ['w1', 'w2']) t.regex(row(r, host), /^w\d\s+containerd\s+ok\s+ok\s+ok\s+ok\s+ok\s+ok\s+ok$/, host);
  t.regex(row(r, 'b1'), /^b1\s+build\s+ok\s+ok\s+-\s+ok\s+ok\s+ok\s+ok$/);
  t.regex(row(r, 'cp1'), /^cp1\s+containerd(\s+ok){7}$/);
  // the pull went through containerd (ctr --hosts-dir: crictl is not installed in the lab) and the report says so
  const pulls = r.report.events.filter((e) => e.type === 'step' && /pull canary \(containerd\)$/.test(e.step ?? ''));
  t.is(pulls.length, 3);
  for (const p of pulls) t.is(p.why, 'via ctr --hosts-dir', p.host);
  // containers/image (node-trust, auto-detected): each of them also pulled with podman, through /etc/containers/certs.d
  for (const host of ['cp1', 'w1', 'w2']) t.regex(r.stdout, new RegExp(`^${host}\\s+crio(\\s+ok){2}\\s+-(\\s+ok){4}$`, 'm'), host);
  const podman = r.report.events.filter((e) => e.type === 'step' && e.step === 'crio: pull canary (podman)');
  t.deepEqual(podman.map((p) => `${p.host} ${p.status} ${p.why}`).sort(), ['cp1 ok via podman pull', 'w1 ok via podman pull', 'w2 ok via podman pull']);
  t.true(r.report.events.some((e) => e.type === 'step' && e.host === 'b1' && /^push canary/.test(e.step ?? '') && e.status === 'ok'));
  t.regex(readFileSync(junit, 'utf8'), /<testsuites name="play" tests="\d+" failures="0" /);
  t.deepEqual(await fingerprints(), before, 'verify changed no host configuration');
  t.deepEqual(await traces(), [], 'the canary is gone from the runtimes and from b1');
  // and from the registry (the lab's registry has deletion enabled): no tag left
  t.true(r.report.events.some((e) => e.type === 'step' && e.host === 'b1' && /^delete canary/.test(e.step ?? '') && e.why === 'removed from the registry'));
  const left = await runPlay(['registry', 'tags', 'regplay-verify/canary', '-i', join(work, 'inventory.yaml'), '--playbook', join(repoRoot, 'playbooks', 'site.yaml')], { env });
  t.true(left.code === 5 || (left.code === 0 && left.stdout === ''), `${left.code}: ${left.stdout}${left.stderr}`);
});

serial('w2 without its certs.d ca.crt: exit 2, TLS named on w2 with the fix; --limit workers repairs it', async (t) => {
  await lab.sh('w2', `rm -f ${CA}`);
  const r = await verify();
  t.is(r.code, 2, output(r));
  t.deepEqual(failed(r).map((e) => e.host), ['w2']);
  t.regex(failed(r)[0]!.error!, new RegExp(`^TLS: no CA at ${CA.replaceAll('.', '\\.')} \\(containerd's trust location\\) — run \`play site\\.yaml --limit w2\`$`));
  t.regex(row(r, 'w2'), /^w2\s+containerd\s+ok\s+ok\s+ok\s+FAIL\s+ok\s+skip\s+skip$/);
  t.regex(row(r, 'w1'), /^w1\s+containerd(\s+ok){7}$/);
  t.is((await site(['--limit', 'workers'])).code, 0);
  t.is((await verify()).code, 0);
});

serial('w2 with a CA that did not sign the certificate: TLS: certificate signed by unknown authority', async (t) => {
  await lab.sh('w2', `cp /etc/ssl/certs/ca-certificates.crt ${CA} 2>/dev/null || openssl req -x509 -newkey rsa:2048 -nodes -keyout /dev/null -subj /CN=other -days 1 -out ${CA} 2>/dev/null`);
  const r = await verify(['--limit', 'w2']);
  t.is(r.code, 2, output(r));
  t.deepEqual(failed(r).map((e) => e.host), ['w2']);
  t.regex(failed(r)[0]!.error!, /^TLS: certificate signed by unknown authority \(not by the CA at .*\) — run `play site\.yaml --limit w2`$/);
  t.is((await site(['--limit', 'workers'])).code, 0);
  t.is((await verify(['--limit', 'w2'])).code, 0);
});

serial('w2 without its /etc/hosts line: exit 2, DNS: registry.lab does not resolve on w2; --limit workers repairs it', async (t) => {
  await lab.sh('w2', `sed -i '/ ${NAME.replace('.', '\\.')}$/d' /etc/hosts`);
  const r = await verify();
  t.is(r.code, 2, output(r));
  // both of w2's runtimes (containerd, containers/image) resolve the name the same way
  t.deepEqual(failed(r).map((e) => `${e.host} ${e.step}`), ['w2 containerd: DNS registry.lab', 'w2 crio: DNS registry.lab']);
  t.is(failed(r)[0]!.error, 'DNS: registry.lab does not resolve on w2 — run `play site.yaml --limit w2`');
  t.regex(row(r, 'w2'), /^w2\s+containerd\s+FAIL\s+skip\s+ok\s+skip\s+skip\s+skip\s+skip$/);
  t.is((await site(['--limit', 'workers'])).code, 0);
  t.is((await verify()).code, 0);
});

serial('w2 without the config_path key: exit 2, config_path not set in /etc/containerd/config.toml; --limit workers repairs it', async (t) => {
  await lab.sh('w2', `sed -i '/config_path/d' /etc/containerd/config.toml`);
  const r = await verify();
  t.is(r.code, 2, output(r));
  t.deepEqual(failed(r).map((e) => e.host), ['w2'], failed(r).map((e) => `${e.step}: ${e.error}`).join('\n'));
  t.is(failed(r)[0]!.error, 'containerd: config_path not set in /etc/containerd/config.toml on w2 — run `play site.yaml --limit w2`');
  // ctr --hosts-dir is pointed at certs.d itself, so its pull still works: the config check is what
  // shows that the CRI (the kubelet's path) would not read certs.d.
  t.regex(row(r, 'w2'), /^w2\s+containerd\s+ok\s+ok\s+FAIL\s+ok\s+ok\s+ok\s+ok$/);
  t.is((await site(['--limit', 'workers'])).code, 0);
  const again = await verify();
  t.is(again.code, 0, output(again));
  t.deepEqual(await traces(), []);
});

serial('--keep-canary leaves the canary in the runtimes; a wrong password fails auth on every host', async (t) => {
  const kept = await verify(['--limit', 'w1', '--keep-canary']);
  t.is(kept.code, 0, output(kept));
  t.true((await traces()).some((l) => l.startsWith('w1: ')), 'the canary stays in w1\'s containerd');
  await lab.sh('w1', 'ctr -n regplay-verify image ls -q | xargs -r ctr -n regplay-verify image rm --sync >/dev/null');
  const wrong = await runPlay(['verify', join(repoRoot, 'playbooks', 'site.yaml'), '-i', join(work, 'inventory.yaml'), '--limit', 'w1'], { env: { REG_ALICE_PW: 'not-the-password' } });
  t.is(wrong.code, 2, wrong.stdout + wrong.stderr);
  t.regex(wrong.stdout, /w1: auth: \/v2\/ refuses alice \(401\)/);
});

serial('crictl installed: the containerd pull goes through it and the report says "via crictl"; without it ctr --hosts-dir (a fake crictl: cri-tools is not packaged in Debian 12)', async (t) => {
  // The fake records its arguments (the credential replaced) and does what the CRI image service
  // would: a pull into containerd's k8s.io namespace through certs.d; rmi removes it again.
  const fake = [
    '#!/bin/sh',
    'log=/var/log/fake-crictl.log',
    'case "$1" in',
    '  pull) shift; creds=; while [ $# -gt 1 ]; do case "$1" in --creds) creds=$2; shift 2 ;; *) shift ;; esac; done',
    '        echo "pull --creds $(test -n "$creds" && echo set) $1" >> $log',
    '        exec ctr -n k8s.io image pull --hosts-dir /etc/containerd/certs.d --user "$creds" "$1" >/dev/null ;;',
    '  rmi) echo "rmi $2" >> $log; exec ctr -n k8s.io image rm --sync "$2" ;;',
    '  *) echo "unexpected: $*" >> $log; exit 1 ;;',
    'esac',
    '',
  ].join('\n');
  await lab.writeFile('w1', '/usr/local/sbin/crictl', fake, 0o755);
  try {
    const r = await verify(['--limit', 'w1:w2']);
    t.is(r.code, 0, output(r));
    // (a host with more runtimes than containerd has its steps prefixed "containerd: ")
    const pulls = r.report.events.filter((e) => e.type === 'step' && /pull canary \(containerd\)$/.test(e.step ?? ''));
    t.is(pulls.find((p) => p.host === 'w1')?.why, 'via crictl');
    t.is(pulls.find((p) => p.host === 'w2')?.why, 'via ctr --hosts-dir');
    t.regex(await lab.sh('w1', 'cat /var/log/fake-crictl.log'), /^pull --creds set registry\.lab:5000\/regplay-verify\/canary:\S+\nrmi registry\.lab:5000\/regplay-verify\/canary:\S+\n$/);
    t.false((await lab.sh('w1', 'cat /var/log/fake-crictl.log')).includes(PASSWORD));
    t.deepEqual(await traces(), [], 'the canary is gone from the k8s.io namespace too');
  } finally {
    await lab.sh('w1', 'rm -f /usr/local/sbin/crictl /var/log/fake-crictl.log');
  }
});

serial('--canary-from controller: the canary is pushed from the controller (this machine, in process, TLS verified with the site CA read on cp1); w1 pulls it; it is deleted after', async (t) => {
  const cp1 = lab.hosts.cp1!.address;
  // the controller reaches the registry at cp1's address, the Service's externalIP (the stand-in's
  // kube-proxy routes it), and resolves the name there through a private /etc/hosts (its own mount namespace)
  const extra = ['-e', `registry_external_ips=${cp1}`];
  t.is((await site(extra)).code, 0);
  const hosts = join(work, 'controller-hosts');
  writeFileSync(hosts, `${readFileSync('/etc/hosts', 'utf8')}\n${cp1} ${NAME}\n`);
  const json = join(work, 'controller.json');
  const [cmd, argv] = playCommand(['verify', join(repoRoot, 'playbooks', 'site.yaml'), '-i', join(work, 'inventory.yaml'), '--limit', 'w1', '--canary-from', 'controller', '--json', json, ...extra]);
  const r = spawnSync('unshare', ['-m', '--propagation', 'private', 'sh', '-c', 'mount --bind "$0" /etc/hosts && exec "$@"', hosts, cmd, ...argv], { cwd: work, env: { ...process.env, ...env, NO_COLOR: '1' }, encoding: 'utf8' });
  t.is(r.status, 0, `${r.stdout}\n${r.stderr}`);
  const events = (JSON.parse(readFileSync(json, 'utf8')) as Run['report']).events;
  const push = events.find((e) => e.type === 'step' && e.host === 'controller' && /^push canary /.test(e.step ?? ''));
  t.is(push?.status, 'ok', JSON.stringify(push));
  t.is(push?.why, 'from the controller (in process, TLS with the site CA)');
  t.false(events.some((e) => e.type === 'step' && e.host === 'b1' && /^push canary/.test(e.step ?? '')), 'b1 pushed nothing');
  t.true(events.some((e) => e.type === 'step' && e.host === 'w1' && /pull canary \(containerd\)$/.test(e.step ?? '') && e.status === 'ok'), 'w1 pulled the controller\'s canary');
  t.true(events.some((e) => e.type === 'step' && e.host === 'controller' && /^delete canary/.test(e.step ?? '') && e.why === 'removed from the registry'));
  t.false(`${r.stdout}${r.stderr}${readFileSync(json, 'utf8')}`.includes(PASSWORD));
  t.is((await site()).code, 0);
});
