// What planning one resource produces. "changed" is decided from this alone: a step changed iff
// its plan has at least one action.
import type { FileFact, DirFact } from '../../facts/file.js';
import type { FactValues } from '../../resources/types.js';
import type { Diff } from '../events.js';

export interface StepPlan {
  label: string;
  actions: string[];
  why?: string;
  diffs: Diff[];
  /** Nothing to do because a precondition (onlyIf) is false: reported as skipped. */
  skipped?: boolean;
  /** Shell snippet performing the actions (a subshell of the apply script); may hold heredocs. */
  script: string;
  /** What ran, for error messages: never contains secrets. */
  command: string;
  /** The value to register: no argument = the state read; with the apply's stdout (empty when nothing ran, or under --check) = the state after the plan. */
  registered(applied?: { stdout: string }): unknown;
}

/** The host as planning goes: facts read, updated by each planned step for the steps after it. */
export interface HostModel {
  files: Map<string, FileFact>;
  dirs: Map<string, DirFact>;
}

export interface PlanEnv {
  facts: FactValues;
  model: HostModel;
  /** Marker for heredoc delimiters. */
  marker: string;
  /** Suffix for backups: `.2024-05-01@12:00:00~`. */
  backupSuffix: string;
}
