// Orchestration: plays in order; within a play every host in parallel (up to --forks); per host
// the roles in order, then the notified handlers (even after a failure). A failed or unreachable
// host leaves the run; the others go on. One transport per host for the whole run.
import { InputError, StateError, UnreachableError } from '../../errors.js';
import type { RoleContext, Vars } from '../../resources/role.js';
import type { Resource } from '../../resources/types.js';
import type { Transport } from '../../transports/types.js';
import { ConnectionPool } from './connection-pool.js';
import type { EngineDeps, RoleOutcome } from './deps.js';
import type { Blocked, Blocker } from './executor.js';
import { stamp, type Emit, type EngineEvent, type HostRecap, type TimedEvent } from '../events.js';
import { roleContext } from '../load/context.js';
import { groupMembers } from '../load/inventory.js';
import { runWarnings } from './run-warnings.js';
import { varsFor, type Prepared, type PreparedPlay, type PreparedRole } from '../load/prepare.js';
import { templateRenderer, type TemplateRenderer } from '../load/templates.js';
import { withVarOrigin } from '../load/vars.js';

export interface RunOptions {
  check: boolean;
  diff: boolean;
  /** Hosts at once per play; default every host (cap 50). */
  forks?: number;
  /** With check: exit 8 when changes are pending. */
  detailedExitcode?: boolean;
  /** Every event, stamped with its time. */
  emit: (e: TimedEvent) => void;
  /**
   * Aborted (Ctrl-C, SIGTERM): the run stops starting roles, ends at once with the recap so far and
   * exit code `interruptedExit` (the process exits right after; atomic writes and pending-handler
   * markers make the next run finish the job).
   */
  signal?: AbortSignal;
  interruptedExit?: () => number;
  /** Every role's planned resources per host (--render). */
  onPlan?: (host: string, resources: Resource[]) => void;
  template?: TemplateRenderer;
}

export interface RunResult {
  recap: Record<string, HostRecap>;
  exitCode: number;
}

export const EXIT = { ok: 0, internal: 1, failed: 2, input: 3, unreachable: 4, both: 6, drift: 8, interrupted: 130 } as const;

export async function runPrepared(p: Prepared, o: RunOptions, deps: EngineDeps): Promise<RunResult> {
  const started = Date.now();
  // Nothing after run-end: roles abandoned by an interrupt may still report while the process exits.
  let ended = false;
  const emit = (e: EngineEvent) => {
    if (ended) return;
    ended = e.type === 'run-end';
    o.emit(stamp(e));
  };
  const run = new RunState(p, { ...o, emit }, deps);
  const warnings = runWarnings(p.connections, p.hosts);
  emit({ type: 'run-start', playbook: p.playbook.file, check: o.check, hosts: p.hosts, ...(warnings.length ? { warnings } : {}) });
  const plays = (async () => {
    for (const pp of p.plays) if (!o.signal?.aborted) await run.play(pp);
    return false;
  })();
  let interrupted: boolean;
  try {
    interrupted = await Promise.race([plays, aborted(o.signal)]);
  } catch (e) {
    await run.closeAll();
    throw e;
  }
  if (interrupted) {
    // In-flight commands are abandoned: the process exits next (closing would wait for them).
    void plays.catch(() => {});
    const exitCode = o.interruptedExit?.() ?? EXIT.interrupted;
    const recap = run.finalRecap();
    const reason = String(o.signal?.reason ?? 'SIGINT');
    emit({ type: 'run-end', recap, exitCode, durationMs: Date.now() - started, aborted: { reason: 'interrupted', message: `interrupted (${reason}): roles in progress were abandoned; re-run to finish (writes are atomic, pending handlers are recorded on the hosts)` } });
    return { recap, exitCode };
  }
  await run.closeAll();
  const exitCode = run.exitCode();
  const recap = run.finalRecap();
  emit({ type: 'run-end', recap, exitCode, durationMs: Date.now() - started });
  return { recap, exitCode };
}

/** Resolves true when the signal aborts; never otherwise. */
function aborted(signal: AbortSignal | undefined): Promise<boolean> {
  return new Promise((resolve) => {
    if (!signal) return;
    if (signal.aborted) resolve(true);
    signal.addEventListener('abort', () => resolve(true), { once: true });
  });
}

class RunState {
  readonly recap: Record<string, HostRecap> = {};
  private readonly pool: ConnectionPool;
  /** This machine, for roles that run on the controller (Role.runsOn); made on first use. */
  private controller?: Transport;
  // Two sets, not one state per host: a host that failed and then became unreachable is both.
  private readonly failedHosts = new Set<string>();
  private readonly unreachableHosts = new Set<string>();
  /** Why each host left the run, traced to the root host: what a host waiting for its facts is blocked by. */
  private readonly outCause = new Map<string, Blocker>();
  private readonly registered = new Map<string, Vars>();
  private readonly groups: Record<string, string[]>;
  private readonly template: TemplateRenderer;
  private pendingChanges = 0;
  /** Hosts some play ran on (the recap lists only these). */
  private readonly involved = new Set<string>();

  constructor(
    private readonly p: Prepared,
    private readonly o: Omit<RunOptions, 'emit'> & { emit: Emit },
    private readonly deps: EngineDeps,
  ) {
    for (const h of p.hosts) this.recap[h] = { ok: 0, changed: 0, unreachable: 0, failed: 0, skipped: 0, blocked: 0, roundTrips: 0, durationMs: 0 };
    this.groups = groupMembers(p.inventory);
    this.template = o.template ?? templateRenderer();
    this.pool = new ConnectionPool((c) => deps.connect(c), p.connections);
  }

  async play(pp: PreparedPlay): Promise<void> {
    if (pp.roles.every((r) => r.mode === 'skip')) return;
    const name = pp.play.name;
    const work = [...pp.targets, ...pp.readOnly].filter((h) => !this.isOut(h)).map((h) => ({ host: h, roles: this.rolesOn(pp, h) })).filter((w) => w.roles.length);
    // Only read for --tags, and nothing to read here: the play is not part of this run.
    if (!work.length && pp.roles.every((r) => r.mode !== 'run')) return;
    const left = pp.targets.filter((h) => this.isOut(h));
    const readOnly = work.filter((w) => w.roles.every((r) => r.readOnly)).map((w) => w.host);
    const targets = work.map((w) => w.host).filter((h) => !readOnly.includes(h));
    for (const w of work) this.involved.add(w.host);
    this.o.emit({ type: 'play-start', play: name, hosts: targets, readOnlyHosts: readOnly, ...(pp.absent.length ? { absent: pp.absent } : {}), ...(left.length ? { outOfRun: left } : {}) });
    const forks = Math.max(1, this.o.forks ?? Math.min(work.length || 1, 50));
    await pool(work, forks, async (w) => {
      const t0 = Date.now();
      await this.hostPlay(pp, w.host, w.roles);
      this.recap[w.host]!.durationMs += Date.now() - t0;
    });
    this.o.emit({ type: 'play-end', play: name });
  }

  /**
   * The roles a host runs in this play. Selected roles run; a host outside --limit, or a role filtered
   * out by --tags/--skip-tags, only runs the roles that register facts, read-only (later roles need them).
   */
  private rolesOn(pp: PreparedPlay, host: string): HostRole[] {
    const outsideLimit = pp.readOnly.includes(host);
    return pp.roles.flatMap((role): HostRole[] => {
      if (role.mode === 'skip') return [];
      if (role.mode === 'run' && !outsideLimit) return [{ role, readOnly: false }];
      return this.registersFacts(pp, host, role) ? [{ role, readOnly: true }] : [];
    });
  }

  private async hostPlay(pp: PreparedPlay, host: string, roles: HostRole[]): Promise<void> {
    const play = pp.play.name;
    const transport = await this.transport(play, host);
    if (!transport) return;

    // Handlers notified by a read-only role are only reported (check), never run.
    const notified = { run: [] as string[], read: [] as string[] };
    const ran: PreparedRole[] = [];
    for (const { role, readOnly } of roles) {
      if (this.o.signal?.aborted) return;
      const ctx = this.context(pp, host, role);
      this.o.emit({ type: 'role-start', play, role: role.entry.name, host });
      ran.push(role);
      const check = this.o.check || readOnly;
      const outcome = await this.guard(play, host, () =>
        this.deps.executeRole({ transport: this.via(role, ctx, transport), role: role.loaded.role, ctx, play, check, readOnly, registerPlanned: this.o.check && !readOnly, blockedBy: (h) => this.outCause.get(h), diff: this.o.diff, emit: this.o.emit, onPlan: this.planHook(host) }),
      );
      if (outcome === 'unreachable') return;
      this.count(host, outcome, readOnly);
      if (outcome.blocked) {
        this.block(play, host, role.entry.name, outcome.blocked);
        break;
      }
      this.registered.set(host, { ...this.registered.get(host), ...outcome.registered });
      const list = readOnly ? notified.read : notified.run;
      for (const n of outcome.notified) if (!list.includes(n)) list.push(n);
      if (outcome.error) {
        const error = outcome.error instanceof InputError ? withVarOrigin(outcome.error, varsFor(this.p, host, pp.play, role, this.registered.get(host))) : outcome.error;
        this.fail(play, host, role.entry.name, error instanceof InputError ? new Error(error.describe()) : error);
        break;
      }
    }
    if (notified.run.length) await this.handlers(pp, host, ran, notified.run, transport, this.o.check, false);
    const readOnlyOnly = notified.read.filter((n) => !notified.run.includes(n));
    if (readOnlyOnly.length && !this.isOut(host)) await this.handlers(pp, host, ran, readOnlyOnly, transport, true, true);
  }

  private async handlers(pp: PreparedPlay, host: string, ran: PreparedRole[], notified: string[], transport: Transport, check: boolean, readOnly: boolean): Promise<void> {
    const play = pp.play.name;
    const remaining = new Set(notified);
    const seenRoles = new Set<unknown>();
    for (const role of ran) {
      if (seenRoles.has(role.loaded.role) || !role.loaded.role.handlers) continue;
      seenRoles.add(role.loaded.role);
      const ctx = this.context(pp, host, role);
      let defined: string[];
      try {
        defined = Object.keys(role.loaded.role.handlers(ctx));
      } catch (e) {
        this.fail(play, host, role.entry.name, e as Error);
        continue;
      }
      const names = defined.filter((n) => remaining.has(n));
      if (!names.length) continue;
      names.forEach((n) => remaining.delete(n));
      const outcome = await this.guard(play, host, () =>
        this.deps.runHandlers({ transport: this.via(role, ctx, transport), role: role.loaded.role, ctx, play, check, diff: this.o.diff, emit: this.o.emit, names }),
      );
      if (outcome === 'unreachable') return;
      this.count(host, outcome, readOnly);
      if (outcome.error) this.fail(play, host, role.entry.name, outcome.error);
    }
    for (const name of remaining) {
      const error = `handler '${name}' was notified but no role in this play defines it`;
      this.o.emit({ type: 'handler', play, host, handler: name, status: 'failed', check, error, durationMs: 0 });
      this.recap[host]!.failed++;
      this.fail(play, host, '(handlers)', new StateError(error));
    }
  }

  /** Runs executor work; a lost connection makes the host unreachable, anything else a failed outcome. */
  private async guard(play: string, host: string, fn: () => Promise<RoleOutcome>): Promise<RoleOutcome | 'unreachable'> {
    try {
      return await fn();
    } catch (e) {
      if (e instanceof UnreachableError) {
        this.unreachable(play, host, e);
        return 'unreachable';
      }
      return { ok: 0, changed: 0, failed: 1, skipped: 0, notified: [], registered: {}, error: e as Error };
    }
  }

  /** Whether the role's plan registers a fact on this host (a plan that throws counts: the executor reports it). */
  private registersFacts(pp: PreparedPlay, host: string, role: PreparedRole): boolean {
    try {
      return role.loaded.role.plan(this.context(pp, host, role)).some((r) => r.register);
    } catch {
      // It cannot plan on this host (e.g. a fact it needs is missing), so it has no fact to offer:
      // a role that needed one says which fact and which role produces it.
      return false;
    }
  }

  /** The host's transport, or the controller's for a role that runs there (e.g. kubectl from the CI job). */
  private via(role: PreparedRole, ctx: RoleContext, hostTransport: Transport): Transport {
    if (role.loaded.role.runsOn?.(ctx) !== 'controller') return hostTransport;
    this.controller ??= this.deps.connect({ name: 'controller', host: 'localhost', hostKeyChecking: 'off', become: false, transport: 'local' });
    return this.controller;
  }

  private async transport(play: string, host: string): Promise<Transport | undefined> {
    try {
      return await this.pool.get(host);
    } catch (e) {
      this.unreachable(play, host, e as Error);
      return undefined;
    }
  }

  private unreachable(play: string, host: string, e: Error): void {
    if (this.unreachableHosts.has(host)) return;
    this.unreachableHosts.add(host);
    if (!this.outCause.has(host)) this.outCause.set(host, { by: host, reason: `unreachable: ${firstLine(e.message)}` });
    this.recap[host]!.unreachable = 1;
    this.o.emit({ type: 'host-unreachable', play, host, error: e.message });
  }

  private fail(play: string, host: string, role: string, e: Error): void {
    const r = this.recap[host]!;
    if (r.failed === 0) r.failed = 1;
    this.failedHosts.add(host);
    if (!this.outCause.has(host)) this.outCause.set(host, { by: host, reason: firstLine(e.message) });
    this.o.emit({ type: 'host-failed', play, host, role, error: e.message });
  }

  /** A fact this host needs comes from a host that left the run: not a failure of its own. */
  private block(play: string, host: string, role: string, b: Blocked): void {
    this.recap[host]!.blocked = 1;
    this.recap[host]!.blockedBy = b.by;
    this.outCause.set(host, { by: b.by, reason: b.reason });
    this.o.emit({ type: 'host-blocked', play, host, role, by: b.by, reason: b.reason, waitsFor: b.waitsFor });
  }

  /** A failed, unreachable or blocked host leaves the run. */
  private isOut(host: string): boolean {
    return this.outCause.has(host);
  }

  private count(host: string, outcome: RoleOutcome, readOnly: boolean): void {
    const r = this.recap[host]!;
    r.ok += outcome.ok + (readOnly ? outcome.changed : 0);
    if (!readOnly) {
      r.changed += outcome.changed;
      this.pendingChanges += outcome.changed;
    }
    r.failed += outcome.failed;
    r.skipped += outcome.skipped;
  }

  private context(pp: PreparedPlay, host: string, role: PreparedRole): RoleContext {
    return roleContext({ prepared: this.p, groups: this.groups, template: this.template, registered: (h) => this.registered.get(h) }, pp, host, role);
  }

  private planHook(host: string): ((resources: Resource[]) => void) | undefined {
    const hook = this.o.onPlan;
    return hook ? (resources) => hook(host, resources) : undefined;
  }

  finalRecap(): Record<string, HostRecap> {
    return Object.fromEntries(Object.entries(this.recap).filter(([h]) => this.involved.has(h)));
  }

  exitCode(): number {
    const failed = this.failedHosts.size > 0;
    const unreachable = this.unreachableHosts.size > 0;
    if (failed && unreachable) return EXIT.both;
    if (failed) return EXIT.failed;
    if (unreachable) return EXIT.unreachable;
    if (this.o.check && this.o.detailedExitcode && this.pendingChanges > 0) return EXIT.drift;
    return EXIT.ok;
  }

  async closeAll(): Promise<void> {
    await this.controller?.close();
    for (const [host, roundTrips] of await this.pool.closeAll()) this.recap[host]!.roundTrips = roundTrips;
  }
}

function firstLine(s: string): string {
  return s.split('\n')[0] ?? '';
}

interface HostRole {
  role: PreparedRole;
  /** Forced check, changes not counted, facts as the host really has them. */
  readOnly: boolean;
}

async function pool<T>(items: T[], size: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(size, items.length) }, worker));
}
