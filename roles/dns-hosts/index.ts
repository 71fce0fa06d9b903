// Nodes resolve image names with their own resolver, not CoreDNS: an /etc/hosts line maps the
// registry name to the registry's address on every node.
import { registryAddressFor } from './address.js';
import { setHostsEntry } from './hosts-file.js';
import { readDnsHostsVars } from './vars.js';
import { defineRole } from '../_shared/role.js';

const role = defineRole({
  name: 'dns-hosts',
  vars: readDnsHostsVars,
  files: (v) => [v.dns_hosts_file],
  namedGroups: (v) => ({ dns_hosts_cluster_groups: v.dns_hosts_cluster_groups }),
  plan(v, ctx) {
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
});

export default role;
