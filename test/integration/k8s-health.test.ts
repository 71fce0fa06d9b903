// Every run checks that the registry is serving, not only after a change: against the Kubernetes
// API stand-in with the real kubectl on cp1. Fresh cluster: check → apply → apply again (changed=0,
// the health check passing). Then the registry's storage goes away under the running pod (its
// volume unmounted inside the pod's mount namespace (its read-only root made writable for that) and
// its path made to fail with ELOOP — an I/O error
// other than "not found", as when a disk or NFS server is lost): the
// registry answers 503 (health.storagedriver), readiness fails, the TCP liveness probe does not
// restart it, and a re-run — nothing to apply — fails with the pod's own reason.
import test from 'ava';
import { join } from 'node:path';
import { labSupport, type Lab } from '../lab/index.js';
import { missing, serialUnless } from '../helpers/lab-test.js';
import { playProject, removeLabProject, type LabRun } from '../helpers/lab-project.js';
import { cp1Cluster, cp1Project, k8sStep as step } from '../helpers/standin-cluster.js';

const support = labSupport({ standin: true });
const serial = serialUnless(missing(support));

const env = { REG_ALICE_PW: 'alice-health-pw-7d3a' };

let lab: Lab;
const { kubectl } = cp1Cluster(() => lab);
let work: string;

const play = (args: string[] = []): Promise<LabRun> => playProject(work, [join(work, 'k8s.yaml'), ...args], { env, secrets: Object.values(env) });
const output = (r: LabRun) => `${r.stdout}\n${r.stderr}`;
const pod = async () => JSON.parse(await kubectl('get pods -n registry -l app.kubernetes.io/name=registry -o json')).items[0];

test.before(async () => {
  if (!support.ok) return;
  ({ lab, work } = await cp1Project('k8s-health'));
});

test.after.always(() => removeLabProject(lab, work));

serial('a re-run with nothing to apply fails, with the pod\'s reason, when the registry is not serving; a storage outage makes it unready, not restarted', async (t) => {
  const check = await play(['--check']);
  t.is(check.code, 0, output(check));
  t.is(step(check)?.status, 'changed');
  const apply = await play();
  t.is(apply.code, 0, output(apply));
  const again = await play();
  t.is(again.code, 0, output(again));
  t.deepEqual([step(again)?.status, step(again)?.actions], ['ok', []], output(again));

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
    t.is(step(down)?.status, 'failed');
    t.regex(step(down)?.error ?? '', /Deployment registry\/registry is not available: 0\/1 replicas available/, step(down)?.error);
    t.regex(step(down)?.error ?? '', new RegExp(`pod ${before.metadata.name}: phase Running; container registry running but not ready`), step(down)?.error);
    t.regex(output(down), /describe pod -l app\.kubernetes\.io\/name=registry/);
  }
});
