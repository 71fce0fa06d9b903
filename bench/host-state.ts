// Puts every host back to the state before the bench touched it, so that each first-converge
// measurement (play or Ansible) starts from the same files.
import { posix } from 'node:path';
import { quote } from '../src/transports/shell.js';
import type { BenchLab } from './lab.js';
import type { NodeWork } from './vars.js';

interface HostSnapshot {
  /** Content of each edited file, null when it did not exist. */
  files: Record<string, string | null>;
  /** Directories the roles may create that did not exist. */
  absentDirs: string[];
}

export type Snapshot = Record<string, HostSnapshot>;

/** The files the node roles edit in place (restored byte for byte). */
export function editedFiles(work: NodeWork): string[] {
  return [work.containerdConfig, '/etc/hosts', '/etc/fstab'];
}

/** The certs.d directories and their parents below the top level (/etc/docker may not exist). */
export function creatableDirs(work: NodeWork): string[] {
  const dirs = new Set<string>();
  for (let d of [work.containerdCertsDir, work.dockerCertsDir, work.mountpoint]) {
    while (d.split('/').filter(Boolean).length >= 2) {
      dirs.add(d);
      d = posix.dirname(d);
    }
  }
  return [...dirs].sort();
}

/** What the node roles create inside existing directories (removed). */
export function resetScript(work: NodeWork, absentDirs: string[] = []): string {
  const mp = quote(work.mountpoint);
  const dirs = [
    `${work.containerdCertsDir}/${work.registry}`,
    `${work.containerdCertsDir}/${work.registry.replace(':', '_')}_`,
    `${work.dockerCertsDir}/${work.registry}`,
  ];
  return [
    `while findmnt --mountpoint ${mp} >/dev/null 2>&1; do umount ${mp} || exit 1; done`,
    `rm -rf ${dirs.map(quote).join(' ')}`,
    // Backups both tools leave beside config.toml (regplay: .<date>@<time>~, Ansible: .<pid>.<date>@<time>~).
    `rm -f ${quote(work.containerdConfig)}.*~`,
    ...(absentDirs.length ? [`rm -rf ${absentDirs.map(quote).join(' ')}`] : []),
  ].join('\n');
}

export async function snapshot(lab: BenchLab, hosts: string[], work: NodeWork): Promise<Snapshot> {
  const snap: Snapshot = {};
  const candidates = creatableDirs(work);
  const probe = candidates.map((d) => `[ -e ${quote(d)} ] || echo ${quote(d)}`).join('\n');
  await Promise.all(
    hosts.map(async (h) => {
      const files: Record<string, string | null> = {};
      for (const f of editedFiles(work)) files[f] = await lab.readFile(h, f);
      const r = await lab.exec(h, probe);
      snap[h] = { files, absentDirs: r.stdout.split('\n').filter(Boolean) };
    }),
  );
  return snap;
}

export async function reset(lab: BenchLab, snap: Snapshot, work: NodeWork): Promise<void> {
  await Promise.all(
    Object.entries(snap).map(async ([h, s]) => {
      const r = await lab.exec(h, resetScript(work, s.absentDirs));
      if (r.code !== 0) throw new Error(`resetting ${h} failed: ${r.stderr.trim()}`);
      for (const [path, content] of Object.entries(s.files)) {
        if (content === null) await lab.exec(h, `rm -f ${quote(path)}`);
        else await lab.writeFile(h, path, content);
      }
    }),
  );
}
