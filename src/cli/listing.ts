// The text of --list-hosts and --list-tasks (Ansible's layout: a block per play).
import type { PlayListing } from '../engine/list.js';

const tags = (t: string[]) => `TAGS: [${t.join(', ')}]`;

export function formatListing(playbook: string, plays: PlayListing[], show: { hosts: boolean; tasks: boolean }): string {
  const out = [`playbook: ${playbook}`, ''];
  for (const p of plays) {
    out.push(`  play #${p.index} (${p.pattern.join(':')}): ${p.name}\t${tags(p.tags)}`);
    if (show.hosts) {
      out.push(`    pattern: ${p.pattern.join(':')}`, `    hosts (${p.hosts.length}):`, ...p.hosts.map((h) => `      ${h}`));
    }
    if (show.tasks) {
      const planned = p.roles.find((r) => r.host)?.host;
      out.push(`    roles${planned ? ` (steps as planned for ${planned})` : ''}:`);
      if (!p.roles.length) out.push('      (none selected by the tags)');
      for (const r of p.roles) {
        out.push(`      ${r.name}${r.onController ? ' (runs on the controller)' : ''}\t${tags(r.tags)}`);
        if (!r.host) out.push('        (no host in the play: nothing to plan)');
        else if (r.unknown) {
          out.push(`        (steps planned during the run: ${r.unknown}; --check lists them)`);
          if (r.files?.length) out.push(`        files it manages: ${r.files.join(', ')}`);
        }
        else if (!r.steps.length) out.push(`        (no steps on ${r.host})`);
        else out.push(...r.steps.map((s) => `        ${s}`));
      }
    }
    out.push('');
  }
  return out.join('\n');
}
