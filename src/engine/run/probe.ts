// Read-only command steps on hosts, in phases: the engine's part of `play verify`. A probe is a
// command (its secrets on stdin) and a pure judge of its output; the caller decides what to probe.
// Nothing here changes a host's configuration or knows what the commands are about.
import { UnreachableError } from '../../errors.js';
import type { ExecResult, Transport } from '../../transports/types.js';
import type { ConnectionParams } from '../load/inventory.js';
import { ConnectionPool } from './connection-pool.js';
import { stamp, type EngineEvent, type HostRecap, type TimedEvent } from '../events.js';
import { EXIT } from './run.js';

export interface Verdict {
  status: 'ok' | 'failed' | 'skipped';
  /** ok: what was seen (e.g. "via ctr --hosts-dir"); failed: the layer, what is wrong and the fix. */
  message?: string;
  /** Values later probes or phases use (an address, a date). */
  facts?: Record<string, string>;
}

export interface Probe {
  /** Unique per host, used by `requires`. */
  id: string;
  /** Step label in the reports, e.g. "DNS registry.lab". */
  label: string;
  command: string;
  /** Secrets and payloads travel here, never on the command line. */
  stdin?: string | Buffer;
  judge(r: ExecResult): Verdict;
  /** Probe ids that must have passed first; otherwise this one is skipped with their name. */
  requires?: string[];
}

export interface ProbeResult extends Verdict {
  id: string;
  label: string;
}

export interface ProbeSessionOptions {
  title: string;
  hosts: string[];
  connections: Map<string, ConnectionParams>;
  connect(c: ConnectionParams): Transport;
  emit(e: TimedEvent): void;
  /** Role name in the step events (e.g. "verify"). */
  role: string;
}

export class ProbeSession {
  private readonly started = Date.now();
  private readonly pool: ConnectionPool;
  readonly recap: Record<string, HostRecap> = {};
  private readonly unreachable = new Set<string>();

  constructor(private readonly o: ProbeSessionOptions) {
    this.pool = new ConnectionPool((c) => o.connect(c), o.connections);
    this.emit({ type: 'run-start', playbook: o.title, check: true, hosts: o.hosts });
  }

  /** Runs each host's probes in order (hosts in parallel); returns every verdict per host. */
  async phase(name: string, work: Map<string, Probe[]>): Promise<Map<string, ProbeResult[]>> {
    const hosts = [...work.keys()].filter((h) => !this.unreachable.has(h));
    this.emit({ type: 'play-start', play: name, hosts, readOnlyHosts: [] });
    const out = new Map<string, ProbeResult[]>();
    await Promise.all(hosts.map(async (host) => out.set(host, await this.hostPhase(name, host, work.get(host)!))));
    this.emit({ type: 'play-end', play: name });
    return out;
  }

  private async hostPhase(play: string, host: string, probes: Probe[]): Promise<ProbeResult[]> {
    const results: ProbeResult[] = [];
    const transport = await this.transport(play, host);
    if (!transport) return results;
    this.emit({ type: 'role-start', play, role: this.o.role, host });
    for (const p of probes) {
      const t0 = Date.now();
      const missing = (p.requires ?? []).map((id) => results.find((r) => r.id === id)).filter((r) => r && r.status !== 'ok');
      let verdict: Verdict;
      if (missing.length) {
        verdict = { status: 'skipped', message: `not checked: ${missing.map((r) => r!.label).join(', ')} did not pass` };
      } else {
        try {
          verdict = p.judge(await transport.exec(p.command, p.stdin === undefined ? {} : { stdin: p.stdin }));
        } catch (e) {
          if (!(e instanceof UnreachableError)) throw e;
          this.markUnreachable(play, host, e);
          return results;
        }
      }
      results.push(this.record(play, host, p, verdict, t0));
    }
    return results;
  }

  /** A check made in this process (no connection: on the controller), reported as a step of `host`. */
  async inProcess(play: string, host: string, check: { id: string; label: string; run(): Promise<Verdict> }): Promise<ProbeResult> {
    this.recap[host] ??= { ok: 0, changed: 0, unreachable: 0, failed: 0, skipped: 0, blocked: 0, roundTrips: 0, durationMs: 0 };
    this.emit({ type: 'play-start', play, hosts: [host], readOnlyHosts: [] });
    this.emit({ type: 'role-start', play, role: this.o.role, host });
    const t0 = Date.now();
    const result = this.record(play, host, check, await check.run(), t0);
    this.emit({ type: 'play-end', play });
    return result;
  }

  private record(play: string, host: string, p: { id: string; label: string }, verdict: Verdict, t0: number): ProbeResult {
    const r = this.recap[host]!;
    r[verdict.status === 'ok' ? 'ok' : verdict.status === 'failed' ? 'failed' : 'skipped']++;
    this.emit({
      type: 'step',
      play,
      role: this.o.role,
      host,
      step: p.label,
      status: verdict.status,
      actions: [],
      durationMs: Date.now() - t0,
      ...(verdict.status === 'failed' ? { error: verdict.message ?? 'failed' } : verdict.message ? { why: verdict.message } : {}),
    });
    return { ...verdict, id: p.id, label: p.label };
  }

  private async transport(play: string, host: string): Promise<Transport | undefined> {
    this.recap[host] ??= { ok: 0, changed: 0, unreachable: 0, failed: 0, skipped: 0, blocked: 0, roundTrips: 0, durationMs: 0 };
    try {
      return await this.pool.get(host);
    } catch (e) {
      this.markUnreachable(play, host, e as Error);
      return undefined;
    }
  }

  private markUnreachable(play: string, host: string, e: Error): void {
    if (this.unreachable.has(host)) return;
    this.unreachable.add(host);
    this.recap[host]!.unreachable = 1;
    this.emit({ type: 'host-unreachable', play, host, error: e.message });
  }

  /** Closes every connection and ends the stream: 0 all passed, 2 a check failed, 4 unreachable, 6 both. */
  async end(): Promise<number> {
    for (const [host, roundTrips] of await this.pool.closeAll()) this.recap[host]!.roundTrips = roundTrips;
    const failed = Object.values(this.recap).some((r) => r.failed > 0);
    const unreachable = this.unreachable.size > 0;
    const exitCode = failed && unreachable ? EXIT.both : failed ? EXIT.failed : unreachable ? EXIT.unreachable : EXIT.ok;
    this.emit({ type: 'run-end', recap: this.recap, exitCode, durationMs: Date.now() - this.started });
    return exitCode;
  }

  private emit(e: EngineEvent): void {
    this.o.emit(stamp(e));
  }
}
