// k8s_apply_from: controller — kubectl runs on the machine running play (as a CI job would), with
// that machine's own kubeconfig ($KUBECONFIG), through the local transport (zx). The kubeconfig is
// copied from the control plane, its server rewritten to cp1's lab address (the Kubernetes API
// stand-in also listens there, as a real API server listens on its node's address). cp1's own
// kubeconfig is moved away first: kubectl on cp1 can no longer reach the cluster, so the default
// (from the control plane) fails, and a run that converges proves kubectl ran on the controller.
import test from 'ava';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { labSupport, type Lab } from '../lab/index.js';
import { missing, serialUnless } from '../helpers/lab-test.js';
import { labProject, playProject, removeLabProject, type LabRun } from '../helpers/lab-project.js';
import { cp1Cluster, k8sStep, PKI_THEN_K8S } from '../helpers/standin-cluster.js';
import { run as runProgram } from '../lab/run.js';

const support = labSupport({ standin: true });
const serial = serialUnless(missing(support));

const PASSWORD = 'ctl-K8s-pw-31b7e2';
const VARS = `registry_name: registry.lab
registry_port: 5000
registry_users:
  - name: ci
    password: !env REG_CTL_PW
bcrypt_cost: 5
registry_storage_kind: hostpath
registry_storage_host_path: /var/lib/registry-data
registry_storage_size: 2Gi
registry_rollout_timeout: 60
`;

let lab: Lab;
const { writes: writeRequests } = cp1Cluster(() => lab);
let work: string;
let kubeconfig: string;

const play = (args: string[], env: NodeJS.ProcessEnv = {}): Promise<LabRun> =>
  playProject(work, [join(work, 'site.yaml'), ...args], { env: { REG_CTL_PW: PASSWORD, ...env }, secrets: [PASSWORD] });

const output = (r: LabRun) => `exit ${r.code}\n${r.stdout}\n${r.stderr}`;
const fromController = ['-e', 'k8s_apply_from=controller'];
/** kubectl on this machine (the controller) with the copied kubeconfig. */
const kubectl = (args: string[]) => runProgram('kubectl', ['--kubeconfig', kubeconfig, ...args]);

test.before(async () => {
  if (!support.ok) return;
  ({ lab, work } = await labProject('k8s-ctl', { cp1: ['control_plane'] }, { groupVars: { all: VARS } }));
  writeFileSync(join(work, 'site.yaml'), PKI_THEN_K8S);
  // The CI job's own kubeconfig: a copy of the control plane's, pointed at cp1's lab address.
  const copied = (await lab.readFile('cp1', '/root/.kube/config'))!;
  kubeconfig = join(work, 'kubeconfig');
  writeFileSync(kubeconfig, copied.replace('http://127.0.0.1:6443', `http://${lab.address('cp1')}:6443`), { mode: 0o600 });
  await lab.sh('cp1', 'mv /root/.kube/config /root/.kube/config.moved-away');
});

test.after.always(() => removeLabProject(lab, work));

serial('the copied kubeconfig reaches the stand-in from the controller; kubectl on cp1 no longer reaches it', async (t) => {
  t.true(readFileSync(kubeconfig, 'utf8').includes(`server: http://${lab.address('cp1')}:6443`));
  const here = await kubectl(['get', 'namespace', 'default', '-o', 'name']);
  t.is(here.code, 0, here.stderr);
  t.is(here.stdout.trim(), 'namespace/default');
  const there = await lab.exec('cp1', 'kubectl get namespace default -o name');
  t.not(there.code, 0, 'cp1 has no kubeconfig any more');
});

serial('default (k8s_apply_from: control_plane): kubectl runs on cp1 and fails there (exit 2, kubectl\'s error)', async (t) => {
  const r = await play([], { KUBECONFIG: kubeconfig });
  t.is(r.code, 2, output(r));
  const step = k8sStep(r)!;
  t.is(step.status, 'failed');
  t.is(step.host, 'cp1');
  t.regex(step.error ?? '', /kubectl get failed/);
});

serial('k8s_apply_from: controller — check plans every object and writes nothing; apply converges; again changed=0', async (t) => {
  const env = { KUBECONFIG: kubeconfig };
  const writes0 = await writeRequests();
  const check = await play([...fromController, '--check'], env);
  t.is(check.code, 0, output(check));
  const planned = k8sStep(check)!;
  t.is(planned.host, 'cp1', 'the step is reported for the control-plane host it runs for');
  t.is(planned.status, 'changed');
  t.true((planned.actions ?? []).includes('create Deployment registry/registry'), JSON.stringify(planned.actions));
  t.is(await writeRequests(), writes0, 'check wrote nothing');

  const apply = await play(fromController, env);
  t.is(apply.code, 0, output(apply));
  t.is(k8sStep(apply)?.status, 'changed');
  t.true((await writeRequests()) > writes0);
  const deploy = await kubectl(['get', 'deployment', 'registry', '-n', 'registry', '-o', 'json']);
  t.is(deploy.code, 0, deploy.stderr);
  t.is(JSON.parse(deploy.stdout).status?.readyReplicas, 1, 'the rollout completed');
  const secret = await kubectl(['get', 'secret', 'regcred', '-n', 'default', '-o', 'name']);
  t.is(secret.code, 0, secret.stderr);

  const writes1 = await writeRequests();
  const again = await play(fromController, env);
  t.is(again.code, 0, output(again));
  t.is(k8sStep(again)?.status, 'ok');
  t.is(again.report.recap.cp1?.changed, 0, output(again));
  t.is(await writeRequests(), writes1, 'nothing written by the second run');
});

serial('k8s_apply_from: controller with a kubeconfig that reaches nothing: exit 2 with kubectl\'s error', async (t) => {
  const broken = join(work, 'kubeconfig-closed');
  writeFileSync(broken, readFileSync(kubeconfig, 'utf8').replace(`${lab.address('cp1')}:6443`, `${lab.address('cp1')}:6`), { mode: 0o600 });
  const r = await play(fromController, { KUBECONFIG: broken });
  t.is(r.code, 2, output(r));
  t.is(k8sStep(r)?.status, 'failed');
  t.regex(output(r), /kubectl get failed/);
});
