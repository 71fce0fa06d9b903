// The Kubernetes API stand-in of a lab, seen the way the k8s lab tests look at it: the real kubectl on
// cp1, the stand-in's log of write requests, and the k8s-apply step of a play's --json report.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Lab } from '../lab/index.js';
import { registryVars } from './lab-vars.js';
import { labProject, writeProject, type LabProject, type LabRun } from './lab-project.js';

export const STANDIN_REQUEST_LOG = '/var/lib/standin/requests.log';

/** The k8s-apply role's "registry objects" step of a run. */
export const k8sStep = (r: LabRun) => r.report.events.find((e) => e.type === 'step' && e.role === 'k8s-apply' && e.step === 'registry objects');
export const k8sOutput = (r: LabRun) => `${r.stdout}\n${r.stderr}\n${k8sStep(r)?.error ?? ''}`;

/** kubectl on cp1 (stdin as a here-document), `get … -o json` parsed, and the write requests the stand-in logged. */
export function cp1Cluster(lab: () => Lab) {
  const kubectl = (args: string, stdin?: string) =>
    lab().sh('cp1', `kubectl --kubeconfig /root/.kube/config ${args}${stdin === undefined ? '' : ` <<'EOF'\n${stdin}\nEOF`}`);
  const getJson = async (args: string) => JSON.parse(await kubectl(`get ${args} -o json`));
  /** The stand-in's log of write requests (PATCH/POST/PUT/DELETE), one line each. */
  const writeLog = async () => ((await lab().readFile('cp1', STANDIN_REQUEST_LOG)) ?? '').split('\n').filter(Boolean);
  const writes = async () => (await writeLog()).length;
  /** `<kind> <namespace>/<name> <resourceVersion>` of every object of `kinds` (kubectl's comma list), sorted: the same before and after when nothing was written. */
  const versions = async (kinds: string) =>
    ((await getJson(`${kinds} -A`)).items as Array<{ kind: string; metadata: { namespace?: string; name: string; resourceVersion: string } }>)
      .map((o) => `${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name} ${o.metadata.resourceVersion}`)
      .sort()
      .join('\n');
  return { kubectl, getJson, writeLog, writes, versions };
}

/** A project in `work` for the cp1-only k8s lab: the lab's inventory, k8s.yaml (certs, htpasswd,
 * k8s-apply on the control plane) and group_vars with alice as the registry user (`REG_ALICE_PW`). */
export function writeCp1Project(work: string, lab: Lab): void {
  writeProject(work, lab, { groupVars: { all: registryVars({ name: 'registry.lab', port: 5000, user: 'alice', passwordEnv: 'REG_ALICE_PW', pullNamespaces: ['default'] }) } });
  writeFileSync(join(work, 'k8s.yaml'), '- hosts: control_plane\n  roles: [certs, htpasswd, k8s-apply]\n');
}

/** Two plays on the control plane: the registry's PKI and users (certs, htpasswd), then k8s-apply. */
export const PKI_THEN_K8S = `- name: registry PKI and users
  hosts: control_plane
  roles: [certs, htpasswd]
- name: registry in Kubernetes
  hosts: control_plane
  roles: [k8s-apply]
`;

/** The cp1-only k8s lab (`<name>-<pid>`) and its project (writeCp1Project). */
export async function cp1Project(name: string): Promise<LabProject> {
  const p = await labProject(name, { cp1: ['control_plane'] });
  writeCp1Project(p.work, p.lab);
  return p;
}
