// What the bench needs from `play --json FILE`: per-host exec round trips and how many plays each
// host was in. Accepts the events as a JSON array, `{ events: [...] }`, JSON lines, or a bare recap.

export interface HostCounts {
  roundTrips: number;
  changed: number;
  failed: number;
  unreachable: number;
  plays: number;
}

export interface PlayReport {
  hosts: Record<string, HostCounts>;
  exitCode?: number;
}

type Json = Record<string, unknown>;

function parseEvents(text: string): Json[] {
  const trimmed = text.trim();
  try {
    const whole = JSON.parse(trimmed) as unknown;
    if (Array.isArray(whole)) return whole as Json[];
    const obj = whole as Json;
    if (Array.isArray(obj.events)) return obj.events as Json[];
    if (obj.recap) return [{ type: 'run-end', ...obj }];
    return [obj];
  } catch {
    return trimmed.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as Json);
  }
}

export function parsePlayReport(text: string): PlayReport {
  const events = parseEvents(text);
  const end = events.find((e) => e.type === 'run-end');
  const recap = end?.recap as Record<string, Partial<HostCounts>> | undefined;
  if (!recap) throw new Error('play JSON report has no run-end recap');
  const plays: Record<string, number> = {};
  for (const e of events) {
    if (e.type !== 'play-start') continue;
    const members = new Set([...((e.hosts as string[]) ?? []), ...((e.readOnlyHosts as string[]) ?? [])]);
    for (const h of members) plays[h] = (plays[h] ?? 0) + 1;
  }
  const hosts: Record<string, HostCounts> = {};
  for (const [host, r] of Object.entries(recap)) {
    if (typeof r.roundTrips !== 'number') throw new Error(`play JSON report: host ${host} has no roundTrips in the recap`);
    hosts[host] = { roundTrips: r.roundTrips, changed: r.changed ?? 0, failed: r.failed ?? 0, unreachable: r.unreachable ?? 0, plays: plays[host] ?? 0 };
  }
  return { hosts, exitCode: typeof end?.exitCode === 'number' ? end.exitCode : undefined };
}

export interface RoundTripFigure {
  /** Most round trips any host made in the run. */
  maxPerHost: number;
  /** Most round trips any host made per play it was in (the "per host per play"). */
  maxPerHostPerPlay: number;
}

export function roundTripFigure(report: PlayReport): RoundTripFigure {
  let maxPerHost = 0;
  let maxPerHostPerPlay = 0;
  for (const h of Object.values(report.hosts)) {
    maxPerHost = Math.max(maxPerHost, h.roundTrips);
    maxPerHostPerPlay = Math.max(maxPerHostPerPlay, h.plays > 0 ? h.roundTrips / h.plays : h.roundTrips);
  }
  return { maxPerHost, maxPerHostPerPlay };
}

export function totalChanged(report: PlayReport): number {
  return Object.values(report.hosts).reduce((n, h) => n + h.changed, 0);
}
