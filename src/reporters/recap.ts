// The Ansible-style PLAY RECAP: `cp1 : ok=3 changed=1 unreachable=0 failed=0 skipped=0 blocked=0`,
// then which hosts were blocked by which failed one (one cause, one failure).
import type { HostRecap } from '../engine/events.js';

export function recapLine(host: string, r: HostRecap): string {
  return `${host} : ok=${r.ok} changed=${r.changed} unreachable=${r.unreachable} failed=${r.failed} skipped=${r.skipped} blocked=${r.blocked}`;
}

export function formatRecap(recap: Record<string, HostRecap>): string {
  const lines = Object.entries(recap).map(([host, r]) => recapLine(host, r));
  return `PLAY RECAP ${'*'.repeat(60)}\n${lines.join('\n')}${lines.length ? '\n' : ''}${blockedSummary(recap)}`;
}

/** `blocked by cp1 (failed): w1, w2, b1` per root host; empty when nothing was blocked. */
export function blockedSummary(recap: Record<string, HostRecap>): string {
  const byRoot = new Map<string, string[]>();
  for (const [host, r] of Object.entries(recap)) if (r.blocked && r.blockedBy) byRoot.set(r.blockedBy, [...(byRoot.get(r.blockedBy) ?? []), host]);
  return [...byRoot]
    .map(([root, hosts]) => {
      const what = recap[root]?.unreachable ? 'unreachable' : 'failed';
      return `blocked by ${root} (${what}; counted once, as ${root}'s failure): ${hosts.join(', ')}\n`;
    })
    .join('');
}
