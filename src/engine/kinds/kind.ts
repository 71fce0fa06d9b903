// One resource kind in one place, as pyinfra keeps a fact beside its operation: what the kind
// reads on a host (plain data, batched by the caller into one script per host), the planner (pure:
// what was read + what the role wants → a list of typed actions) and the apply snippet of a plan.
// Reading, planning and applying are three passes over this data; "changed" is decided in exactly
// one place: the plan's list of actions is not empty.
import type { FactValues, Resource } from '../../resources/types.js';
import type { Diff } from '../events.js';
import type { CaptureRead } from './capture.js';
import type { GuardRead } from './command.js';
import type { DirFact, DirRead } from './directory.js';
import type { FileFact, FileRead } from './file.js';

export interface Plan<A> {
  label: string;
  /** What applying changes, in order; empty: nothing to do. */
  actions: A[];
  why?: string;
  diffs: Diff[];
  /** Nothing to do because a precondition (onlyIf, when) is false: reported as skipped. */
  skipped?: boolean;
}

/** The host as planning goes: files and directories read, updated by each planned step for the steps after it. */
export interface HostModel {
  files: Map<string, FileFact>;
  dirs: Map<string, DirFact>;
}

export interface PlanEnv {
  facts: FactValues;
  model: HostModel;
  /** Suffix for backups: `.2024-05-01@12:00:00~`. */
  backupSuffix: string;
}

export interface ApplyEnv {
  /** Marker for heredoc delimiters (unique per apply script). */
  marker: string;
}

/** What a kind reads on the host: plain data, composed by the caller into one script per host. */
export type KindRead = FileRead | DirRead | GuardRead | CaptureRead;

export interface ResourceKind<R extends Resource, P extends Plan<unknown>, Read = unknown> {
  /** The reads `plan` needs, in the order their parsed results reach it as `read`. */
  reads(r: R): KindRead[];
  /**
   * Pure: the plan from the resource and `read` (what its reads returned, parsed; files and
   * directories plan against env.model). A promise where a role's edit is slow work off the event loop.
   */
  plan(r: R, read: Read, env: PlanEnv): P | Promise<P>;
  /** The actions as shown to the user ("chmod 0644"). */
  describe(plan: P): string[];
  /** Shell snippet performing the plan's actions (a subshell of the apply script; may hold heredocs). */
  script(plan: P, env: ApplyEnv): string;
  /** What runs, for error messages: never contains secrets. */
  command(plan: P): string;
  /** The value to register: as read (no argument), or after the plan (`stdout` of the apply; empty under --check). */
  registered(plan: P, applied?: { stdout: string }): unknown;
  /** Warnings the program printed while applying successfully (shown with the step, as Ansible shows a module's). */
  warnings?(plan: P, applied: { stdout: string; stderr: string }): string[];
}

/** A plan with the kind that made it: what the apply pass and the reporters work from. */
export interface Planned {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  kind: ResourceKind<any, Plan<unknown>, any>;
  plan: Plan<unknown>;
}

export function planned<R extends Resource, P extends Plan<unknown>, Read>(kind: ResourceKind<R, P, Read>, plan: P): Planned {
  return { kind, plan };
}

export const describeActions = (p: Planned): string[] => p.kind.describe(p.plan);
export const changes = (p: Planned): boolean => p.plan.actions.length > 0;
