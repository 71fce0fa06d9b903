// Which address a host should use for the registry name: an explicit registry_ip, else the
// registry Service that k8s-apply left (roles/_shared/k8s.ts): its clusterIP for cluster nodes,
// its first externalIP for hosts outside the cluster, which cannot route to cluster IPs.
import { StateError } from '../../src/errors.js';
import type { RoleContext } from '../../src/resources/role.js';
import { registryService } from '../_shared/k8s.js';
import type { DnsHostsVars } from './vars.js';

export function registryAddressFor(ctx: RoleContext, v: DnsHostsVars): string {
  if (v.registry_ip) return v.registry_ip;
  const svc = registryService(ctx);
  const inCluster = ctx.host.groups.some((g) => v.dns_hosts_cluster_groups.includes(g));
  const source = v.dns_hosts_ip_source === 'auto' ? (inCluster ? 'cluster_ip' : 'external_ip') : v.dns_hosts_ip_source;
  if (source === 'cluster_ip') return svc.clusterIP;
  const external = svc.externalIPs[0];
  if (!external) {
    throw new StateError(
      `the registry Service ${svc.namespace}/${svc.name} has no externalIPs, and ${ctx.host.name} is outside the cluster (it cannot route to the clusterIP ${svc.clusterIP})`,
      `set registry_external_ips (k8s-apply), or registry_ip for ${ctx.host.name}, or dns_hosts_ip_source: cluster_ip if it can reach cluster IPs`,
    );
  }
  return external;
}
