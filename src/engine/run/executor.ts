// Runs one role (or its notified handlers) on one host: read everything in one round trip,
// plan each resource, then apply the plan in one more, or only report it in check mode.
// Handlers a run notified but did not get to run are recorded on the host (pending-handlers.ts).
import { CommandError, PendingFactError, StateError, UnreachableError } from '../../errors.js';
import type { Role, RoleContext } from '../../resources/role.js';
import type { FactQuery, Resource } from '../../resources/types.js';
import type { Transport } from '../../transports/types.js';
import { converge, type StepResult } from './apply-resources.js';
import type { Emit } from '../events.js';
import { pendingDirs } from './pending-handlers.js';
import { describeActions } from '../kinds/kind.js';

export interface ExecuteRoleOptions {
  transport: Transport;
  role: Role;
  ctx: RoleContext;
  play: string;
  check: boolean;
  /**
   * Register facts as they would be after the plan (the user's --check: nothing is written anywhere,
   * so later plays may plan against the hypothetical state). Off for read-only hosts of an apply run,
   * whose facts must be what the host really has.
   */
  registerPlanned?: boolean;
  /** Whether a host has left the run (failed, unreachable, blocked) and why: a fact it must produce will not come. */
  blockedBy?: (host: string) => Blocker | undefined;
  /** A role run only to read facts (host outside --limit, role filtered out by --tags): marked on its steps. */
  readOnly?: boolean;
  diff: boolean;
  emit: Emit;
  onPlan?: (resources: Resource[]) => void;
  /** Directory on the host for pending-handler markers; default /var/lib/regplay/pending-handlers, else ~/.local/state/regplay/pending-handlers. */
  stateDir?: string;
}

export interface RoleOutcome {
  ok: number;
  changed: number;
  failed: number;
  skipped: number;
  notified: string[];
  registered: Record<string, unknown>;
  error?: Error;
  /** The role could not plan: a fact it needs comes from a host that left the run. */
  blocked?: Blocked;
}

/** The host at the root of a failure and what happened to it. */
export interface Blocker {
  by: string;
  reason: string;
}

export interface Blocked extends Blocker {
  /** What the role waited for ("fact registry_pki from cp1 is not available"). */
  waitsFor: string;
}

function emptyOutcome(): RoleOutcome {
  return { ok: 0, changed: 0, failed: 0, skipped: 0, notified: [], registered: {} };
}

/** A failure as shown on its step (the event names host, role and step already). */
export function stepMessage(error: Error): string {
  return error instanceof StateError && error.hint ? `${error.message} (${error.hint})` : error.message;
}

/** The message for a failure on its own: host, role and step named; CommandError already names user@host. */
export function describeFailure(error: Error, host: string, role: string, step: string): string {
  if (error instanceof CommandError || error instanceof UnreachableError) return `role ${role}, step ${step}: ${stepMessage(error)}`;
  return `${host}: role ${role}, step ${step}: ${stepMessage(error)}`;
}

function withContext(error: Error, host: string, role: string, step: string): Error {
  if (error instanceof UnreachableError) return error;
  error.message = describeFailure(error, host, role, step);
  return error;
}

function count(outcome: RoleOutcome, s: StepResult): void {
  if (s.status === 'ok') outcome.ok++;
  else if (s.status === 'changed') outcome.changed++;
  else if (s.status === 'failed') outcome.failed++;
  else outcome.skipped++;
}

/** Failures are in the outcome; it rejects only with UnreachableError when the connection is lost. */
export async function executeRole(o: ExecuteRoleOptions): Promise<RoleOutcome> {
  const outcome = emptyOutcome();
  const host = o.ctx.host.name; // the transport may be the controller's (Role.runsOn)
  const stepEvent = (s: StepResult) =>
    o.emit({
      type: 'step',
      play: o.play,
      role: o.role.name,
      host,
      step: s.label,
      status: s.status,
      actions: s.planned ? describeActions(s.planned) : [],
      ...(s.planned?.plan.why ? { why: s.planned.plan.why } : {}),
      ...(o.diff && s.planned?.plan.diffs.length && s.status !== 'failed' ? { diffs: s.planned.plan.diffs } : {}),
      ...(s.error ? { error: stepMessage(s.error) } : {}),
      ...(s.warnings?.length ? { warnings: s.warnings } : {}),
      durationMs: s.durationMs,
      ...(o.readOnly ? { readOnly: true } : {}),
    });

  let resources: Resource[];
  let queries: Record<string, FactQuery>;
  let handlerNames: string[];
  const t0 = Date.now();
  try {
    queries = o.role.facts?.(o.ctx) ?? {};
    resources = o.role.plan(o.ctx);
    handlerNames = Object.keys(o.role.handlers?.(o.ctx) ?? {});
  } catch (e) {
    const error = e instanceof Error ? e : new Error(String(e));
    const blocker = error instanceof PendingFactError && error.producerHost ? o.blockedBy?.(error.producerHost) : undefined;
    if (blocker) {
      outcome.blocked = { ...blocker, waitsFor: error.message };
      return outcome;
    }
    if (o.check && error instanceof PendingFactError) {
      // Under --check the producer of the fact is itself only planned: nothing to plan against yet.
      o.emit({ type: 'step', play: o.play, role: o.role.name, host, step: 'plan', status: 'skipped', actions: [], why: `waits for another host: ${error.message}`, durationMs: Date.now() - t0, ...(o.readOnly ? { readOnly: true } : {}) });
      outcome.skipped++;
      return outcome;
    }
    stepEvent({ label: 'plan', status: 'failed', error, durationMs: Date.now() - t0 });
    outcome.failed++;
    outcome.error = withContext(error, host, o.role.name, 'plan');
    return outcome;
  }
  o.onPlan?.(resources);

  const marks = { dirs: pendingDirs(o.stateDir), read: handlerNames, record: true };
  const result = await converge(o.transport, resources, queries, o.check, o.registerPlanned === true, marks);
  for (const s of result.steps) {
    stepEvent(s);
    count(outcome, s);
    if (s.status === 'changed') for (const n of s.resource?.notify ?? []) if (!outcome.notified.includes(n)) outcome.notified.push(n);
    if (s.resource?.register && s.status !== 'failed') outcome.registered[s.resource.register] = s.registered ?? null;
  }
  for (const name of result.pending) {
    if (outcome.notified.includes(name)) continue;
    outcome.notified.push(name);
    const why = 'pending from an interrupted run: notified by an earlier run that ended before its handlers ran';
    o.emit({ type: 'step', play: o.play, role: o.role.name, host, step: `handler ${name}`, status: 'ok', actions: [], why, durationMs: 0 });
    outcome.ok++;
  }
  if (result.error) {
    const failed = result.steps.find((s) => s.status === 'failed');
    outcome.error = withContext(result.error, host, o.role.name, failed?.label ?? 'read state');
  }
  return outcome;
}

/** Runs the named handlers (from role.handlers(ctx)) once, in definition order. */
export async function runHandlers(o: ExecuteRoleOptions & { names: string[] }): Promise<RoleOutcome> {
  const outcome = emptyOutcome();
  const host = o.ctx.host.name; // the transport may be the controller's (Role.runsOn)
  let handlers: Record<string, Resource[]>;
  let queries: Record<string, FactQuery>;
  try {
    handlers = o.role.handlers?.(o.ctx) ?? {};
    queries = o.role.facts?.(o.ctx) ?? {};
  } catch (e) {
    const error = e instanceof Error ? e : new Error(String(e));
    o.emit({ type: 'handler', play: o.play, host, handler: o.names.join(', '), status: 'failed', check: o.check, error: describeFailure(error, host, o.role.name, 'handlers'), durationMs: 0 });
    outcome.failed++;
    outcome.error = withContext(error, host, o.role.name, 'handlers');
    return outcome;
  }
  const names = Object.keys(handlers).filter((n) => o.names.includes(n));
  if (o.check) {
    for (const name of names) o.emit({ type: 'handler', play: o.play, host, handler: name, status: 'changed', check: true, durationMs: 0 });
    outcome.changed += names.length;
    return outcome;
  }
  // All notified handlers in one read and one apply; results are mapped back per handler.
  const owners: string[] = [];
  const resources = names.flatMap((name) => handlers[name]!.map((r) => (owners.push(name), r)));
  const t0 = Date.now();
  // Each handler's marker is removed in the same exec, right after the handler succeeded.
  const clear = names.map((name) => ({ after: owners.lastIndexOf(name), names: [name] }));
  const result = await converge(o.transport, resources, queries, false, false, { dirs: pendingDirs(o.stateDir), clear });
  const durationMs = Date.now() - t0;
  const failed = result.steps.find((s) => s.status === 'failed');
  for (const name of names) {
    const steps = result.steps.filter((s) => s.resource && owners[resources.indexOf(s.resource)] === name);
    const failedHere = failed && (failed.resource ? owners[resources.indexOf(failed.resource)] === name : name === names[0]);
    if (!failedHere && steps.length < handlers[name]!.length) break;
    const status = failedHere ? 'failed' : steps.some((s) => s.status === 'changed') ? 'changed' : 'ok';
    const message = failedHere ? describeFailure(result.error!, host, o.role.name, `handler ${name}: ${failed!.label}`) : undefined;
    o.emit({ type: 'handler', play: o.play, host, handler: name, status, check: false, ...(message ? { error: message } : {}), durationMs });
    count(outcome, { label: name, status, durationMs });
    for (const s of steps) if (s.resource?.register && s.status !== 'failed') outcome.registered[s.resource.register] = s.registered ?? null;
    if (failedHere) {
      outcome.error = withContext(result.error!, host, o.role.name, `handler ${name}`);
      break;
    }
  }
  return outcome;
}
