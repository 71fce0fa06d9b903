// Kubernetes API stand-in: writes Secret/ConfigMap volume content the way the kubelet's atomic
// writer does (`..data` → timestamped dir, one symlink per top-level entry), so a running registry
// sees updates (htpasswd is re-read) unless the volume is mounted with subPath.
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, readdirSync, readlinkSync, renameSync, rmSync, symlinkSync, writeFileSync, chmodSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { VolumeFile } from './pod-inputs.js';

export function contentHash(files: VolumeFile[]): string {
  const h = createHash('sha256');
  for (const f of [...files].sort((a, b) => a.path.localeCompare(b.path))) h.update(`${f.path}\0${f.mode}\0`).update(f.content).update('\0');
  return h.digest('hex');
}

export function writeProjected(dir: string, files: VolumeFile[]): void {
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  const stamp = `..${new Date().toISOString().replace(/[-:.]/g, '_')}.${Math.random().toString(36).slice(2, 8)}`;
  const stampDir = join(dir, stamp);
  mkdirSync(stampDir, { mode: 0o755 });
  for (const f of files) {
    const p = join(stampDir, f.path);
    mkdirSync(dirname(p), { recursive: true, mode: 0o755 });
    writeFileSync(p, f.content, { mode: f.mode });
    chmodSync(p, f.mode);
  }
  const previous = existsSync(join(dir, '..data')) ? readlinkSync(join(dir, '..data')) : undefined;
  symlinkSync(stamp, join(dir, '..data_tmp'));
  renameSync(join(dir, '..data_tmp'), join(dir, '..data'));
  const tops = new Set(files.map((f) => f.path.split('/')[0]!));
  for (const t of tops) if (!existsSync(join(dir, t)) && !isLink(join(dir, t))) symlinkSync(join('..data', t), join(dir, t));
  for (const entry of readdirSync(dir)) {
    if (entry.startsWith('..')) {
      if (entry !== '..data' && entry !== stamp && (entry === previous || entry.startsWith('..2'))) rmSync(join(dir, entry), { recursive: true, force: true });
    } else if (!tops.has(entry) && isLink(join(dir, entry))) rmSync(join(dir, entry));
  }
}

function isLink(p: string): boolean {
  try {
    return lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}
