// The lab inventory (regplay's YAML, Ansible's shape: host/port/user/ssh_key/known_hosts per host)
// turned into an Ansible inventory that reaches the same hosts with the same key and known_hosts.
import { resolve } from 'node:path';
import { quote } from '../src/transports/shell.js';

type Vars = Record<string, unknown>;
interface GroupNode {
  vars?: Vars | null;
  hosts?: Record<string, Vars | null> | null;
  children?: Record<string, GroupNode | null> | null;
}

export interface LabHost {
  name: string;
  groups: string[];
  vars: Vars;
}

/** Every host with its groups and merged vars (all.vars → parent group → child group → host). */
export function flattenInventory(inventory: unknown): LabHost[] {
  const root = (inventory as { all?: GroupNode } | null)?.all;
  if (!root) throw new Error('lab inventory has no `all` group');
  const hosts = new Map<string, LabHost>();
  const walk = (group: GroupNode, name: string, inherited: Vars, path: string[]) => {
    const vars = { ...inherited, ...(group.vars ?? {}) };
    const groups = name === 'all' ? path : [...path, name];
    for (const [host, hostVars] of Object.entries(group.hosts ?? {})) {
      const known = hosts.get(host) ?? { name: host, groups: [], vars: {} };
      known.groups = [...new Set([...known.groups, ...groups])];
      known.vars = { ...vars, ...known.vars, ...(hostVars ?? {}) };
      hosts.set(host, known);
    }
    for (const [child, node] of Object.entries(group.children ?? {})) walk(node ?? {}, child, vars, groups);
  };
  walk(root, 'all', {}, []);
  return [...hosts.values()];
}

function pick(vars: Vars, ...keys: string[]): string | undefined {
  for (const k of keys) if (vars[k] !== undefined && vars[k] !== null) return String(vars[k]);
  return undefined;
}

/** Ansible's YAML inventory for the same hosts and groups, connection settings only. */
export function toAnsibleInventory(inventory: unknown, inventoryDir: string): { all: { vars: Vars; hosts: Record<string, Vars>; children: Record<string, { hosts: Record<string, null> }> } } {
  const hosts: Record<string, Vars> = {};
  const children: Record<string, { hosts: Record<string, null> }> = {};
  for (const h of flattenInventory(inventory)) {
    const address = pick(h.vars, 'ansible_host', 'host') ?? h.name;
    const knownHostsSetting = pick(h.vars, 'known_hosts');
    const keySetting = pick(h.vars, 'ansible_ssh_private_key_file', 'ssh_key', 'key');
    const knownHosts = knownHostsSetting && resolve(inventoryDir, knownHostsSetting);
    const key = keySetting && resolve(inventoryDir, keySetting);
    const sshArgs = ['-o IdentitiesOnly=yes'];
    if (knownHosts) sshArgs.push(`-o UserKnownHostsFile=${quote(knownHosts)}`, '-o StrictHostKeyChecking=yes');
    const vars: Vars = { ansible_host: address, ansible_ssh_common_args: sshArgs.join(' ') };
    const port = pick(h.vars, 'ansible_port', 'port');
    if (port) vars.ansible_port = Number(port);
    const user = pick(h.vars, 'ansible_user', 'user');
    if (user) vars.ansible_user = user;
    if (key) vars.ansible_ssh_private_key_file = key;
    hosts[h.name] = vars;
    for (const g of h.groups) (children[g] ??= { hosts: {} }).hosts[h.name] = null;
  }
  return { all: { vars: { ansible_python_interpreter: '/usr/bin/python3' }, hosts, children } };
}
