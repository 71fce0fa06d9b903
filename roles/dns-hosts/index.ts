// Nodes resolve image names with their own resolver, not CoreDNS: an /etc/hosts line maps the
// registry name to the registry's address on every node, and, when registry_ingress_ip is given,
// another maps the Ingress host to its controller.
import { registryAddressFor } from './address.js';
import { removeHostsEntry, setHostsEntry } from './hosts-file.js';
import { readDnsHostsVars } from './vars.js';
import { ingressHost } from '../_shared/vars.js';
import { staleIngressHost } from '../_shared/stale-ingress.js';
import { defineRole } from '../_shared/role.js';

const role = defineRole({
  name: 'dns-hosts',
  vars: readDnsHostsVars,
  files: (v) => [v.dns_hosts_file],
  namedGroups: (v) => ({ dns_hosts_cluster_groups: v.dns_hosts_cluster_groups }),
  plan(v, ctx) {
    const address = registryAddressFor(ctx, v);
    // the Ingress host, when its controller's address is given (otherwise your DNS resolves it)
    const ingress = v.registry_ingress_ip ? ingressHost(v) : undefined;
    const ingressIp = v.registry_ingress_ip;
    // the Ingress turned off: regplay's own line for its host goes (registry_ingress_ip still names it)
    const stale = ingressIp ? staleIngressHost(v) : undefined;
    return [
      {
        kind: 'file',
        name: `${v.dns_hosts_file}: ${v.registry_name} -> ${address}${ingress ? `, ${ingress} -> ${ingressIp}` : ''}${stale ? `, not ${stale} -> ${ingressIp}` : ''}`,
        path: v.dns_hosts_file,
        edit: (current) => {
          const named = setHostsEntry(stale && ingressIp ? removeHostsEntry(current, ingressIp, stale) : current, address, v.registry_name);
          return ingress && ingressIp ? setHostsEntry(named, ingressIp, ingress) : named;
        },
      },
    ];
  },
});

export default role;
