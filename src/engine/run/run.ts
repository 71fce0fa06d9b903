// Orchestration: every host goes through its plays in order, the hosts in parallel (up to --forks);
// per host and play the roles in order, then the notified handlers (even after a failure). A host
// does not wait for the others at play boundaries, only for a host whose facts a role of it reads,
// until that host is done with the plays before this one; the events still come out play by play
// (play-order.ts). A failed or unreachable host leaves the run; the others go on. One transport per
// host for the whole run, whose reads are batched across the host's roles (read-ahead.ts).
import { InputError, StateError, UnreachableError } from '../../errors.js';
import type { RoleContext, Vars } from '../../resources/role.js';
import type { Resource } from '../../resources/types.js';
import type { Transport } from '../../transports/types.js';
import { EXIT } from '../exit-codes.js';
import { ConnectionPool } from './connection-pool.js';
import type { EngineDeps, RoleOutcome } from './deps.js';
import type { Blocked, Blocker } from './executor.js';
import { stamp, type EngineEvent, type HostRecap, type TimedEvent } from '../events.js';
import { expectedReads } from './expected-reads.js';
import { PlayOrder } from './play-order.js';
import { attachReadAhead, ReadAhead, readAheadOf } from './read-ahead.js';
import type { ReadItem } from './read-script.js';
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

export { EXIT };

export async function runPrepared(p: Prepared, o: RunOptions, deps: EngineDeps): Promise<RunResult> {
  const started = Date.now();
  // Nothing after run-end: roles abandoned by an interrupt may still report while the process exits.
  let ended = false;
  const send = (e: TimedEvent) => {
    if (ended) return;
    ended = e.type === 'run-end';
    o.emit(e);
  };
  const emit = (e: EngineEvent) => send(stamp(e));
  warmUpRoles(p);
  const run = new RunState(p, { ...o, send }, deps);
  const warnings = runWarnings(p.connections, p.hosts);
  emit({ type: 'run-start', playbook: p.playbook.file, check: o.check, hosts: p.hosts, ...(warnings.length ? { warnings } : {}) });
  const plays = run.all().then(() => false);
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

/** Role.warmUp of every role that runs on some host, once, before the connections open. */
function warmUpRoles(p: Prepared): void {
  const running = p.plays.filter((pp) => pp.targets.length || pp.readOnly.length).flatMap((pp) => pp.roles.filter((r) => r.mode === 'run'));
  for (const role of new Set(running.map((r) => r.loaded.role))) role.warmUp?.();
}

/** Resolves true when the signal aborts; never otherwise. */
function aborted(signal: AbortSignal | undefined): Promise<boolean> {
  return new Promise((resolve) => {
    if (!signal) return;
    if (signal.aborted) resolve(true);
    signal.addEventListener('abort', () => resolve(true), { once: true });
  });
}

/** A play by its place in the playbook (names may repeat) and its name (for events). */
interface PlayRef {
  index: number;
  name: string;
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
  /** Every host some play names, in order. */
  private readonly hosts: string[];
  /** Per play, what each host does in it: its roles, or why none. */
  private readonly parts: Array<Map<string, HostRole[] | 'out'>>;
  private readonly order: PlayOrder;
  private readonly forks: Slots;
  /** The play and role (index in the play) each host is at: what lies ahead of it is read from there. */
  private readonly at = new Map<string, { play: number; role: number }>();

  constructor(
    private readonly p: Prepared,
    private readonly o: Omit<RunOptions, 'emit'> & { send: (e: TimedEvent) => void },
    private readonly deps: EngineDeps,
  ) {
    for (const h of p.hosts) this.recap[h] = { ok: 0, changed: 0, unreachable: 0, failed: 0, skipped: 0, blocked: 0, roundTrips: 0, durationMs: 0 };
    this.groups = groupMembers(p.inventory);
    this.template = o.template ?? templateRenderer();
    this.pool = new ConnectionPool((c) => deps.connect(c), p.connections);
    this.hosts = [...new Set(p.plays.flatMap((pp) => [...pp.targets, ...pp.readOnly]))];
    this.parts = p.plays.map(() => new Map());
    this.order = new PlayOrder({
      plays: p.plays.length,
      hosts: this.hosts,
      send: o.send,
      open: (i) => this.opening(i),
      close: (i) => ({ type: 'play-end', play: p.plays[i]!.play.name }),
    });
    this.forks = new Slots(Math.max(1, o.forks ?? Math.min(this.hosts.length || 1, 50)));
  }

  /** Every host through its plays, the hosts in parallel. */
  async all(): Promise<void> {
    this.order.start();
    await Promise.all(this.hosts.map((h) => this.hostRun(h)));
  }

  private async hostRun(host: string): Promise<void> {
    for (const [index, pp] of this.p.plays.entries()) {
      if (this.o.signal?.aborted) return;
      const roles = await this.part(index, pp, host);
      this.order.decided(host, index);
      if (roles.length) {
        await this.forks.take();
        const t0 = Date.now();
        try {
          await this.hostPlay({ index, name: pp.play.name }, pp, host, roles);
        } finally {
          this.forks.give();
        }
        this.recap[host]!.durationMs += Date.now() - t0;
      }
      this.order.finished(host, index);
    }
  }

  /** The host's roles in the play (none: not in it, or out of the run), recorded for the play's opening. */
  private async part(index: number, pp: PreparedPlay, host: string): Promise<HostRole[]> {
    const inPlay = pp.targets.includes(host) || pp.readOnly.includes(host);
    if (!inPlay || pp.roles.every((r) => r.mode === 'skip')) return [];
    if (this.isOut(host)) {
      this.parts[index]!.set(host, 'out');
      return [];
    }
    const roles = await this.rolesOn(index, pp, host);
    this.parts[index]!.set(host, roles);
    if (roles.length) this.involved.add(host);
    return roles;
  }

  /** The play's play-start, once every host knows its part; nothing for a play outside this run. */
  private opening(index: number): EngineEvent | undefined {
    const pp = this.p.plays[index]!;
    if (pp.roles.every((r) => r.mode === 'skip')) return undefined;
    const part = this.parts[index]!;
    const work = [...pp.targets, ...pp.readOnly].filter((h) => Array.isArray(part.get(h)) && (part.get(h) as HostRole[]).length);
    // Only read for --tags, and nothing to read here: the play is not part of this run.
    if (!work.length && pp.roles.every((r) => r.mode !== 'run')) return undefined;
    const left = pp.targets.filter((h) => part.get(h) === 'out');
    const readOnly = work.filter((h) => (part.get(h) as HostRole[]).every((r) => r.readOnly));
    const targets = work.filter((h) => !readOnly.includes(h));
    return { type: 'play-start', play: pp.play.name, hosts: targets, readOnlyHosts: readOnly, ...(pp.absent.length ? { absent: pp.absent } : {}), ...(left.length ? { outOfRun: left } : {}) };
  }

  private emit(at: PlayRef, e: EngineEvent): void {
    this.order.emit(at.index, e);
  }

  /**
   * The roles a host runs in this play. Selected roles run; a host outside --limit, or a role filtered
   * out by --tags/--skip-tags, only runs the roles that register facts, read-only (later roles need them).
   */
  private async rolesOn(index: number, pp: PreparedPlay, host: string): Promise<HostRole[]> {
    const outsideLimit = pp.readOnly.includes(host);
    const roles: HostRole[] = [];
    for (const role of pp.roles) {
      if (role.mode === 'skip') continue;
      if (role.mode === 'run' && !outsideLimit) {
        roles.push({ role, readOnly: false });
        continue;
      }
      await this.producers(index, pp, host, role);
      if (this.registersFacts(pp, host, role)) roles.push({ role, readOnly: true });
    }
    return roles;
  }

  /**
   * Waits until every other host whose variables or facts the role reads (as its plan reads them now)
   * is done with the plays before this one; `beforeWait` runs once, before the first wait.
   */
  private async producers(index: number, pp: PreparedPlay, host: string, role: PreparedRole, beforeWait?: () => Promise<void>): Promise<void> {
    for (;;) {
      if (this.order.allPast(index - 1)) return; // nobody is behind: no need to know whom the role reads
      const behind = this.readsFrom(pp, host, role).find((h) => h !== host && !this.order.isPast(h, index - 1));
      if (behind === undefined) return;
      await beforeWait?.();
      beforeWait = undefined;
      await this.order.reached(behind, index - 1);
    }
  }

  /** The hosts whose variables or facts the role's facts, plan and handlers look at on this host. */
  private readsFrom(pp: PreparedPlay, host: string, role: PreparedRole): string[] {
    const seen = new Set<string>();
    const ctx = this.context(pp, host, role);
    const probe: RoleContext = { ...ctx, hostvars: (h) => (seen.add(h), ctx.hostvars(h)) };
    const r = role.loaded.role;
    for (const look of [() => r.facts?.(probe), () => r.plan(probe), () => r.handlers?.(probe)]) {
      try {
        look();
      } catch {
        // reported when the role runs
      }
    }
    return [...seen];
  }

  /** What the host's roles from where it is on will read (read ahead with its next read). */
  private ahead(host: string): ReadItem[] {
    if (this.isOut(host)) return [];
    const at = this.at.get(host) ?? { play: 0, role: 0 };
    const items: ReadItem[] = [];
    this.p.plays.forEach((pp, i) => {
      if (i < at.play || !(pp.targets.includes(host) || pp.readOnly.includes(host))) return;
      pp.roles.forEach((role, k) => {
        if (role.mode === 'skip' || (i === at.play && k < at.role)) return;
        const ctx = this.context(pp, host, role);
        if (this.onController(role, ctx)) return;
        items.push(...expectedReads(role.loaded.role, ctx));
      });
    });
    return items;
  }

  private async hostPlay(at: PlayRef, pp: PreparedPlay, host: string, roles: HostRole[]): Promise<void> {
    const play = at.name;
    const transport = await this.transport(at, host);
    if (!transport) return;

    // Handlers notified by a read-only role are only reported (check), never run.
    const notified = { run: [] as string[], read: [] as string[] };
    const ran: PreparedRole[] = [];
    for (const { role, readOnly } of roles) {
      if (this.o.signal?.aborted) return;
      this.at.set(host, { play: at.index, role: pp.roles.indexOf(role) });
      // While it waits for another host, the host reads what it can, and frees its fork.
      let waited = false;
      await this.producers(at.index, pp, host, role, async () => {
        await readAheadOf(transport)
          ?.prefetch()
          .catch(() => {}); // the role's own read reports it
        this.forks.give();
        waited = true;
      });
      if (waited) await this.forks.take();
      if (this.o.signal?.aborted) return;
      const ctx = this.context(pp, host, role);
      const emit = (e: EngineEvent) => this.emit(at, e);
      emit({ type: 'role-start', play, role: role.entry.name, host });
      ran.push(role);
      const check = this.o.check || readOnly;
      const outcome = await this.guard(at, host, () =>
        this.deps.executeRole({ transport: this.via(role, ctx, transport), role: role.loaded.role, ctx, play, check, readOnly, registerPlanned: this.o.check && !readOnly, blockedBy: (h) => this.outCause.get(h), diff: this.o.diff, emit, onPlan: this.planHook(host) }),
      );
      if (outcome === 'unreachable') return;
      this.count(host, outcome, readOnly);
      if (outcome.blocked) {
        this.block(at, host, role.entry.name, outcome.blocked);
        break;
      }
      this.registered.set(host, { ...this.registered.get(host), ...outcome.registered });
      const list = readOnly ? notified.read : notified.run;
      for (const n of outcome.notified) if (!list.includes(n)) list.push(n);
      if (outcome.error) {
        const error = outcome.error instanceof InputError ? withVarOrigin(outcome.error, varsFor(this.p, host, pp.play, role, this.registered.get(host))) : outcome.error;
        this.fail(at, host, role.entry.name, error instanceof InputError ? new Error(error.describe()) : error);
        break;
      }
    }
    if (notified.run.length) await this.handlers(at, pp, host, ran, notified.run, transport, this.o.check, false);
    const readOnlyOnly = notified.read.filter((n) => !notified.run.includes(n));
    if (readOnlyOnly.length && !this.isOut(host)) await this.handlers(at, pp, host, ran, readOnlyOnly, transport, true, true);
  }

  private async handlers(at: PlayRef, pp: PreparedPlay, host: string, ran: PreparedRole[], notified: string[], transport: Transport, check: boolean, readOnly: boolean): Promise<void> {
    const play = at.name;
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
        this.fail(at, host, role.entry.name, e as Error);
        continue;
      }
      const names = defined.filter((n) => remaining.has(n));
      if (!names.length) continue;
      names.forEach((n) => remaining.delete(n));
      const outcome = await this.guard(at, host, () =>
        this.deps.runHandlers({ transport: this.via(role, ctx, transport), role: role.loaded.role, ctx, play, check, diff: this.o.diff, emit: (e) => this.emit(at, e), names }),
      );
      if (outcome === 'unreachable') return;
      this.count(host, outcome, readOnly);
      if (outcome.error) this.fail(at, host, role.entry.name, outcome.error);
    }
    for (const name of remaining) {
      const error = `handler '${name}' was notified but no role in this play defines it`;
      this.emit(at, { type: 'handler', play, host, handler: name, status: 'failed', check, error, durationMs: 0 });
      this.recap[host]!.failed++;
      this.fail(at, host, '(handlers)', new StateError(error));
    }
  }

  /** Runs executor work; a lost connection makes the host unreachable, anything else a failed outcome. */
  private async guard(at: PlayRef, host: string, fn: () => Promise<RoleOutcome>): Promise<RoleOutcome | 'unreachable'> {
    try {
      return await fn();
    } catch (e) {
      if (e instanceof UnreachableError) {
        this.unreachable(at, host, e);
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
    if (!this.onController(role, ctx)) return hostTransport;
    this.controller ??= this.deps.connect({ name: 'controller', host: 'localhost', hostKeyChecking: 'off', become: false, transport: 'local' });
    return this.controller;
  }

  private onController(role: PreparedRole, ctx: RoleContext): boolean {
    return role.loaded.role.runsOn?.(ctx) === 'controller';
  }

  private async transport(at: PlayRef, host: string): Promise<Transport | undefined> {
    try {
      const transport = await this.pool.get(host);
      if (!readAheadOf(transport)) attachReadAhead(transport, new ReadAhead(transport, () => this.ahead(host)));
      return transport;
    } catch (e) {
      this.unreachable(at, host, e as Error);
      return undefined;
    }
  }

  private unreachable(at: PlayRef, host: string, e: Error): void {
    if (this.unreachableHosts.has(host)) return;
    this.unreachableHosts.add(host);
    if (!this.outCause.has(host)) this.outCause.set(host, { by: host, reason: `unreachable: ${firstLine(e.message)}` });
    this.recap[host]!.unreachable = 1;
    this.emit(at, { type: 'host-unreachable', play: at.name, host, error: e.message });
  }

  private fail(at: PlayRef, host: string, role: string, e: Error): void {
    const r = this.recap[host]!;
    if (r.failed === 0) r.failed = 1;
    this.failedHosts.add(host);
    if (!this.outCause.has(host)) this.outCause.set(host, { by: host, reason: firstLine(e.message) });
    this.emit(at, { type: 'host-failed', play: at.name, host, role, error: e.message });
  }

  /** A fact this host needs comes from a host that left the run: not a failure of its own. */
  private block(at: PlayRef, host: string, role: string, b: Blocked): void {
    this.recap[host]!.blocked = 1;
    this.recap[host]!.blockedBy = b.by;
    this.outCause.set(host, { by: b.by, reason: b.reason });
    this.emit(at, { type: 'host-blocked', play: at.name, host, role, by: b.by, reason: b.reason, waitsFor: b.waitsFor });
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

/** --forks: how many hosts run a play at once. A host waiting for another host's facts gives its place up. */
class Slots {
  #free: number;
  readonly #queue: Array<() => void> = [];

  constructor(size: number) {
    this.#free = size;
  }

  async take(): Promise<void> {
    if (this.#free > 0) {
      this.#free--;
      return;
    }
    await new Promise<void>((resolve) => this.#queue.push(resolve));
  }

  give(): void {
    const next = this.#queue.shift();
    if (next) next();
    else this.#free++;
  }
}
