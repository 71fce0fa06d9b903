import { isIP } from 'node:net';
import { z } from 'zod';
import { dnsName, flag, parseVars } from '../_shared/vars.js';

// Checked after '' and null: isIP('') compiles Node's IPv6 pattern, ~8 ms of every run's start.
const ip = z.string().refine((s) => isIP(s) !== 0, 'must be an IPv4 or IPv6 address');

export const dnsHostsVars = z.object({
  registry_name: dnsName,
  registry_ip: z.union([z.literal(''), z.null(), ip]).optional(),
  dns_hosts_file: z.string().regex(/^\/\S*$/, 'must be an absolute path'),
  dns_hosts_ip_source: z.enum(['auto', 'cluster_ip', 'external_ip']),
  dns_hosts_cluster_groups: z.array(z.string().min(1)),
  registry_ingress: flag.optional(),
  registry_ingress_host: dnsName.nullish(),
  registry_ingress_ip: z.union([z.literal(''), z.null(), ip]).optional(),
}).superRefine((v, ctx) => {
  if (v.registry_ingress && v.registry_ingress_ip && (v.registry_ingress_host ?? v.registry_name) === v.registry_name) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['registry_ingress_ip'], message: `needs a registry_ingress_host other than registry_name (${v.registry_name} maps to the Service): one name cannot point at two addresses` });
  }
});

export type DnsHostsVars = z.infer<typeof dnsHostsVars>;

export const readDnsHostsVars = (vars: Record<string, unknown>): DnsHostsVars => parseVars('dns-hosts', dnsHostsVars, vars);
