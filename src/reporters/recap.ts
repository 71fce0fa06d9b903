// The Ansible-style PLAY RECAP: `cp1 : ok=3 changed=1 unreachable=0 failed=0 skipped=0`.
import type { HostRecap } from '../engine/events.js';

export function recapLine(host: string, r: HostRecap): string {
  return `${host} : ok=${r.ok} changed=${r.changed} unreachable=${r.unreachable} failed=${r.failed} skipped=${r.skipped}`;
}

export function formatRecap(recap: Record<string, HostRecap>): string {
  const lines = Object.entries(recap).map(([host, r]) => recapLine(host, r));
  return `PLAY RECAP ${'*'.repeat(60)}\n${lines.join('\n')}${lines.length ? '\n' : ''}`;
}
