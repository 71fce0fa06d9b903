// cri-proxy on lab hosts through the real CLI: systemd proxy drop-ins for containerd (w1, a worker)
// and docker (b1, a build host), daemon-reload + restart once through the lab's systemd shims
// (recorded in /var/log/service-restarts.log), nothing on a re-run, a rewrite and one more restart
// when the proxy changes. The proxy (proxy.lab.invalid) is never contacted.
import test, { type ExecutionContext } from 'ava';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { labSupport, labUp, type Lab } from '../lab/index.js';
import { missing, serialUnless } from '../helpers/lab-test.js';
import { runPlayReported, type PlayResult } from '../helpers/play.js';
import { fingerprint } from '../helpers/host-state.js';

const support = labSupport();
const serial = serialUnless(missing(support));

const PROXY = 'http://proxy.lab.invalid:3128';
const PROXY2 = 'http://proxy2.lab.invalid:3128';
const NAME = 'registry.lab';
const VARS = `registry_name: ${NAME}
registry_port: 5000
http_proxy: ${PROXY}
https_proxy: ${PROXY}
no_proxy: [localhost, 127.0.0.1, .svc, 10.213.0.0/16]
containerd_restart_command: [service, containerd, restart]
`;
const PLAYBOOK = `- name: container runtimes behind a proxy
  hosts: workers:build
  roles: [cri-proxy]
`;
const DROPIN = {
  w1: '/etc/systemd/system/containerd.service.d/http-proxy.conf',
  b1: '/etc/systemd/system/docker.service.d/http-proxy.conf',
} as const;
const OTHER = {
  w1: '/etc/systemd/system/docker.service.d',
  b1: '/etc/systemd/system/containerd.service.d',
} as const;
const SERVICE = { w1: 'containerd', b1: 'docker' } as const;
const HOSTS = ['w1', 'b1'] as const;

let lab: Lab;
let work: string;

interface Run extends PlayResult {
  recap: Record<string, { changed: number; failed: number; unreachable: number }>;
}

async function play(args: string[] = []): Promise<Run> {
  const r = await runPlayReported([join(work, 'proxy.yaml'), '-i', join(work, 'inventory.yaml'), ...args], { dir: work, env: {}, secrets: [], empty: { recap: {} as Run['recap'] } });
  return { ...r, recap: r.report.recap };
}

const output = (r: Run) => `${r.stdout}\n${r.stderr}`;
/** The shims' records without their time stamps: 'systemd daemon-reload', 'containerd restart', ... */
const actions = async (host: string) => (await lab.serviceLog(host)).map((l) => l.split(' ').slice(1).join(' '));
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

function expectDropIn(t: ExecutionContext, host: string, content: string | null, proxies: { http: string; https: string }): void {
  t.truthy(content, `${host}: drop-in exists`);
  t.regex(content!, /^\[Service\]$/m, host);
  t.regex(content!, new RegExp(`^Environment="HTTP_PROXY=${escape(proxies.http)}"$`, 'm'), host);
  t.regex(content!, new RegExp(`^Environment="HTTPS_PROXY=${escape(proxies.https)}"$`, 'm'), host);
  const noProxy = /^Environment="NO_PROXY=([^"]*)"$/m.exec(content!)?.[1];
  t.truthy(noProxy, `${host}: NO_PROXY is set`);
  t.deepEqual(noProxy!.split(','), [NAME, 'localhost', '127.0.0.1', '.svc', '10.213.0.0/16'], `${host}: the registry name first, never through the proxy`);
}

test.before(async () => {
  if (!support.ok) return;
  work = mkdtempSync(join(tmpdir(), 'cri-proxy-'));
  // Per process: other runs of this file at the same time must not tear down this lab.
  lab = await labUp({ name: `cri-proxy-${process.pid}`, hosts: { w1: ['workers'], b1: ['build'] } });
  writeFileSync(join(work, 'inventory.yaml'), readFileSync(lab.inventoryPath, 'utf8'));
  writeFileSync(join(work, 'proxy.yaml'), PLAYBOOK);
  mkdirSync(join(work, 'group_vars'));
  writeFileSync(join(work, 'group_vars', 'all.yaml'), VARS);
});

test.after.always(async () => {
  await lab?.down();
  if (work) rmSync(work, { recursive: true, force: true });
});

serial('check mode lists the drop-ins and changes nothing: no file, no reload, no restart', async (t) => {
  const before = { w1: await actions('w1'), b1: await actions('b1') };
  const r = await play(['--check']);
  t.is(r.code, 0, output(r));
  for (const host of HOSTS) {
    t.true(r.recap[host]!.changed > 0, host);
    t.is(await lab.readFile(host, DROPIN[host]), null, `${host}: nothing written`);
    t.deepEqual(await actions(host), before[host], `${host}: nothing reloaded or restarted`);
  }
});

serial('apply writes the containerd drop-in on w1 and the docker drop-in on b1, then daemon-reload and one restart each', async (t) => {
  const before = { w1: await actions('w1'), b1: await actions('b1') };
  const containerdPid = (await lab.sh('w1', 'cat /run/containerd.pid')).trim();
  t.regex(containerdPid, /^\d+$/, 'containerd runs on w1 before the play');
  const r = await play();
  t.is(r.code, 0, output(r));
  for (const host of HOSTS) {
    t.like(r.recap[host], { failed: 0, unreachable: 0 }, host);
    t.true(r.recap[host]!.changed > 0, host);
    expectDropIn(t, host, await lab.readFile(host, DROPIN[host]), { http: PROXY, https: PROXY });
    t.is((await lab.sh(host, `stat -c %a ${DROPIN[host]}`)).trim(), '644', host);
    t.is((await lab.exec(host, `[ -e ${OTHER[host]} ]`)).code, 1, `${host}: no drop-in for the runtime it does not run`);
    t.deepEqual((await actions(host)).slice(before[host].length), ['systemd daemon-reload', `${SERVICE[host]} restart`], `${host}: reload, then one restart`);
  }
  const after = (await lab.sh('w1', 'cat /run/containerd.pid')).trim();
  t.regex(after, /^\d+$/, 'containerd on w1 has a pid again');
  t.not(after, containerdPid, 'containerd on w1 really restarted');
  t.is((await lab.exec('w1', 'ctr version')).code, 0, 'and answers again');
});

serial('a second run changes nothing: changed=0, drop-ins not rewritten, no reload or restart', async (t) => {
  const before = { w1: await actions('w1'), b1: await actions('b1') };
  const files = { w1: await fingerprint(lab, 'w1', [DROPIN.w1]), b1: await fingerprint(lab, 'b1', [DROPIN.b1]) };
  t.notRegex(files.w1 + files.b1, /absent/);
  const r = await play();
  t.is(r.code, 0, output(r));
  for (const host of HOSTS) {
    t.like(r.recap[host], { changed: 0, failed: 0 }, host);
    t.is(await fingerprint(lab, host, [DROPIN[host]]), files[host], `${host}: same inode, mtime and content`);
    t.deepEqual(await actions(host), before[host], `${host}: no new reload or restart`);
  }
});

serial('a changed proxy rewrites each drop-in and restarts each runtime once more', async (t) => {
  const before = { w1: await actions('w1'), b1: await actions('b1') };
  const r = await play(['-e', `https_proxy=${PROXY2}`]);
  t.is(r.code, 0, output(r));
  for (const host of HOSTS) {
    t.like(r.recap[host], { failed: 0 }, host);
    t.true(r.recap[host]!.changed > 0, host);
    expectDropIn(t, host, await lab.readFile(host, DROPIN[host]), { http: PROXY, https: PROXY2 });
    t.deepEqual((await actions(host)).slice(before[host].length), ['systemd daemon-reload', `${SERVICE[host]} restart`], `${host}: one more reload and restart`);
  }
  const again = await play(['-e', `https_proxy=${PROXY2}`]);
  t.is(again.code, 0, output(again));
  for (const host of HOSTS) t.is(again.recap[host]?.changed, 0, `${host}: and the run after that changes nothing`);
});
