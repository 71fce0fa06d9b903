// Storage that cannot change is refused before any change, against the Kubernetes API stand-in
// with the real kubectl on cp1: fresh cluster check → apply → apply again (changed=0), the static PV
// and its claim pre-bound both ways (kubectl); then registry_storage_kind hostpath → nfs (the PV's
// source is immutable: a real API server refuses the apply) fails check and apply with how to
// migrate, hostpath → pvc is stopped by the data guard, and nothing in the cluster is written.
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
const env = { REG_ALICE_PW: 'alice-storage-pw-3e9b' };
const REQUEST_LOG = '/var/lib/standin/requests.log';

let lab: Lab;
let work: string;

interface Run extends PlayResult {
  step?: { status?: string; error?: string };
  changed?: number;
}

async function play(args: string[] = []): Promise<Run> {
  const empty = { events: [] as Array<{ type: string; role?: string; step?: string }>, recap: {} as Record<string, { changed: number }> };
  const r = await runPlayReported([join(work, 'k8s.yaml'), '-i', join(work, 'inventory.yaml'), ...args], { dir: work, env, secrets: Object.values(env), empty });
  return { ...r, step: r.report.events.find((e) => e.type === 'step' && e.role === 'k8s-apply' && e.step === 'registry objects') as Run['step'], changed: r.report.recap.cp1?.changed };
}
const output = (r: Run) => `${r.stdout}\n${r.stderr}`;
const getJson = async (args: string) => JSON.parse(await lab.sh('cp1', `kubectl --kubeconfig /root/.kube/config get ${args} -o json`));
const setVars = (extra = ''): void => writeFileSync(join(work, 'group_vars', 'all.yaml'), registryVars({ name: 'registry.lab', port: 5000, user: 'alice', passwordEnv: 'REG_ALICE_PW', pullNamespaces: ['default'], extra }));

test.before(async () => {
  if (!support.ok) return;
  work = mkdtempSync(join(tmpdir(), 'k8s-storage-'));
  lab = await labUp({ name: `k8s-storage-${process.pid}`, hosts: { cp1: ['control_plane'] }, standin: true });
  writeFileSync(join(work, 'inventory.yaml'), readFileSync(lab.inventoryPath, 'utf8'));
  writeFileSync(join(work, 'k8s.yaml'), '- hosts: control_plane\n  roles: [certs, htpasswd, k8s-apply]\n');
  mkdirSync(join(work, 'group_vars'));
  setVars();
});

test.after.always(async () => {
  await lab?.down();
  if (work) rmSync(work, { recursive: true, force: true });
});

serial('the static PV and its claim are pre-bound; a storage kind change is refused before any change, with how to migrate', async (t) => {
  const check = await play(['--check']);
  t.is(check.code, 0, output(check));
  t.is(check.step?.status, 'changed');
  const apply = await play();
  t.is(apply.code, 0, output(apply));
  const again = await play();
  t.is(again.code, 0, output(again));
  t.is(again.changed, 0, output(again));

  const pv = await getJson('pv registry-data');
  t.like(pv.spec.claimRef, { namespace: 'registry', name: 'registry-data' });
  t.is(pv.status.phase, 'Bound');
  const pvc = await getJson('pvc registry-data -n registry');
  t.like(pvc.spec, { volumeName: 'registry-data', storageClassName: '' });
  t.is(pvc.status.phase, 'Bound');

  const writes = async () => ((await lab.readFile('cp1', REQUEST_LOG)) ?? '').split('\n').filter(Boolean).length;
  const before = await writes();
  // hostpath → nfs: the same PV would need a new source, which the API server refuses (immutable)
  const nfs = ['-e', 'registry_storage_kind=nfs', '-e', `registry_storage_nfs_server=${lab.address('cp1')}`, '-e', 'registry_storage_nfs_path=/exports/registry'];
  for (const args of [['--check', ...nfs], nfs]) {
    const r = await play(args);
    t.not(r.code, 0, output(r));
    t.is(r.step?.status, 'failed', output(r));
    t.regex(r.step?.error ?? '', /registry_storage_kind, the host path or the NFS export changed.*immutable.*PersistentVolume registry-data: spec\.nfs, remove spec\.hostPath\)/, r.step?.error);
    t.regex(output(r), /skopeo sync.*registry_allow_data_delete=true/);
  }
  // hostpath → pvc: the PV would be pruned, which the data guard refuses
  const toPvc = await play(['-e', 'registry_storage_kind=pvc']);
  t.not(toPvc.code, 0, output(toPvc));
  t.regex(toPvc.step?.error ?? '', /registry's data would be deleted.*PersistentVolume registry-data/, toPvc.step?.error);
  t.is(await writes(), before, 'nothing was written to the cluster');
  t.like((await getJson('pv registry-data')).spec, { hostPath: { path: '/var/lib/registry-data' } });
  t.like((await getJson('pvc registry-data -n registry')).spec, { volumeName: 'registry-data', storageClassName: '' });
});
