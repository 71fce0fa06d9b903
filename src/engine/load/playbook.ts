// Playbooks: a list of plays `{name?, hosts, vars?, vars_files?, roles, tags?}`.
import { existsSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { InputError, type Origin } from '../../errors.js';
import { layerFrom, mergeLayers, type VarLayer } from './vars.js';
import { loadYamlFile, originOf, originOfNode, type YamlOptions } from './yaml.js';

export interface RoleEntry {
  name: string;
  /** Role params (`vars:` of the entry plus any other keys), above play vars. */
  params: VarLayer;
  tags: string[];
  origin?: Origin;
}

export interface Play {
  name: string;
  hosts: string | string[];
  hostsOrigin?: Origin;
  vars: VarLayer;
  roles: RoleEntry[];
  tags: string[];
  origin?: Origin;
}

export interface Playbook {
  file: string;
  plays: Play[];
}

const playKeys = ['name', 'hosts', 'vars', 'vars_files', 'roles', 'tags'];

/** `play site.yaml` finds playbooks/site.yaml when site.yaml is not a path that exists. */
export function findPlaybook(arg: string, cwd: string, root: string): string {
  const candidates = [resolve(cwd, arg)];
  if (!isAbsolute(arg)) candidates.push(join(cwd, 'playbooks', arg), join(root, 'playbooks', arg));
  const withExt = candidates.flatMap((c) => (/\.ya?ml$/.test(c) ? [c] : [c, `${c}.yaml`, `${c}.yml`]));
  const found = withExt.find((c) => existsSync(c) && statSync(c).isFile());
  if (!found) {
    throw new InputError(`playbook ${arg} not found (looked for ${candidates.join(', ')})`, undefined, 'name a playbook file, e.g. `play site.yaml`');
  }
  return found;
}

export function loadPlaybook(file: string, opts: YamlOptions = {}): Playbook {
  const doc = loadYamlFile(file, opts);
  if (!Array.isArray(doc)) {
    throw new InputError('a playbook must be a list of plays (`- name: ...\\n  hosts: ...\\n  roles: [...]`)', originOfNode(doc) ?? { file, line: 1, col: 1 });
  }
  return { file, plays: doc.map((p, i) => parsePlay(p, originOf(doc, i) ?? { file }, file, opts)) };
}

function parsePlay(raw: unknown, origin: Origin, file: string, opts: YamlOptions): Play {
  if (!isObject(raw)) throw new InputError('a play must be a mapping with hosts: and roles:', origin);
  for (const key of Object.keys(raw)) {
    if (!playKeys.includes(key)) {
      throw new InputError(`'${key}' is not a valid key of a play`, originOf(raw, key), `a play has: ${playKeys.join(', ')}`);
    }
  }
  if (raw.hosts === undefined || raw.hosts === null || raw.hosts === '') throw new InputError('the play has no hosts:', origin, 'add e.g. `hosts: workers`');
  const hosts = raw.hosts;
  if (!(typeof hosts === 'string' || (Array.isArray(hosts) && hosts.every((h) => typeof h === 'string')))) {
    throw new InputError('hosts: must be a pattern string or a list of them', originOf(raw, 'hosts'));
  }
  const name = raw.name === undefined ? (Array.isArray(hosts) ? hosts.join(',') : hosts) : String(raw.name);
  let vars: VarLayer = { vars: {}, origins: {} };
  if (raw.vars !== undefined && raw.vars !== null) {
    if (!isObject(raw.vars)) throw new InputError('vars: must be a mapping', originOf(raw, 'vars'));
    vars = layerFrom(raw.vars);
  }
  if (raw.vars_files !== undefined && raw.vars_files !== null) {
    const list = Array.isArray(raw.vars_files) ? raw.vars_files : [raw.vars_files];
    const layers = list.map((f, i) => {
      const at = Array.isArray(raw.vars_files) ? originOf(raw.vars_files, i) : originOf(raw, 'vars_files');
      const path = resolve(dirname(file), String(f));
      if (!existsSync(path)) throw new InputError(`vars file ${String(f)} not found (${path})`, at);
      const v = loadYamlFile(path, opts);
      if (v !== null && !isObject(v)) throw new InputError('a vars file must be a mapping', originOfNode(v) ?? { file: path });
      return layerFrom((v ?? {}) as Record<string, unknown>, { file: path });
    });
    vars = mergeLayers([vars, ...layers]);
  }
  if (!Array.isArray(raw.roles) || raw.roles.length === 0) {
    throw new InputError('the play has no roles: (a list of role names)', originOf(raw, 'roles') ?? origin);
  }
  const roles = raw.roles.map((r, i) => parseRoleEntry(r, originOf(raw.roles, i) ?? origin));
  return { name, hosts, hostsOrigin: originOf(raw, 'hosts'), vars, roles, tags: parseTags(raw, origin), origin };
}

function parseRoleEntry(raw: unknown, origin: Origin): RoleEntry {
  if (typeof raw === 'string') return { name: raw, params: { vars: {}, origins: {} }, tags: [], origin };
  if (!isObject(raw) || typeof raw.role !== 'string') {
    throw new InputError('a role entry is a role name or a mapping with role: <name>', origin, 'e.g. `- role: certs` with optional vars: and tags:');
  }
  const { role, vars, tags: _tags, ...rest } = raw;
  if (vars !== undefined && vars !== null && !isObject(vars)) throw new InputError('vars: of a role entry must be a mapping', originOf(raw, 'vars'));
  const inline = layerFrom(rest);
  for (const k of Object.keys(rest)) if (originOf(raw, k)) inline.origins[k] = originOf(raw, k)!;
  const params = mergeLayers([inline, layerFrom((vars ?? {}) as Record<string, unknown>)]);
  return { name: role, params, tags: parseTags(raw, origin), origin: originOf(raw, 'role') ?? origin };
}

function parseTags(raw: Record<string, unknown>, origin: Origin): string[] {
  const t = raw.tags;
  if (t === undefined || t === null) return [];
  if (typeof t === 'string') return t.split(',').map((s) => s.trim()).filter(Boolean);
  if (Array.isArray(t) && t.every((x) => typeof x === 'string' || typeof x === 'number')) return t.map(String);
  throw new InputError('tags: must be a string or a list of strings', originOf(raw, 'tags') ?? origin);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
