// --render DIR: every planned Kubernetes object as a YAML file, secrets masked unless asked.
import { closeSync, fchmodSync, mkdirSync, openSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { isSecret } from '../secret.js';
import type { K8sObject, Resource } from '../resources/types.js';

export function k8sRenderer(dir: string, revealSecrets: boolean): (host: string, resources: Resource[]) => void {
  mkdirSync(dir, { recursive: true });
  return (_host, resources) => {
    for (const r of resources) {
      if (r.kind !== 'k8s') continue;
      for (const obj of r.objects) writeWithMode(join(dir, renderFileName(obj)), stringify(plain(obj, revealSecrets)), revealSecrets ? 0o600 : 0o644);
    }
  };
}

/**
 * A new file with exactly `mode` (a file that already existed keeps none of its own), renamed into
 * place. Created exclusively ('wx': never through a link someone put at that name) and changed
 * only through its descriptor, so a render directory that others can write cannot redirect it.
 */
function writeWithMode(path: string, text: string, mode: number): void {
  const tmp = `${path}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    writeFileSync(fd, text);
    fchmodSync(fd, mode);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

export function renderFileName(obj: K8sObject): string {
  const safe = (s: string) => s.replace(/[^A-Za-z0-9_.-]/g, '_');
  return `${safe(obj.metadata.namespace ?? 'cluster')}-${safe(obj.kind.toLowerCase())}-${safe(obj.metadata.name)}.yaml`;
}

function plain(v: unknown, reveal: boolean): unknown {
  if (isSecret(v)) return reveal ? v.reveal() : '***';
  if (Array.isArray(v)) return v.map((x) => plain(x, reveal));
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x, reveal)]));
  return v;
}
