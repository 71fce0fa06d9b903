// The contract between the engine and a role. A role declares; the engine reads, diffs, applies.
import type { FactQuery, Resource } from './types.js';

export type Vars = Record<string, unknown>;

export type RunsOn = 'host' | 'controller';

export interface HostRef {
  /** Inventory name (cp1, w1). */
  name: string;
  /** Groups the host belongs to. */
  groups: string[];
}

export interface RoleContext {
  host: HostRef;
  /** Every variable for this host, merged with Ansible precedence, role defaults at the bottom. */
  vars: Vars;
  /** Another host's variables plus the facts its roles registered earlier in this run. */
  hostvars(host: string): Vars;
  /** Group name → host names (the whole inventory, not only the --limit). */
  groups: Record<string, string[]>;
  /** Renders templates/<name> (handlebars) with `data`. */
  template(name: string, data: object): string;
}

export interface Role {
  name: string;
  /**
   * Checks the variables before any host is touched; throws InputError naming the variable.
   * Called once per host with that host's static variables (no registered facts yet).
   */
  validate?(vars: Vars): void;
  /**
   * The files the role writes on the host (file and fileset paths), from its variables alone: no
   * facts, no connection. Checked before any host is touched: two roles managing one file on one
   * host would undo each other on every run, so that is bad input naming both.
   */
  files?(vars: Vars, host: HostRef): string[];
  /**
   * The role's variables that name inventory groups, with the names they hold. Checked before any
   * host is touched: a name the inventory lacks is fine (a cluster without workers), a near miss
   * of one of its groups (`worker` for `workers`) is bad input.
   */
  namedGroups?(vars: Vars): Record<string, string[]>;
  /** Fact queries run in the same batched read as the resources; values reach `edit` functions. */
  facts?(ctx: RoleContext): Record<string, FactQuery>;
  /** The desired state. May throw InputError/StateError (e.g. a fact from another host is missing). */
  plan(ctx: RoleContext): Resource[];
  /**
   * While `plan` waits for a fact (it throws), the resources it will read on the host, from the
   * variables alone: read ahead in the host's one batched read of the run. Only a guess: what `plan`
   * then reads beyond it costs one more read. Without it the engine guesses from `files`.
   */
  expectedReads?(ctx: RoleContext): Resource[];
  /**
   * Where the role's resources are read and applied for this host: on the host itself (default), or
   * on the controller, the machine running play (kubectl with the CI job's own kubeconfig).
   */
  runsOn?(ctx: RoleContext): RunsOn;
  /** Handlers by name: run once at the end of the play when notified. */
  handlers?(ctx: RoleContext): Record<string, Resource[]>;
  /**
   * Called once per run when the role runs on some host, after the checks and before any host is
   * contacted: slow one-time machinery (a worker thread) starts while the connections open. It
   * must not touch a host, block or throw.
   */
  warmUp?(): void;
}
