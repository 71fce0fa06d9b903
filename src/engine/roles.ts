// Finding and importing roles: roles/<name>/index.ts (default export Role) with defaults.yaml.
// Searched beside the playbook first (as Ansible does), then in the repository's roles/.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { InputError } from '../errors.js';
import type { Role } from '../resources/role.js';
import { repoRoot, runningCompiled } from './repo.js';
import { layerFrom, type VarLayer } from './vars.js';
import { loadYamlFile, originOfNode, type YamlOptions } from './yaml.js';

export interface LoadedRole {
  name: string;
  role: Role;
  defaults: VarLayer;
}

export interface RoleCatalog {
  /** Names of every role that can be loaded. */
  known(): string[];
  /** Imports the role; undefined when there is none by that name. */
  load(name: string): Promise<LoadedRole | undefined>;
}

export function roleCatalog(playbookDir: string | undefined, opts: YamlOptions = {}): RoleCatalog {
  const root = repoRoot();
  const dirs = [...(playbookDir ? [join(playbookDir, 'roles')] : []), join(root, 'roles')];
  const cache = new Map<string, Promise<LoadedRole | undefined>>();
  const locate = (name: string): { dir: string; module: string } | undefined => {
    if (!/^[A-Za-z0-9][\w.-]*$/.test(name)) return undefined;
    for (const dir of dirs) {
      const roleDir = join(dir, name);
      const compiled = runningCompiled() && dir === join(root, 'roles') ? join(root, 'dist', 'roles', name, 'index.js') : undefined;
      const candidates = [compiled, join(roleDir, 'index.js'), join(roleDir, 'index.ts')].filter((f): f is string => !!f);
      const module = candidates.find((f) => existsSync(f));
      if (module) return { dir: roleDir, module };
    }
    return undefined;
  };
  return {
    known() {
      const names = new Set<string>();
      for (const dir of dirs) {
        if (!existsSync(dir)) continue;
        for (const e of readdirSync(dir, { withFileTypes: true })) {
          if (e.isDirectory() && !e.name.startsWith('_') && locate(e.name)) names.add(e.name);
        }
      }
      return [...names].sort();
    },
    load(name) {
      let p = cache.get(name);
      if (!p) {
        p = (async () => {
          const where = locate(name);
          if (!where) return undefined;
          if (where.module.endsWith('.ts') && runningCompiled()) {
            throw new InputError(`role ${name} is TypeScript (${where.module}) and play runs compiled`, undefined, 'run `npm run build`, or run play through tsx');
          }
          const mod = (await import(pathToFileURL(where.module).href)) as { default?: Role };
          const role = mod.default;
          if (!role || typeof role.plan !== 'function') throw new Error(`${where.module} does not export default a Role (with plan())`);
          const defaultsFile = join(where.dir, 'defaults.yaml');
          let defaults: VarLayer = { vars: {}, origins: {} };
          if (existsSync(defaultsFile)) {
            const d = loadYamlFile(defaultsFile, opts);
            if (d !== null && (typeof d !== 'object' || Array.isArray(d))) {
              throw new InputError(`role ${name}: defaults.yaml must be a mapping`, originOfNode(d) ?? { file: defaultsFile });
            }
            defaults = layerFrom((d ?? {}) as Record<string, unknown>, { file: defaultsFile });
          }
          return { name, role, defaults };
        })();
        cache.set(name, p);
      }
      return p;
    },
  };
}
