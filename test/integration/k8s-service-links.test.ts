// Service links and the registry's pod, against the Kubernetes API stand-in (whose kubelet injects
// `<SERVICE>_SERVICE_HOST`, `<SERVICE>_PORT=tcp://…` and the rest for every Service of the pod's
// namespace unless the pod spec says `enableServiceLinks: false`, as a kubelet does) with the real
// kubectl on cp1 and the real registry binary. distribution reads every `REGISTRY_*` variable as a
// config override (configuration/parser.go: `REGISTRY_STORAGE_PORT` is the storage driver `port`,
// whose parameters a string cannot be), so a user's Service named `registry-storage` in the namespace
// keeps a registry with service links from starting. Before state: that Service, made with kubectl;
// then the Deployment as an older regplay left it (no enableServiceLinks), which the next run fixes once.
import test, { type ExecutionContext } from 'ava';
import { join } from 'node:path';
import { labSupport, type Lab } from '../lab/index.js';
import { missing, serialUnless } from '../helpers/lab-test.js';
import { playProject, removeLabProject, type LabRun } from '../helpers/lab-project.js';
import { cp1Cluster, cp1Project, k8sOutput, k8sStep } from '../helpers/standin-cluster.js';

const support = labSupport({ standin: true });
const serial = serialUnless(missing(support));
const PASSWORD = 'alice-links-pw-4e0b';
const env = { REG_ALICE_PW: PASSWORD };

let lab: Lab;
const { kubectl, getJson } = cp1Cluster(() => lab);
let work: string;

const play = (args: string[] = []): Promise<LabRun> => playProject(work, [join(work, 'k8s.yaml'), ...args], { env, secrets: [PASSWORD] });

/** check (exit 0) → apply → apply again (changed=0 on cp1); the check's run, for its plan. */
async function checkApplyAgain(t: ExecutionContext): Promise<LabRun> {
  const check = await play(['--check']);
  t.is(check.code, 0, k8sOutput(check));
  const apply = await play();
  t.is(apply.code, 0, k8sOutput(apply));
  const again = await play();
  t.is(again.code, 0, k8sOutput(again));
  t.is(again.report.recap.cp1?.changed, 0, k8sOutput(again));
  return check;
}

const USER_SERVICE = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'registry-storage', namespace: 'registry' },
  spec: { selector: { app: 'storage-gateway' }, ports: [{ name: 'http', port: 8080, protocol: 'TCP' }] },
};

/** A registry pod other than `not` once it is ready (or has restarted: `ready` false), or the last seen after ~40 s. */
async function registryPod(ready: boolean, not?: string): Promise<any> {
  let pod: any;
  for (let i = 0; i < 80; i++) {
    pod = (await getJson('pods -n registry -l app.kubernetes.io/name=registry')).items.find((p: any) => p.metadata.name !== not);
    const status = pod?.status?.containerStatuses?.[0];
    if (ready ? status?.ready === true : (status?.restartCount ?? 0) > 0) return pod;
    await new Promise((r) => setTimeout(r, 500));
  }
  return pod;
}

/** The environment of the registry process itself (not the kubelet's record of it), read on cp1. */
async function registryEnv(pod: string): Promise<string[]> {
  const out = await lab.sh('cp1', `for e in $(grep -lz '^HOSTNAME=${pod}$' /proc/[0-9]*/environ); do p=\${e%/environ}; if grep -q registry "$p/comm"; then tr '\\0' '\\n' < "$e"; exit 0; fi; done; echo 'no registry process' >&2; exit 1`);
  return out.split('\n').filter(Boolean);
}

const linked = (vars: string[]) => vars.filter((v) => /^[A-Z0-9_]+_(SERVICE_HOST|SERVICE_PORT|PORT)(_|=)/.test(v));

test.before(async () => {
  if (!support.ok) return;
  ({ lab, work } = await cp1Project('k8s-links'));
});

test.after.always(() => removeLabProject(lab, work));

serial("a user's Service named registry-storage in the namespace: the registry's pod gets no service links and runs; check → apply → changed=0", async (t) => {
  await kubectl('create namespace registry');
  await kubectl('create -f -', JSON.stringify(USER_SERVICE));

  const check = await checkApplyAgain(t);
  t.true(k8sStep(check)?.actions?.some((a) => a.startsWith('create Deployment registry')), k8sOutput(check));

  t.false((await getJson('deployment registry -n registry')).spec.template.spec.enableServiceLinks);
  const pod = await registryPod(true);
  t.true(pod.status.containerStatuses[0].ready, JSON.stringify(pod.status));
  t.is(pod.spec.enableServiceLinks, false);
  const vars = await registryEnv(pod.metadata.name);
  t.true(vars.some((v) => v.startsWith(`HOSTNAME=${pod.metadata.name}`)), 'the registry process was found');
  t.deepEqual(linked(vars), [], 'no service link reaches the registry');
  t.deepEqual(vars.filter((v) => v.startsWith('REGISTRY_STORAGE')), []);
  t.is((await getJson('service registry-storage -n registry')).spec.ports[0].port, 8080, "the user's Service stays");
  // the registry serves (its own Service is one of the namespace's two)
  const ip = (await getJson('service registry -n registry')).spec.clusterIP;
  const v2 = await lab.exec('cp1', `curl -sk -o /dev/null -w '%{http_code}' -u alice:${PASSWORD} https://${ip}:5000/v2/`);
  t.is(v2.stdout, '200', v2.stderr);
});

serial('the Deployment as an older regplay left it (no enableServiceLinks): its pod gets the links and the registry fails on REGISTRY_STORAGE_PORT; the next run sets the field once and it runs', async (t) => {
  const before = (await registryPod(true)).metadata.name;
  await kubectl(`patch deployment registry -n registry --type=json -p '[{"op":"remove","path":"/spec/template/spec/enableServiceLinks"}]'`);
  t.is((await getJson('deployment registry -n registry')).spec.template.spec.enableServiceLinks, undefined);
  const broken = await registryPod(false, before);
  t.is(broken.spec.enableServiceLinks, true, 'a pod without the field gets the API server default');
  t.true(broken.status.containerStatuses[0].restartCount > 0, JSON.stringify(broken.status));
  const log = (await lab.exec('cp1', `kubectl --kubeconfig /root/.kube/config logs -n registry ${broken.metadata.name}`)).stdout;
  // 2.8's parser does not name the variable (3.x adds "parsing environment variable REGISTRY_STORAGE_PORT")
  t.regex(log, /configuration error: .*\n.*cannot unmarshal !!str `tcp:\/\/.*` into configuration\.Parameters/, log);

  const check = await checkApplyAgain(t);
  t.deepEqual(k8sStep(check)?.actions, ['change Deployment registry/registry: spec.template.spec.enableServiceLinks'], k8sOutput(check));

  t.false((await getJson('deployment registry -n registry')).spec.template.spec.enableServiceLinks);
  const pod = await registryPod(true, broken.metadata.name);
  t.true(pod.status.containerStatuses[0].ready, JSON.stringify(pod.status));
  t.deepEqual(linked(await registryEnv(pod.metadata.name)), []);
});
