// A lab with the Kubernetes API stand-in and the project directory `play` runs in against it: the
// lab's inventory and the test's group_vars / host_vars as files in a temporary directory. Each run
// writes its --json report there and doubles as a leak check (runPlayReported).
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { labUp, type HostGroups, type Lab } from '../lab/index.js';
import { runPlayReported, type PlayResult } from './play.js';

export interface LabProject {
  lab: Lab;
  work: string;
}

/** Vars files by name (`all`, `build`, `p1` …): the YAML text of group_vars/<name>.yaml, host_vars/<name>.yaml. */
export interface ProjectVars {
  groupVars?: Record<string, string>;
  hostVars?: Record<string, string>;
}

/** The lab's inventory and the vars files, in `work`. */
export function writeProject(work: string, lab: Lab, vars: ProjectVars = {}): void {
  writeFileSync(join(work, 'inventory.yaml'), readFileSync(lab.inventoryPath, 'utf8'));
  for (const [dir, files] of [['group_vars', vars.groupVars], ['host_vars', vars.hostVars]] as const) {
    if (!files) continue;
    mkdirSync(join(work, dir), { recursive: true });
    for (const [name, text] of Object.entries(files)) writeFileSync(join(work, dir, `${name}.yaml`), text);
  }
}

/** A lab named `<name>-<pid>` with the stand-in, and a new project directory for it. */
export async function labProject(name: string, hosts: HostGroups, vars: ProjectVars = {}): Promise<LabProject> {
  const lab = await labUp({ name: `${name}-${process.pid}`, hosts, standin: true });
  const work = mkdtempSync(join(tmpdir(), `${name}-`));
  writeProject(work, lab, vars);
  return { lab, work };
}

/** For test.after.always: the lab down and the project removed (either may never have been made). */
export async function removeLabProject(lab: Lab | undefined, work: string | undefined): Promise<void> {
  await lab?.down();
  if (work) rmSync(work, { recursive: true, force: true });
}

export interface LabEvent {
  type: string;
  /** ISO 8601, UTC: every reported event is stamped. */
  time: string;
  play?: string;
  host?: string;
  role?: string;
  step?: string;
  status?: string;
  error?: string;
  actions?: string[];
  handler?: string;
  durationMs?: number;
  readOnly?: boolean;
  /** kubectl's warnings on a successful apply. */
  warnings?: string[];
}
export interface LabRun extends PlayResult {
  report: {
    events: LabEvent[];
    recap: Record<string, { ok?: number; changed: number; failed?: number; unreachable?: number; roundTrips?: number }>;
  };
}

/** `play …args -i <work>/<inventory>`, its report read back; throws when one of `secrets` shows. */
export function playProject(work: string, args: string[], o: { env: NodeJS.ProcessEnv; secrets: string[]; inventory?: string }): Promise<LabRun> {
  return runPlayReported([...args, '-i', join(work, o.inventory ?? 'inventory.yaml')], { dir: work, env: o.env, secrets: o.secrets, empty: { events: [], recap: {} } });
}

/** stdout, stderr and every failed step or host of the report, for an assertion's message. */
export const runOutput = (r: LabRun) =>
  `${r.stdout}\n${r.stderr}\n${r.report.events.filter((e) => e.status === 'failed' || e.type === 'host-failed').map((e) => `${e.host} ${e.role ?? ''} ${e.step ?? ''}: ${e.error}`).join('\n')}`;
