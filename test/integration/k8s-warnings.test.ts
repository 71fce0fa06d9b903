// kubectl's warnings on a successful apply reach play's output, against the Kubernetes API stand-in
// with the real kubectl on cp1: a memory request of "128m" (0.128 bytes, a classic slip for 128Mi) is
// accepted by the API server with the warning `fractional byte value "128m" is invalid, must be an
// integer` (pkg/api/pod/warnings.go; see standin-workload-warnings.test.ts), which kubectl prints as a
// `Warning:` line on stderr. play shows it after the step, as Ansible shows a module's warnings
// (`[WARNING]: [host] role | step: text`), and puts it on the step in the --json report; a run that
// applies nothing has none. check → apply → apply changed=0; then 128Mi applies without a warning.
import test from 'ava';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { labSupport, type Lab } from '../lab/index.js';
import { missing, serialUnless } from '../helpers/lab-test.js';
import { labProject, playProject, removeLabProject, type LabRun } from '../helpers/lab-project.js';
import { registryVars } from '../helpers/lab-vars.js';
import { cp1Cluster, k8sOutput, k8sStep } from '../helpers/standin-cluster.js';

const support = labSupport({ standin: true });
const serial = serialUnless(missing(support));
const PASSWORD = 'alice-warn-pw-2b7d';
const env = { REG_ALICE_PW: PASSWORD };
const WARNING = 'spec.template.spec.containers[0].resources.requests[memory]: fractional byte value "128m" is invalid, must be an integer';

type Run = LabRun;

let lab: Lab;
const { getJson } = cp1Cluster(() => lab);
let work: string;

const play = (args: string[] = []): Promise<Run> => playProject(work, [join(work, 'k8s.yaml'), ...args], { env, secrets: [PASSWORD] });
const warningLines = (r: Run) => r.stdout.split('\n').filter((l) => l.includes('[WARNING]'));
const allWarnings = (r: Run) => r.report.events.flatMap((e) => e.warnings ?? []);

function writeVars(memory: string): void {
  writeFileSync(join(work, 'group_vars', 'all.yaml'), registryVars({ name: 'registry.lab', port: 5000, user: 'alice', passwordEnv: 'REG_ALICE_PW', pullNamespaces: ['default'], extra: `registry_resources:\n  requests:\n    cpu: 50m\n    memory: ${memory}\n` }));
}

test.before(async () => {
  if (!support.ok) return;
  // group_vars/all.yaml: each test's own (writeVars)
  ({ lab, work } = await labProject('k8s-warn', { cp1: ['control_plane'] }, { groupVars: {} }));
  writeFileSync(join(work, 'k8s.yaml'), '- hosts: control_plane\n  roles: [certs, htpasswd, k8s-apply]\n');
});

test.after.always(() => removeLabProject(lab, work));

serial('a warning kubectl prints on a successful apply is shown after the step and kept on it in --json; none when nothing is applied; check → apply → changed=0', async (t) => {
  writeVars('128m');
  const check = await play(['--check']);
  t.is(check.code, 0, k8sOutput(check));
  t.deepEqual(warningLines(check), [], 'check mode applies nothing, so the API server said nothing');

  const apply = await play();
  t.is(apply.code, 0, k8sOutput(apply));
  t.deepEqual(warningLines(apply), [`[WARNING]: [cp1] k8s-apply | registry objects: ${WARNING}`], apply.stdout);
  const lines = apply.stdout.split('\n');
  const stepLine = lines.findIndex((l) => /^changed: \[cp1\] k8s-apply \| registry objects$/.test(l));
  t.true(stepLine >= 0 && lines[stepLine + 1]!.startsWith('[WARNING]: [cp1] k8s-apply | registry objects: '), 'right after its step');
  t.deepEqual(k8sStep(apply) && (k8sStep(apply) as { warnings?: string[] }).warnings, [WARNING]);
  t.deepEqual(allWarnings(apply), [WARNING], 'only that step has a warning');
  t.false(apply.stdout.includes('Waiting for deployment'), 'the rollout progress kubectl writes to stderr is not a warning');
  t.is((await getJson('deployment registry -n registry')).spec.template.spec.containers[0].resources.requests.memory, '128m', 'the API server took it');

  const again = await play();
  t.is(again.code, 0, k8sOutput(again));
  t.is(again.report.recap.cp1?.changed, 0, k8sOutput(again));
  t.deepEqual(warningLines(again), []);
  t.deepEqual(allWarnings(again), []);
});

serial('the request fixed to 128Mi: applied without a warning', async (t) => {
  writeVars('128Mi');
  const r = await play();
  t.is(r.code, 0, k8sOutput(r));
  t.true(k8sStep(r)?.actions?.some((a) => a.startsWith('change Deployment registry/registry:')), k8sOutput(r));
  t.deepEqual(warningLines(r), []);
  t.deepEqual(allWarnings(r), []);
});
