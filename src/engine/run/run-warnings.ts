// Warnings said once per run, at its start (not per host or per play).
import type { ConnectionParams } from '../load/inventory.js';

export function runWarnings(connections: ReadonlyMap<string, ConnectionParams>, hosts: string[]): string[] {
  const unchecked = hosts.filter((h) => connections.get(h)?.transport === 'ssh' && connections.get(h)?.hostKeyChecking === 'off');
  if (!unchecked.length) return [];
  return [`host_key_checking is off for ${unchecked.join(', ')}: their host keys are not verified, so a man-in-the-middle would go unnoticed (use strict or accept-new)`];
}
