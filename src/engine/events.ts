// The one event stream. Every reporter (human, recap, JSON, JUnit) consumes these.
// Adding a kind without a formatter in each reporter is a type error (exhaustive switches).

export type StepStatus = 'ok' | 'changed' | 'failed' | 'skipped';

/** A content diff as data; reporters render it. Sensitive content never appears here. */
export interface Diff {
  header: string;
  before: string;
  after: string;
}

export type EngineEvent =
  | { type: 'run-start'; playbook: string; check: boolean; hosts: string[]; /** Said once per run (e.g. host keys not checked). */ warnings?: string[] }
  | {
      type: 'play-start';
      play: string;
      hosts: string[];
      readOnlyHosts: string[];
      /** Names in the play's hosts: that the inventory lacks: skipped (a cluster without build hosts). */
      absent?: string[];
      /** Hosts of the play that already left the run (failed, unreachable or blocked earlier). */
      outOfRun?: string[];
    }
  | { type: 'role-start'; play: string; role: string; host: string }
  | {
      type: 'step';
      play: string;
      role: string;
      host: string;
      /** Resource label, e.g. "file /etc/hosts" or "k8s Deployment registry/registry". */
      step: string;
      status: StepStatus;
      /** Planned actions, human words ("write content", "chmod 0600", "apply (server-side)"). */
      actions: string[];
      why?: string;
      diffs?: Diff[];
      error?: string;
      /** What the program applying the step warned about while it succeeded (e.g. kubectl's `Warning:` lines). */
      warnings?: string[];
      durationMs: number;
      /** The role ran only to read facts (host outside --limit, role filtered out by --tags): nothing was changed. */
      readOnly?: boolean;
    }
  | {
      type: 'handler';
      play: string;
      host: string;
      handler: string;
      status: StepStatus;
      /** Check mode (or a read-only host): the handler was not run; 'changed' means it would run. */
      check: boolean;
      error?: string;
      durationMs: number;
    }
  | { type: 'host-unreachable'; play: string; host: string; error: string }
  | { type: 'host-failed'; play: string; host: string; role: string; error: string }
  /** The role cannot plan: a fact it needs comes from `by`, which failed or is unreachable (`reason`). Not a failure of its own. */
  | { type: 'host-blocked'; play: string; host: string; role: string; by: string; reason: string; waitsFor: string }
  | { type: 'play-end'; play: string }
  | { type: 'run-end'; recap: Record<string, HostRecap>; exitCode: number; durationMs: number; aborted?: RunAbort };

/** Why a run ended without running its plays to the end (bad input, Ctrl-C, a bug). */
export interface RunAbort {
  reason: 'bad input' | 'interrupted' | 'internal error' | 'failed' | 'unreachable';
  message: string;
}

/** An event as reporters receive it: stamped with the time it happened (ISO 8601, UTC). */
export type TimedEvent = EngineEvent & { time: string };

export const stamp = (e: EngineEvent): TimedEvent => ({ ...e, time: new Date().toISOString() });

export interface HostRecap {
  ok: number;
  changed: number;
  unreachable: number;
  failed: number;
  skipped: number;
  /** 1 when the host could not go on because a host it needs facts from failed or is unreachable. */
  blocked: number;
  /** The host at the root of that failure. */
  blockedBy?: string;
  /** Exec round trips made to this host (bench). */
  roundTrips: number;
  /** Wall time this host spent in the run's plays (connection, roles, handlers). */
  durationMs: number;
}

export type Emit = (e: EngineEvent) => void;
