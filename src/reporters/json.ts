// --json FILE: every event plus the recap, written when the run ends (also on bad input and Ctrl-C).
// --json -: newline-delimited JSON, one event per line as it happens (for a CI log or `jq`).
// Both redacted.
import { writeLocalFile } from '../local-file.js';
import type { HostRecap, TimedEvent } from '../engine/events.js';
import { redact } from '../secret.js';

export function jsonReporter(file: string): (e: TimedEvent) => void {
  const events: TimedEvent[] = [];
  return (e) => {
    events.push(e);
    if (e.type !== 'run-end') return;
    const { recap, exitCode, durationMs, aborted } = e;
    const report = { recap, summary: summary(recap), exitCode, durationMs, ...(aborted ? { aborted } : {}), events };
    writeLocalFile(file, redact(JSON.stringify(report, null, 2)) + '\n');
  };
}

export function ndjsonReporter(write: (line: string) => void): (e: TimedEvent) => void {
  return (e) => write(redact(JSON.stringify(e.type === 'run-end' ? { ...e, summary: summary(e.recap) } : e)) + '\n');
}

/** Hosts by outcome; a blocked host counts apart from the failed one that blocked it. */
function summary(recap: Record<string, HostRecap>): { ok: string[]; failed: string[]; unreachable: string[]; blocked: string[] } {
  const hosts = Object.entries(recap);
  const pick = (f: (r: HostRecap) => boolean) => hosts.filter(([, r]) => f(r)).map(([h]) => h);
  return {
    ok: pick((r) => !r.failed && !r.unreachable && !r.blocked),
    failed: pick((r) => r.failed > 0),
    unreachable: pick((r) => r.unreachable > 0),
    blocked: pick((r) => r.blocked > 0),
  };
}
