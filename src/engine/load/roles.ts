// Finding and importing roles: roles/<name>/index.{js,ts} (default export Role) with defaults.yaml.
// Searched beside the playbook first (as Ansible does), then in the project directory (the user's
// infra repo, where play runs), then the built-in roles/ of this package: the user's role wins.
// A TypeScript role runs through tsx (a dependency) as an ES module when play itself runs compiled.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { InputError } from '../../errors.js';
import type { Role } from '../../resources/role.js';
import { repoRoot, runningCompiled } from './repo.js';
import { layerFrom, type VarLayer } from './vars.js';
import { loadYamlFile, originOf, originOfNode, type YamlOptions } from './yaml.js';

const ROLE_FILES = ['index.js', 'index.mjs', 'index.ts', 'index.mts'];

export interface LoadedRole {
  name: string;
  role: Role;
  defaults: VarLayer;
  /** Every key of its defaults.yaml, those without a default (null) too. */
  documented?: string[];
}

export interface RoleCatalog {
  /** Names of every role that can be loaded. */
  known(): string[];
  /** Every key of every known role's defaults.yaml (a null value documents a variable without a default). */
  documentedVariables?(): Set<string>;
  /** Imports the role; undefined when there is none by that name. */
  load(name: string): Promise<LoadedRole | undefined>;
}

/** `userDirs`: directories whose roles/ are searched, in order, before the built-in roles. */
export function roleCatalog(userDirs: string[], opts: YamlOptions = {}): RoleCatalog {
  const root = repoRoot();
  const dirs = [...new Set([...userDirs.map((d) => join(d, 'roles')), join(root, 'roles')])];
  const cache = new Map<string, Promise<LoadedRole | undefined>>();
  const locate = (name: string): { dir: string; module: string } | undefined => {
    if (!/^[A-Za-z0-9][\w.-]*$/.test(name)) return undefined;
    for (const dir of dirs) {
      const roleDir = join(dir, name);
      const compiled = runningCompiled() && dir === join(root, 'roles') ? join(root, 'dist', 'roles', name, 'index.js') : undefined;
      const candidates = [compiled, ...ROLE_FILES.map((f) => join(roleDir, f))].filter((f): f is string => !!f);
      const module = candidates.find((f) => existsSync(f));
      if (module) return { dir: roleDir, module };
    }
    return undefined;
  };
  const defaultsRead = new Map<string, { vars: Record<string, unknown>; file: string }>();
  const readDefaults = (dir: string, name: string): { vars: Record<string, unknown>; file: string } => {
    let d = defaultsRead.get(dir);
    if (!d) defaultsRead.set(dir, (d = parseDefaults(dir, name)));
    return d;
  };
  const parseDefaults = (dir: string, name: string): { vars: Record<string, unknown>; file: string } => {
    const file = join(dir, 'defaults.yaml');
    if (!existsSync(file)) return { vars: {}, file };
    const d = loadYamlFile(file, opts);
    if (d !== null && (typeof d !== 'object' || Array.isArray(d))) {
      throw new InputError(`role ${name}: defaults.yaml must be a mapping`, originOfNode(d) ?? { file });
    }
    return { vars: (d ?? {}) as Record<string, unknown>, file };
  };
  let documented: Set<string> | undefined;
  return {
    documentedVariables() {
      documented ??= new Set(
        this.known().flatMap((name) => {
          const where = locate(name);
          return where ? Object.keys(readDefaults(where.dir, name).vars) : [];
        }),
      );
      return documented;
    },
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
          const role = defaultExport(await importRole(where.module));
          if (!isRole(role)) {
            throw new InputError(`${where.module} does not export a role`, { file: where.module }, 'export default an object with name and plan(ctx) (docs/roles.md)');
          }
          const { vars, file } = readDefaults(where.dir, name);
          // A null default documents the variable and leaves it unset (a required one says "is not set").
          const set = Object.fromEntries(Object.entries(vars).filter(([, v]) => v !== null));
          const defaults = layerFrom(set, { file });
          for (const k of Object.keys(set)) defaults.origins[k] = originOf(vars, k) ?? { file };
          return { name, role, defaults, documented: Object.keys(vars) };
        })();
        cache.set(name, p);
      }
      return p;
    },
  };
}

let tsxRegistered = false;

async function importRole(file: string): Promise<unknown> {
  if (/\.m?ts$/.test(file) && runningCompiled()) {
    if (file.endsWith('.ts') && packageType(dirname(file)) !== 'module') {
      // tsx would compile it as CommonJS, whose require('regplay') gets a second copy of the
      // error and Secret classes: the engine's instanceof would no longer recognise them.
      throw new InputError('a TypeScript role in a CommonJS package (its package.json has no "type": "module")', { file }, 'add "type": "module" to your package.json (`npm pkg set type=module`), or name the file index.mts');
    }
    if (!tsxRegistered) {
      // Once for the whole process, not tsImport's private namespace: a role's own
      // `import { StateError } from 'regplay'` must get the very classes the engine checks.
      (await import('tsx/esm/api')).register();
      tsxRegistered = true;
    }
  }
  return import(pathToFileURL(file).href);
}

/** The "type" of the package.json nearest above `dir` ('commonjs' when there is none). */
function packageType(dir: string): string {
  for (let d = dir; ; d = dirname(d)) {
    const file = join(d, 'package.json');
    if (existsSync(file)) return (JSON.parse(readFileSync(file, 'utf8')) as { type?: string }).type ?? 'commonjs';
    if (dirname(d) === d) return 'commonjs';
  }
}

/** `export default role` as ESM, or as CommonJS (module.exports = role, or a compiled `exports.default`). */
function defaultExport(mod: unknown): unknown {
  const d = (mod as { default?: unknown }).default;
  return !isRole(d) && d && typeof d === 'object' && 'default' in d ? (d as { default: unknown }).default : d;
}

function isRole(r: unknown): r is Role {
  return !!r && typeof r === 'object' && typeof (r as Role).name === 'string' && typeof (r as Role).plan === 'function';
}
