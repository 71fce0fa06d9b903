// The Kubernetes API stand-in of a lab, seen the way the k8s lab tests look at it: the real kubectl on
// cp1, the stand-in's log of write requests, and the k8s-apply step of a play's --json report.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Lab } from '../lab/index.js';
import { registryVars } from './lab-vars.js';
import type { PlayResult } from './play.js';

export const STANDIN_REQUEST_LOG = '/var/lib/standin/requests.log';

export interface K8sRun extends PlayResult {
  report: {
    events: Array<{ type: string; host?: string; role?: string; step?: string; status?: string; error?: string; actions?: string[] }>;
    recap: Record<string, { changed: number; failed?: number }>;
  };
}

/** The k8s-apply role's "registry objects" step of a run. */
export const k8sStep = (r: K8sRun) => r.report.events.find((e) => e.type === 'step' && e.role === 'k8s-apply' && e.step === 'registry objects');
export const k8sOutput = (r: K8sRun) => `${r.stdout}\n${r.stderr}\n${k8sStep(r)?.error ?? ''}`;

/** kubectl on cp1 (stdin as a here-document), `get … -o json` parsed, and how many writes the stand-in logged. */
export function cp1Cluster(lab: () => Lab) {
  const kubectl = (args: string, stdin?: string) =>
    lab().sh('cp1', `kubectl --kubeconfig /root/.kube/config ${args}${stdin === undefined ? '' : ` <<'EOF'\n${stdin}\nEOF`}`);
  const getJson = async (args: string) => JSON.parse(await kubectl(`get ${args} -o json`));
  const writes = async () => ((await lab().readFile('cp1', STANDIN_REQUEST_LOG)) ?? '').split('\n').filter(Boolean).length;
  return { kubectl, getJson, writes };
}

/** A project in `work` for the cp1-only k8s lab: the lab's inventory, k8s.yaml (certs, htpasswd,
 * k8s-apply on the control plane) and group_vars with alice as the registry user (`REG_ALICE_PW`). */
export function writeCp1Project(work: string, lab: Lab): void {
  writeFileSync(join(work, 'inventory.yaml'), readFileSync(lab.inventoryPath, 'utf8'));
  writeFileSync(join(work, 'k8s.yaml'), '- hosts: control_plane\n  roles: [certs, htpasswd, k8s-apply]\n');
  mkdirSync(join(work, 'group_vars'), { recursive: true });
  writeFileSync(join(work, 'group_vars', 'all.yaml'), registryVars({ name: 'registry.lab', port: 5000, user: 'alice', passwordEnv: 'REG_ALICE_PW', pullNamespaces: ['default'] }));
}
