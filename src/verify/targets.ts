// What `play verify` checks on each host, read from the same variables the playbook's roles use:
// a host the containerd-trust role runs on is checked through containerd's certs.d, a host the
// docker-trust role runs on (a build host) through Docker's certs.d and skopeo, and each runtime
// node-trust writes trust for through that runtime's own location (under `container_runtime: auto`
// the runtimes are detected on the host first, as the role does).
import { basename } from 'node:path';
import { varsFor, type Prepared } from '../engine/load/prepare.js';
import type { Vars } from '../resources/role.js';
import { Secret } from '../secret.js';
import { containersDropinPath, rancherCaFile, rancherRegistriesYaml, runsContainerd, settingRuntimes, type Runtime as NodeRuntime, type RuntimeSetting } from '../facts/container-runtimes.js';

/** containerd (containerd-trust), build (docker-trust), and node-trust's other runtimes. */
export type Runtime = 'containerd' | 'build' | Exclude<NodeRuntime, 'containerd'>;

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
  /** A file the runtime reads that must exist and name `names` (registries.yaml, hosts.toml, a drop-in). */
  trustFile?: { path: string; names: string };
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
  /** node-trust hosts under `container_runtime: auto`: one target per runtime it could have; kept when detected. */
  detect: Array<{ host: string; candidates: Target[] }>;
  /** The build host that pushes the canary (inventory order; outside --limit too). */
  pusher?: Target;
  /** Where the site's CA is read for a canary pushed from the controller (the certs role's host). */
  ca?: { host: string; path: string };
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
  const detect: VerifyPlan['detect'] = [];
  const make = (host: string, runtime: Runtime, v: Vars, dns: Vars | undefined): Target => {
    const name = v.registry_name as string;
    const port = v.registry_port as number;
    const users = v.registry_users as Array<{ name: string; password: Secret }>;
    const user = (v.registry_pull_user as string | undefined) ?? users[0]!.name;
    const source = (dns?.dns_hosts_ip_source as string | undefined) ?? 'auto';
    const groups = (dns?.group_names as string[] | undefined) ?? [];
    const inCluster = groups.some((g) => ((dns?.dns_hosts_cluster_groups as string[] | undefined) ?? ['control_plane', 'workers']).includes(g));
    const { caFile, ...where } = trustLocation(runtime, v, `${name}:${port}`);
    return {
      host,
      runtime,
      name,
      port,
      caFile,
      ...where,
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
      if (c && runsContainerd(c.container_runtime as RuntimeSetting | undefined)) targets.push(make(host, 'containerd', c, dns));
      const d = roleVars(p, host, 'docker-trust');
      if (d) targets.push(make(host, 'build', d, dns));
      const n = roleVars(p, host, 'node-trust');
      if (n) {
        const setting = n.container_runtime as RuntimeSetting;
        const groups = (n.group_names as string[] | undefined) ?? [];
        // containerd is containerd-trust's; Docker on build hosts is docker-trust's (as in the role).
        const runtimes = settingRuntimes(setting).filter((r): r is Exclude<NodeRuntime, 'containerd'> => r !== 'containerd' && (r !== 'docker' || !groups.includes(n.node_trust_docker_group as string)));
        const made = runtimes.map((r) => make(host, r, n, dns));
        if (setting === 'auto') detect.push({ host, candidates: made });
        else targets.push(...made);
      }
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
  const anyWithoutIp = [...targets, ...detect.flatMap((d) => d.candidates)].some((t) => !t.registryIp);
  return { targets, detect, ...(pusher ? { pusher } : {}), ...(anyWithoutIp ? serviceLookup(p) : {}), ...caSource(p) };
}

/** The CA the certs role keeps on the control plane (for a canary pushed from the controller). */
function caSource(p: Prepared): { ca?: { host: string; path: string } } {
  for (const pp of p.plays) {
    const r = pp.roles.find((x) => x.entry.name === 'certs');
    const host = [...pp.targets, ...pp.readOnly][0];
    if (!r || !host) continue;
    return { ca: { host, path: `${varsFor(p, host, pp.play, r).vars.registry_cert_dir as string}/ca.crt` } };
  }
  return {};
}

/** Where each runtime reads its trust, from the variables of the role that writes it there. */
function trustLocation(runtime: Runtime, v: Vars, address: string): Pick<Target, 'caFile' | 'configFile' | 'certsDir' | 'trustFile'> {
  const inDir = (dir: string) => `${dir}/${address}/ca.crt`;
  switch (runtime) {
    case 'containerd':
      return { caFile: inDir(v.containerd_certs_dir as string), configFile: v.containerd_config_file as string, certsDir: v.containerd_certs_dir as string };
    case 'build':
      return { caFile: inDir(v.docker_certs_dir as string) };
    case 'docker':
      return { caFile: inDir(v.node_trust_docker_certs_dir as string) };
    case 'crio': {
      const dropin = v.node_trust_containers_dropin ? { trustFile: { path: containersDropinPath(v.node_trust_containers_dropin_dir as string, v.registry_name as string), names: address } } : {};
      return { caFile: inDir(v.node_trust_containers_certs_dir as string), ...dropin };
    }
    case 'microk8s': {
      const caFile = inDir(v.node_trust_microk8s_certs_dir as string);
      return { caFile, trustFile: { path: `${v.node_trust_microk8s_certs_dir as string}/${address}/hosts.toml`, names: caFile } };
    }
    case 'k3s':
    case 'rke2':
      return { caFile: rancherCaFile(runtime, address), trustFile: { path: rancherRegistriesYaml(runtime), names: rancherCaFile(runtime, address) } };
  }
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
