// The lab inventory in the runner's (Ansible YAML) shape. No vars: tests bring their own
// (group_vars/ beside the file, or -e).
import { writeFileSync } from 'node:fs';
import { stringify } from 'yaml';

export interface InventoryHost {
  name: string;
  address: string;
  groups: string[];
}

export function writeInventory(path: string, hosts: InventoryHost[], keyPath: string, knownHostsPath: string): void {
  const children: Record<string, { hosts: Record<string, unknown> }> = {};
  for (const h of hosts) {
    for (const g of h.groups) {
      children[g] ??= { hosts: {} };
      children[g].hosts[h.name] = { host: h.address, port: 22, user: 'root', ssh_key: keyPath, known_hosts: knownHostsPath };
    }
  }
  const header = '# Written by the lab (test/lab); removed by `npm run lab:down`.\n';
  writeFileSync(path, header + stringify({ all: { children } }));
}
