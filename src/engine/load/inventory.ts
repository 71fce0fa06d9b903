// Ansible's YAML inventory shape, plus group_vars/ and host_vars/ beside the file.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { formatOrigin, InputError, type Origin } from '../../errors.js';
import { expandHome } from '../../paths.js';
import { isSecret, type Secret } from '../../secret.js';
import { isSecretVariable } from '../../secret-vars.js';
import { HOST_KEY_CHECKING_HELP, hostKeyCheckingOf, type HostKeyChecking } from '../../transports/host-key-checking.js';
import { checkReadableFile, MAX_KNOWN_HOSTS_BYTES } from './read-input.js';
import { layerFrom, mergeLayers, type VarLayer } from './vars.js';
import { loadYamlFile, originOf, originOfNode, type YamlOptions } from './yaml.js';

/** How to reach a host; the transports get exactly this. */
export interface ConnectionParams {
  /** Inventory name (cp1). */
  name: string;
  /** Address or ~/.ssh/config alias (defaults to the inventory name). */
  host: string;
  /** Unset: ~/.ssh/config's Port, else 22. */
  port?: number;
  user?: string;
  /** Absolute path of the private key file (checked readable at load time). */
  sshKey?: string;
  /** Absolute path of a known_hosts file to check host keys against. */
  knownHosts?: string;
  hostKeyChecking: HostKeyChecking;
  become: boolean;
  /** sudo's password, when sudo asks for one (reaches the host on stdin only). */
  becomePassword?: Secret;
  transport: 'ssh' | 'local';
}

/** Connection settings given on the command line (-u, --private-key, -b): they win over the inventory. */
export interface ConnectionOverrides {
  user?: string;
  /** As typed; resolved against the working directory. */
  privateKey?: string;
  become?: boolean;
}

export interface GroupDef {
  name: string;
  parents: string[];
  children: string[];
  /** Hosts listed directly under this group. */
  hosts: string[];
  vars: VarLayer;
  /** What `vars` merges, lowest first (each inline `vars:`, then group_vars/): the connection settings pick per layer. */
  layers: VarLayer[];
  origin?: Origin;
}

export interface HostDef {
  name: string;
  /** Every group the host belongs to, ancestors included ('all' first). */
  groups: string[];
  vars: VarLayer;
  /** What `vars` merges, lowest first (each definition, then host_vars/). */
  layers: VarLayer[];
  origin?: Origin;
}

export interface Inventory {
  file: string;
  groups: Map<string, GroupDef>;
  /** Inventory order. */
  hosts: Map<string, HostDef>;
}

const connectionKeys: Record<string, keyof Omit<ConnectionParams, 'name'>> = {
  ansible_host: 'host',
  host: 'host',
  ansible_port: 'port',
  port: 'port',
  ansible_user: 'user',
  user: 'user',
  ansible_ssh_private_key_file: 'sshKey',
  ssh_key: 'sshKey',
  known_hosts: 'knownHosts',
  host_key_checking: 'hostKeyChecking',
  ansible_become: 'become',
  become: 'become',
  ansible_become_password: 'becomePassword',
  ansible_become_pass: 'becomePassword',
  become_password: 'becomePassword',
  ansible_connection: 'transport',
  transport: 'transport',
};

/** Every variable name the connection settings read. */
export const CONNECTION_VARIABLES: readonly string[] = Object.keys(connectionKeys);

const groupKeys = new Set(['hosts', 'vars', 'children']);

export function loadInventory(file: string, opts: YamlOptions = {}): Inventory {
  const path = resolve(file);
  if (!existsSync(path)) {
    throw new InputError(`inventory ${file} not found`, undefined, 'pass one with -i FILE (see inventory.yaml for the format)');
  }
  const doc = loadYamlFile(path, opts) ?? {};
  if (!isObject(doc)) throw new InputError('inventory must be a mapping with a top-level `all:`', originOfNode(doc) ?? { file: path });
  for (const top of Object.keys(doc)) {
    if (top !== 'all') {
      throw new InputError(`unexpected top-level key '${top}' in inventory`, originOf(doc, top), 'put groups under all: { children: { <group>: ... } }');
    }
  }
  const inv: Inventory = { file: path, groups: new Map(), hosts: new Map() };
  const hostDefs = new Map<string, Array<{ vars: Record<string, unknown>; origin?: Origin }>>();
  walkGroup(inv, hostDefs, 'all', doc.all ?? {}, undefined, originOf(doc, 'all'));
  return finish(inv, hostDefs, opts);
}

function walkGroup(
  inv: Inventory,
  hostDefs: Map<string, Array<{ vars: Record<string, unknown>; origin?: Origin }>>,
  name: string,
  body: unknown,
  parent: string | undefined,
  origin: Origin | undefined,
): void {
  if (body === null) body = {};
  if (!isObject(body)) throw new InputError(`group ${name} must be a mapping (hosts, vars, children)`, origin);
  for (const key of Object.keys(body)) {
    if (!groupKeys.has(key)) {
      throw new InputError(`unexpected key '${key}' in group ${name}`, originOf(body, key), 'a group has only hosts:, vars: and children:');
    }
  }
  let group = inv.groups.get(name);
  if (!group) {
    group = { name, parents: [], children: [], hosts: [], vars: { vars: {}, origins: {} }, layers: [], origin };
    inv.groups.set(name, group);
  }
  if (parent && !group.parents.includes(parent)) group.parents.push(parent);
  if (parent) {
    const p = inv.groups.get(parent)!;
    if (!p.children.includes(name)) p.children.push(name);
  }
  if (body.vars !== undefined && body.vars !== null) {
    if (!isObject(body.vars)) throw new InputError(`vars of group ${name} must be a mapping`, originOf(body, 'vars'));
    group.layers.push(layerFrom(body.vars));
    group.vars = mergeLayers(group.layers);
  }
  if (body.hosts !== undefined && body.hosts !== null) {
    if (!isObject(body.hosts)) throw new InputError(`hosts of group ${name} must be a mapping of host names`, originOf(body, 'hosts'));
    for (const [hostName, hostBody] of Object.entries(body.hosts)) {
      const hostOrigin = originOf(body.hosts, hostName);
      if (inv.groups.has(hostName)) throw new InputError(`host ${hostName} has the name of a group`, hostOrigin);
      if (hostBody !== null && !isObject(hostBody)) throw new InputError(`host ${hostName} must be a mapping of variables (or empty)`, hostOrigin);
      if (!group.hosts.includes(hostName)) group.hosts.push(hostName);
      const defs = hostDefs.get(hostName) ?? [];
      defs.push({ vars: (hostBody ?? {}) as Record<string, unknown>, origin: hostOrigin });
      hostDefs.set(hostName, defs);
    }
  }
  if (body.children !== undefined && body.children !== null) {
    if (!isObject(body.children)) throw new InputError(`children of group ${name} must be a mapping of groups`, originOf(body, 'children'));
    for (const [child, childBody] of Object.entries(body.children)) {
      const childOrigin = originOf(body.children, child);
      if (hostDefs.has(child)) throw new InputError(`group ${child} has the name of a host`, childOrigin);
      if (isAncestor(inv, child, name)) throw new InputError(`group ${child} would contain itself`, childOrigin);
      walkGroup(inv, hostDefs, child, childBody, name, childOrigin);
    }
  }
}

function isAncestor(inv: Inventory, candidate: string, of: string): boolean {
  if (candidate === of) return true;
  return inv.groups.get(of)!.parents.some((p) => isAncestor(inv, candidate, p));
}

function finish(
  inv: Inventory,
  hostDefs: Map<string, Array<{ vars: Record<string, unknown>; origin?: Origin }>>,
  opts: YamlOptions,
): Inventory {
  const dir = dirname(inv.file);
  for (const group of inv.groups.values()) {
    const file = varsFile(join(dir, 'group_vars'), group.name);
    if (file) {
      group.layers.push(layerFrom(loadVarsFile(file, opts)));
      group.vars = mergeLayers(group.layers);
    }
  }
  const ungrouped: string[] = inv.groups.get('all')!.hosts;
  if (ungrouped.length) {
    inv.groups.set('ungrouped', { name: 'ungrouped', parents: ['all'], children: [], hosts: [...ungrouped], vars: { vars: {}, origins: {} }, layers: [] });
  }
  for (const [name, defs] of hostDefs) {
    checkConflicts(name, defs);
    const layers = defs.map((d) => layerFrom(d.vars));
    const file = varsFile(join(dir, 'host_vars'), name);
    if (file) layers.push(layerFrom(loadVarsFile(file, opts)));
    inv.hosts.set(name, { name, groups: groupsOf(inv, name), vars: mergeLayers(layers), layers, origin: defs[0]!.origin });
  }
  for (const host of inv.hosts.values()) connectionOf(inv, host.name, opts.env);
  return inv;
}

function checkConflicts(name: string, defs: Array<{ vars: Record<string, unknown>; origin?: Origin }>): void {
  const seen = new Map<string, { value: unknown; origin?: Origin }>();
  for (const def of defs) {
    for (const [key, field] of Object.entries(connectionKeys)) {
      if (!(key in def.vars)) continue;
      const value = def.vars[key];
      const prev = seen.get(field);
      if (prev && String(prev.value) !== String(value)) {
        // A become password given in plain text is refused later; its value is never echoed, here neither.
        const shown = (v: unknown): string => (isSecretVariable(key) || isSecret(v) ? '***' : String(v));
        throw new InputError(
          `duplicate host ${name} with conflicting ${key}: ${shown(value)} here, ${shown(prev.value)} at ${formatOrigin(prev.origin)}`,
          originOf(def.vars, key),
          'define the host once with its connection settings; list it elsewhere with an empty body (`w1:`)',
        );
      }
      seen.set(field, { value, origin: originOf(def.vars, key) });
    }
  }
}

function loadVarsFile(file: string, opts: YamlOptions): Record<string, unknown> {
  const v = loadYamlFile(file, opts);
  if (v === null) return {};
  if (!isObject(v)) throw new InputError('a vars file must be a mapping', originOfNode(v) ?? { file });
  return v;
}

function varsFile(dir: string, name: string): string | undefined {
  for (const ext of ['.yaml', '.yml', '']) {
    const f = join(dir, name + ext);
    if (existsSync(f)) return f;
  }
  return undefined;
}

/** The host's groups, ancestors first ('all' first, then parents before children, siblings alphabetical). */
export function groupsOf(inv: Inventory, host: string): string[] {
  const direct = [...inv.groups.values()].filter((g) => g.hosts.includes(host)).map((g) => g.name);
  const all = new Set<string>();
  const add = (g: string) => {
    if (all.has(g)) return;
    all.add(g);
    for (const p of inv.groups.get(g)!.parents) add(p);
  };
  direct.forEach(add);
  all.add('all');
  const depth = (g: string): number => {
    const parents = inv.groups.get(g)!.parents;
    return parents.length ? 1 + Math.max(...parents.map(depth)) : 0;
  };
  return [...all].sort((a, b) => depth(a) - depth(b) || a.localeCompare(b));
}

/** Group name → every host in it (descendant groups included), in inventory order. */
export function groupMembers(inv: Inventory): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const g of inv.groups.keys()) out[g] = [];
  for (const host of inv.hosts.values()) for (const g of host.groups) out[g]!.push(host.name);
  return out;
}

/** The host's inventory variables (all → groups → host), with origins. */
export function inventoryVars(inv: Inventory, host: string): VarLayer {
  const def = inv.hosts.get(host);
  if (!def) return { vars: {}, origins: {} };
  return mergeLayers([...def.groups.map((g) => inv.groups.get(g)!.vars), def.vars]);
}

/**
 * Connection settings from the host's inventory vars; bad values are InputErrors. Each setting comes
 * from the highest layer (all → groups → host, group_vars/ and host_vars/ above the inline ones) that
 * sets it in any spelling, as in Ansible, where a host's `ansible_host` beats a group's; within one
 * layer the later spelling in the table wins; null is no value.
 */
export function connectionOf(inv: Inventory, host: string, env: NodeJS.ProcessEnv = process.env): ConnectionParams {
  const def = inv.hosts.get(host);
  const layers = def ? [...def.groups.flatMap((g) => inv.groups.get(g)!.layers), ...def.layers] : [];
  const pick = (field: string): { value: unknown; key: string; origin?: Origin } | undefined => {
    let found: { value: unknown; key: string; origin?: Origin } | undefined;
    for (const { vars, origins } of layers) {
      for (const [key, f] of Object.entries(connectionKeys)) {
        if (f === field && key in vars && vars[key] !== null) found = { value: vars[key], key, origin: origins[key] };
      }
    }
    return found;
  };
  const dir = dirname(inv.file);

  const text = (p: { value: unknown; key: string; origin?: Origin }): string => {
    if (typeof p.value === 'string' && p.value !== '') return p.value;
    throw new InputError(`host ${host}: ${p.key} must be a non-empty string (got ${describeType(p.value)})`, p.origin);
  };

  const portV = pick('port');
  let port: number | undefined;
  if (portV) {
    if (typeof portV.value !== 'number' || !Number.isInteger(portV.value)) {
      throw new InputError(`host ${host}: ${portV.key} must be a whole number 1-65535 (got ${describeType(portV.value)})`, portV.origin);
    }
    port = portV.value;
    if (port < 1 || port > 65535) throw new InputError(`host ${host}: ${portV.key} ${port} is out of range (1-65535)`, portV.origin);
  }
  const hkc = pick('hostKeyChecking');
  let hostKeyChecking: HostKeyChecking = 'strict';
  if (hkc) {
    const v = hostKeyCheckingOf(hkc.value);
    if (!v) throw new InputError(`host ${host}: host_key_checking must be ${HOST_KEY_CHECKING_HELP} (got ${JSON.stringify(hkc.value)})`, hkc.origin);
    hostKeyChecking = v;
  }
  const tr = pick('transport');
  let transport: 'ssh' | 'local' = 'ssh';
  if (tr) {
    if (tr.value !== 'ssh' && tr.value !== 'local') throw new InputError(`host ${host}: transport must be ssh or local (got ${JSON.stringify(tr.value)})`, tr.origin);
    transport = tr.value;
  }
  const bc = pick('become');
  let become = false;
  if (bc) {
    const v = BECOME_SPELLINGS.get(bc.value);
    if (v === undefined) throw new InputError(`host ${host}: become must be true or false (got ${JSON.stringify(bc.value)})`, bc.origin);
    become = v;
  }
  const pwV = pick('becomePassword');
  if (pwV && !isSecret(pwV.value)) {
    throw new InputError(`host ${host}: ${pwV.key} must be a secret, not plain text`, pwV.origin, `write it as \`${pwV.key}: !env NAME\` or \`${pwV.key}: !file path\``);
  }
  if (pwV && /[\r\n]/.test((pwV.value as Secret).reveal())) {
    throw new InputError(`host ${host}: ${pwV.key} must be one line (sudo reads one line)`, pwV.origin, 'remove the line break (a !file keeps its trailing newline out already)');
  }
  const keyV = pick('sshKey');
  let sshKey: string | undefined;
  if (keyV) {
    sshKey = resolve(dir, expandHome(text(keyV), env));
    checkReadableFile(sshKey, `host ${host}: ssh key`, keyV.origin, 'fix the path in ssh_key, or remove it to use ssh-agent');
  }
  const khV = pick('knownHosts');
  let knownHosts: string | undefined;
  if (khV) {
    knownHosts = resolve(dir, expandHome(text(khV), env));
    if (existsSync(knownHosts)) checkReadableFile(knownHosts, `host ${host}: known_hosts`, khV.origin, undefined, MAX_KNOWN_HOSTS_BYTES);
  }
  const hostV = pick('host');
  const userV = pick('user');
  return {
    name: host,
    host: hostV ? text(hostV) : host,
    port,
    user: userV ? text(userV) : undefined,
    sshKey,
    knownHosts,
    hostKeyChecking,
    become,
    ...(pwV ? { becomePassword: pwV.value as Secret } : {}),
    transport,
  };
}

const BECOME_SPELLINGS: ReadonlyMap<unknown, boolean> = new Map<unknown, boolean>([
  [true, true],
  ['true', true],
  ['yes', true],
  [false, false],
  ['false', false],
  ['no', false],
]);

/** A value's type in words, for errors that must not echo the value itself. */
export function describeType(v: unknown): string {
  if (v === null || v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return isSecret(v) ? 'a secret' : 'a mapping';
  if (typeof v === 'string') return v === '' ? 'an empty string' : `the string ${JSON.stringify(v)}`;
  return `${typeof v === 'boolean' ? 'the boolean' : 'the number'} ${String(v)}`;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
