// Desired states. A role returns a list of these; the engine reads the current state of
// every one of them on the host (one batched round trip), diffs, and applies only the
// difference. Nothing here runs anything: these are plain data plus pure functions.
import type { Content } from '../secret.js';

export type { Content };

/** Values of the role's fact queries on this host (see FactQuery). */
export type FactValues = Record<string, unknown>;

interface Common {
  /** Label shown in output ("containerd hosts.toml"). Defaults to kind + path. */
  name?: string;
  /** Handler names to notify when this resource changed. */
  notify?: string[];
  /** Store the final state as a host fact under this name (readable by later plays via hostvars). */
  register?: string;
  /**
   * Only when this holds for the facts read in the same round trip (Ansible's `when`): otherwise the
   * step is skipped, nothing is planned or written (e.g. trust for a runtime the host does not have).
   */
  when?: (facts: FactValues) => boolean;
}

export interface FileState extends Common {
  kind: 'file';
  path: string;
  /** `absent` removes the file. Default `present`. */
  state?: 'present' | 'absent';
  /** The whole desired content... */
  content?: Content;
  /**
   * ...or a pure edit of the current content (null when the file does not exist).
   * Must return the full new content; returning `current` unchanged means no change.
   * May throw StateError to refuse the host's state (the host fails, nothing is written).
   * Slow work (bcrypt, key generation) returns a promise and runs off the event loop.
   */
  edit?: (current: string | null, facts: FactValues) => Content | Promise<Content>;
  /** Octal string, e.g. '0644'. When unset, an existing file keeps its mode; a new one gets 0644. */
  mode?: string;
  owner?: string;
  group?: string;
  /** Never print the content or a diff of it (implied by a Secret content). */
  sensitive?: boolean;
  /** argv run on the host against the temp file before the atomic rename; '%s' is the temp path. */
  validate?: string[];
  /** Keep a timestamped copy of the old file beside it before replacing it. */
  backup?: boolean;
}

export interface DirectoryState extends Common {
  kind: 'directory';
  path: string;
  mode?: string;
  owner?: string;
  group?: string;
}

export interface FileSetContent {
  content: Record<string, Content>;
  why?: string;
}

/** Several files computed together from all their current contents (a key and its certificate). */
export interface FileSetState extends Common {
  kind: 'fileset';
  files: Array<{ path: string; mode?: string; owner?: string; group?: string; sensitive?: boolean }>;
  /**
   * Pure: from the current contents (null = absent) compute the desired contents of every file,
   * plus a human reason when anything differs ("leaf expires in 12 days: renew").
   */
  edit: (current: Record<string, string | null>, facts: FactValues) => FileSetContent | Promise<FileSetContent>;
}

/** A command with a guard. Without any guard it runs on every apply (and always reports changed). */
export interface CommandState extends Common {
  kind: 'command';
  argv: string[];
  /** Sent on stdin: the only way a secret may reach a command. */
  stdin?: Content;
  /** Skip when this argv exits 0 on the host (read in the batched read phase). */
  unless?: string[];
  /** Run only when this argv exits 0. */
  onlyIf?: string[];
  /** Skip when this path exists. */
  creates?: string;
}

/** A plain Kubernetes object. Any string value may be a Secret (e.g. Secret `data` entries, base64 already). */
export type K8sObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; [k: string]: unknown };
  [k: string]: unknown;
};

/**
 * Kubernetes objects applied with kubectl on the host. Read with one `kubectl get`, compared on
 * the fields given here only (desired must be a subset of live), applied with server-side apply
 * (stdin, field manager) only for objects that differ.
 */
export interface K8sState extends Common {
  kind: 'k8s';
  kubectl: { path: string; kubeconfig?: string; fieldManager?: string };
  objects: K8sObject[];
  /**
   * After a change, wait for these Deployments' rollout. With `podSelector` (the pods' label
   * selector), every run also checks that the Deployment is available, and fails with its pods'
   * reasons when it is not (a failed rollout prints them too).
   */
  waitRollout?: Array<{ name: string; namespace: string; timeoutSeconds: number; podSelector?: string }>;
  /**
   * APIs the cluster may not serve (a CustomResourceDefinition's, e.g. `monitoring.coreos.com/v1`
   * kind `ServiceMonitor`): objects of these are applied only where `kubectl api-versions` lists
   * their apiVersion, and left out (not read, not listed as members, not pruned) elsewhere. Keep
   * an API here also when none of its objects is desired any more, so that a member of it is pruned.
   */
  optionalApis?: Array<{ apiVersion: string; kinds: string[] }>;
  /**
   * Fields set only when their object is created: an existing object keeps its live value there
   * (compared and applied as live has it), for fields the API server refuses to change.
   */
  createOnly?: Array<{ kind: string; name: string; namespace?: string; path: string[] }>;
  /**
   * Fields the API server refuses to change on an existing object (dotted, as plans name them): a
   * plan that would change or remove one fails before any change, with `message` and `hint`.
   */
  immutable?: Array<{
    kind: string;
    name: string;
    namespace?: string;
    fields: string[];
    /** The fields may be set on an object that lacks them; only a set value cannot change. */
    onceSet?: boolean;
    message: string;
    hint: string;
  }>;
  /**
   * A PersistentVolumeClaim among `objects` whose live size differs is checked as the API server's
   * PersistentVolumeClaimResize admission would (bound, and its StorageClass allows expansion; never
   * below its capacity): where it would refuse, the plan fails before any change with `message`,
   * the reason and `hint`. The StorageClasses are read for it.
   */
  claimResize?: { message: string; hint: string };
  /**
   * A PersistentVolume among `objects` pre-bound (claimRef) to a claim among `objects`, whose live
   * claimRef still carries the uid of a claim that no longer exists (the namespace was deleted and
   * made again: the PV controller's Released, which reclaim policy Retain keeps), gets that stale uid
   * taken out first, so the new claim binds it again with its data.
   */
  rebindReleased?: boolean;
  /**
   * kubectl's ApplySet (KEP-3659): every object above, except `shared`, is labelled as a member of
   * the set whose parent is this ConfigMap; members of an earlier run that are no longer desired are
   * deleted (pruned) in the same run.
   */
  applySet?: {
    parent: { name: string; namespace: string };
    /** Objects applied but not members (never labelled, never pruned): e.g. the user's namespaces. */
    shared?: Array<{ kind: string; name: string; namespace?: string }>;
    /**
     * Kinds whose deletion deletes data: a plan that would prune one fails before any change,
     * with `message` and `hint`, unless `allowed`.
     */
    protect?: { kinds: string[]; allowed: boolean; message: string; hint: string };
  };
  /**
   * Entries of atomic lists in objects the user owns (e.g. a ServiceAccount's imagePullSecrets):
   * the live list is kept in its order, these entries are added once, and entries naming a pruned
   * member of kind `refersTo` (in the same namespace) are removed; nothing else in the list is touched.
   */
  listEntries?: Array<{
    apiVersion: string;
    kind: string;
    name: string;
    field: string;
    key: string;
    refersTo: string;
    /** Namespace → the key values wanted there. */
    entries: Record<string, string[]>;
  }>;
}

export type Resource = FileState | DirectoryState | FileSetState | CommandState | K8sState;

/** A fact is a command plus a pure parser: absent → null, present → a typed value. */
export interface FactQuery<T = unknown> {
  argv: string[];
  parse: (stdout: string, exitCode: number) => T;
}
