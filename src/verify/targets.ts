// What `play verify` checks on each host, read from the same variables the playbook's roles use:
// a host the containerd-trust role runs on is checked through containerd's certs.d, a host the
// docker-trust role runs on (a build host) through Docker's certs.d and skopeo.
import { basename } from 'node:path';
import { varsFor, type Prepared } from '../engine/load/prepare.js';
import type { Vars } from '../resources/role.js';
import { Secret } from '../secret.js';

export type Runtime = 'containerd' | 'build';

export interface Target {
  host: string;
  runtime: Runtime;
  name: string;
  port: number;
  /** The CA file in this runtime's own trust location. */
  caFile: string;
  /** containerd: its config file and the certs.d directory config_path must name. */
  configFile?: string;
  certsDir?: string;
  /** registry_ip, or null: the address comes from the registry Service (read on the control plane). */
  registryIp: string | null;
  ipSource: 'cluster_ip' | 'external_ip';
  renewDays: number;
  user: string;
  password: Secret;
  /** Every registry user (registry_users). */
  users: Array<{ name: string; password: Secret }>;
  /** The fix a failure points at, e.g. "play site.yaml --limit w2". */
  fix: string;
}

export interface ServiceLookup {
  host: string;
  kubectl: string;
  kubeconfig: string | null;
  namespace: string;
  service: string;
}

export interface VerifyPlan {
  targets: Target[];
  /** The build host that pushes the canary (inventory order; outside --limit too). */
  pusher?: Target;
  /** Where the registry Service's address is read, when some host has no registry_ip. */
  service?: ServiceLookup;
}

/** The vars of `host` as the first play that runs `role` on it sees them. */
function roleVars(p: Prepared, host: string, role: string, inLimit = true): Vars | undefined {
  for (const pp of p.plays) {
    const hosts = inLimit ? pp.targets : [...pp.targets, ...pp.readOnly];
    if (!hosts.includes(host)) continue;
    const r = pp.roles.find((x) => x.entry.name === role);
    if (r) return varsFor(p, host, pp.play, r).vars;
  }
  return undefined;
}

export function verifyPlan(p: Prepared): VerifyPlan {
  const book = basename(p.playbook.file);
  const targets: Target[] = [];
  const make = (host: string, runtime: Runtime, v: Vars, dns: Vars | undefined): Target => {
    const name = v.registry_name as string;
    const port = v.registry_port as number;
    const users = v.registry_users as Array<{ name: string; password: Secret }>;
    const user = (v.registry_pull_user as string | undefined) ?? users[0]!.name;
    const source = (dns?.dns_hosts_ip_source as string | undefined) ?? 'auto';
    const groups = (dns?.group_names as string[] | undefined) ?? [];
    const inCluster = groups.some((g) => ((dns?.dns_hosts_cluster_groups as string[] | undefined) ?? ['control_plane', 'workers']).includes(g));
    const dir = runtime === 'containerd' ? (v.containerd_certs_dir as string) : (v.docker_certs_dir as string);
    return {
      host,
      runtime,
      name,
      port,
      caFile: `${dir}/${name}:${port}/ca.crt`,
      ...(runtime === 'containerd' ? { configFile: v.containerd_config_file as string, certsDir: dir } : {}),
      registryIp: (dns?.registry_ip as string | undefined) || null,
      ipSource: source === 'auto' ? (inCluster ? 'cluster_ip' : 'external_ip') : (source as Target['ipSource']),
      renewDays: (v.cert_renew_days as number | undefined) ?? 30,
      user,
      password: users.find((u) => u.name === user)?.password ?? users[0]!.password,
      users,
      fix: `play ${book} --limit ${host}`,
    };
  };
  const limited = new Set(p.plays.flatMap((pp) => pp.targets));
  for (const host of p.inventory.hosts.keys()) {
    const dns = roleVars(p, host, 'dns-hosts', false);
    if (limited.has(host)) {
      const c = roleVars(p, host, 'containerd-trust');
      if (c) targets.push(make(host, 'containerd', c, dns));
      const d = roleVars(p, host, 'docker-trust');
      if (d) targets.push(make(host, 'build', d, dns));
    }
  }
  let pusher = targets.find((t) => t.runtime === 'build');
  if (!pusher) {
    for (const host of p.inventory.hosts.keys()) {
      const d = roleVars(p, host, 'docker-trust', false);
      if (d) {
        pusher = make(host, 'build', d, roleVars(p, host, 'dns-hosts', false));
        break;
      }
    }
  }
  return { targets, ...(pusher ? { pusher } : {}), ...(targets.some((t) => !t.registryIp) ? serviceLookup(p) : {}) };
}

function serviceLookup(p: Prepared): { service?: ServiceLookup } {
  for (const pp of p.plays) {
    const r = pp.roles.find((x) => x.entry.name === 'k8s-apply');
    const host = [...pp.targets, ...pp.readOnly][0];
    if (!r || !host) continue;
    const v = varsFor(p, host, pp.play, r).vars;
    if (v.k8s_apply_from === 'controller') continue; // read on the control plane only
    return { service: { host, kubectl: v.kubectl_path as string, kubeconfig: (v.kubeconfig as string | null) ?? null, namespace: v.registry_namespace as string, service: v.registry_app_name as string } };
  }
  return {};
}
