// --render DIR: every planned Kubernetes object as a YAML file, secrets masked unless asked.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { writeLocalFile } from '../../local-file.js';
import { maskObject, revealDeep } from '../kinds/diff-k8s.js';
import type { K8sObject, Resource } from '../../resources/types.js';

export function k8sRenderer(dir: string, revealSecrets: boolean): (host: string, resources: Resource[]) => void {
  mkdirSync(dir, { recursive: true });
  return (_host, resources) => {
    for (const r of resources) {
      if (r.kind !== 'k8s') continue;
      for (const obj of r.objects) writeLocalFile(join(dir, renderFileName(obj)), stringify(revealSecrets ? revealDeep(obj) : maskObject(obj)), revealSecrets ? 0o600 : 0o644);
    }
  };
}

export function renderFileName(obj: K8sObject): string {
  const safe = (s: string) => s.replace(/[^A-Za-z0-9_.-]/g, '_');
  return `${safe(obj.metadata.namespace ?? 'cluster')}-${safe(obj.kind.toLowerCase())}-${safe(obj.metadata.name)}.yaml`;
}
