// Nodes resolve image names with their own resolver, not CoreDNS: an /etc/hosts line maps the
// registry name to the registry's address on every node.
import type { Role } from '../../src/resources/role.js';
import { registryAddressFor } from './address.js';
import { setHostsEntry } from './hosts-file.js';
import { readDnsHostsVars } from './vars.js';

const role: Role = {
  name: 'dns-hosts',
  validate(vars) {
    readDnsHostsVars(vars);
  },
  plan(ctx) {
    const v = readDnsHostsVars(ctx.vars);
    const address = registryAddressFor(ctx, v);
    return [
      {
        kind: 'file',
        name: `${v.dns_hosts_file}: ${v.registry_name} -> ${address}`,
        path: v.dns_hosts_file,
        edit: (current) => setHostsEntry(current, address, v.registry_name),
      },
    ];
  },
};

export default role;
