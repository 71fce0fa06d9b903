// Puts every host back to the state before the bench touched it, so that each first-converge
// measurement (play or Ansible) starts from the same files.
import { quote } from '../src/transports/shell.js';
import type { BenchLab } from './lab.js';
import type { NodeWork } from './vars.js';

type Snapshot = Record<string, Record<string, string | null>>;

/** The files the node roles edit in place (restored byte for byte). */
export function editedFiles(work: NodeWork): string[] {
  return [work.containerdConfig, '/etc/hosts', '/etc/fstab'];
}

/** What the node roles create (removed). */
export function resetScript(work: NodeWork): string {
  const mp = quote(work.mountpoint);
  const dirs = [
    `${work.containerdCertsDir}/${work.registry}`,
    `${work.containerdCertsDir}/${work.registry.replace(':', '_')}_`,
    `${work.dockerCertsDir}/${work.registry}`,
  ];
  return [
    `while findmnt --mountpoint ${mp} >/dev/null 2>&1; do umount ${mp} || exit 1; done`,
    `rmdir ${mp} 2>/dev/null || true`,
    `rm -rf ${dirs.map(quote).join(' ')}`,
    // Backups both tools leave beside config.toml (regplay: .<date>@<time>~, Ansible: .<pid>.<date>@<time>~).
    `rm -f ${quote(work.containerdConfig)}.*~`,
  ].join('\n');
}

export async function snapshot(lab: BenchLab, hosts: string[], work: NodeWork): Promise<Snapshot> {
  const snap: Snapshot = {};
  await Promise.all(
    hosts.map(async (h) => {
      snap[h] = {};
      for (const f of editedFiles(work)) snap[h]![f] = await lab.readFile(h, f);
    }),
  );
  return snap;
}

export async function reset(lab: BenchLab, snap: Snapshot, work: NodeWork): Promise<void> {
  const script = resetScript(work);
  await Promise.all(
    Object.entries(snap).map(async ([h, files]) => {
      const r = await lab.exec(h, script);
      if (r.code !== 0) throw new Error(`bench: resetting ${h} failed: ${r.stderr.trim()}`);
      for (const [path, content] of Object.entries(files)) {
        if (content === null) await lab.exec(h, `rm -f ${quote(path)}`);
        else await lab.writeFile(h, path, content);
      }
    }),
  );
}
