// Every run checks that the registry is serving, not only after a change: against the Kubernetes
// API stand-in with the real kubectl on cp1. Fresh cluster: check → apply → apply again (changed=0,
// the health check passing). Then the registry's storage goes away under the running pod (its
// volume unmounted inside the pod's mount namespace (its read-only root made writable for that) and
// its path made to fail with ELOOP — an I/O error
// other than "not found", as when a disk or NFS server is lost): the
// registry answers 503 (health.storagedriver), readiness fails, the TCP liveness probe does not
// restart it, and a re-run — nothing to apply — fails with the pod's own reason.
import test from 'ava';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { labSupport, labUp, type Lab } from '../lab/index.js';
import { missing, serialUnless } from '../helpers/lab-test.js';
import { runPlayReported, type PlayResult } from '../helpers/play.js';
import { registryVars } from '../helpers/lab-vars.js';

const support = labSupport({ standin: true });
const serial = serialUnless(missing(support));

const env = { REG_ALICE_PW: 'alice-health-pw-7d3a' };
const K8S = `- hosts: control_plane
  roles: [certs, htpasswd, k8s-apply]
`;

let lab: Lab;
let work: string;

interface Run extends PlayResult {
  step?: { status?: string; actions?: string[]; error?: string };
}

async function play(args: string[] = []): Promise<Run> {
  const r = await runPlayReported([join(work, 'k8s.yaml'), '-i', join(work, 'inventory.yaml'), ...args], { dir: work, env, secrets: Object.values(env), empty: { events: [] as Array<{ type: string; role?: string; step?: string }> } });
  return { ...r, step: r.report.events.find((e) => e.type === 'step' && e.role === 'k8s-apply' && e.step === 'registry objects') as Run['step'] };
}
const output = (r: Run) => `${r.stdout}\n${r.stderr}`;
const kubectl = (args: string) => lab.sh('cp1', `kubectl --kubeconfig /root/.kube/config ${args}`);
const pod = async () => JSON.parse(await kubectl('get pods -n registry -l app.kubernetes.io/name=registry -o json')).items[0];

test.before(async () => {
  if (!support.ok) return;
  work = mkdtempSync(join(tmpdir(), 'k8s-health-'));
  lab = await labUp({ name: `k8s-health-${process.pid}`, hosts: { cp1: ['control_plane'] }, standin: true });
  writeFileSync(join(work, 'inventory.yaml'), readFileSync(lab.inventoryPath, 'utf8'));
  writeFileSync(join(work, 'k8s.yaml'), K8S);
  mkdirSync(join(work, 'group_vars'));
  writeFileSync(join(work, 'group_vars', 'all.yaml'), registryVars({ name: 'registry.lab', port: 5000, user: 'alice', passwordEnv: 'REG_ALICE_PW', pullNamespaces: ['default'] }));
});

test.after.always(async () => {
  await lab?.down();
  if (work) rmSync(work, { recursive: true, force: true });
});

serial('a re-run with nothing to apply fails, with the pod\'s reason, when the registry is not serving; a storage outage makes it unready, not restarted', async (t) => {
  const check = await play(['--check']);
  t.is(check.code, 0, output(check));
  t.is(check.step?.status, 'changed');
  const apply = await play();
  t.is(apply.code, 0, output(apply));
  const again = await play();
  t.is(again.code, 0, output(again));
  t.deepEqual([again.step?.status, again.step?.actions], ['ok', []], output(again));

  const before = await pod();
  t.true(before.status.containerStatuses[0].ready);
  // the registry process is the one whose environment names the pod (HOSTNAME, as a kubelet sets it)
  const pid = (await lab.sh('cp1', `grep -lz '^HOSTNAME=${before.metadata.name}$' /proc/[0-9]*/environ | cut -d/ -f3 | head -1`)).trim();
  t.regex(pid, /^\d+$/);
  await lab.sh('cp1', `nsenter -t ${pid} -m -r -w sh -c 'cd / && umount -l /var/lib/registry && mount -o remount,bind,rw "$(findmnt -n -o TARGET -T /var/lib | tail -1)" && rmdir /var/lib/registry && ln -s registry /var/lib/registry'`);
  let now = before;
  for (let i = 0; i < 120 && now.status.containerStatuses[0].ready; i++) {
    await new Promise((r) => setTimeout(r, 1000));
    now = await pod();
  }
  t.false(now.status.containerStatuses[0].ready, 'the pod turned unready');
  t.is(now.metadata.name, before.metadata.name);
  t.is(now.status.containerStatuses[0].restartCount, 0, 'liveness (TCP) did not restart it');
  t.truthy(now.status.containerStatuses[0].state.running);
  const deployment = JSON.parse(await kubectl('get deployment registry -n registry -o json'));
  t.is(deployment.status.availableReplicas ?? 0, 0);

  for (const args of [[], ['--check']]) {
    const down = await play(args);
    t.not(down.code, 0, output(down));
    t.is(down.step?.status, 'failed');
    t.regex(down.step?.error ?? '', /Deployment registry\/registry is not available: 0\/1 replicas available/, down.step?.error);
    t.regex(down.step?.error ?? '', new RegExp(`pod ${before.metadata.name}: phase Running; container registry running but not ready`), down.step?.error);
    t.regex(output(down), /describe pod -l app\.kubernetes\.io\/name=registry/);
  }
});
