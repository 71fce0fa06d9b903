// Every node trusts the registry, whatever runs its containers: the runtimes are detected from facts
// read in the same round trip (`container_runtime: auto`) or set per host/group, and each gets its
// trust where it reads it. containerd itself is the containerd-trust role's (config_path + certs.d).
//   CRI-O/Podman/Buildah/Skopeo  /etc/containers/certs.d/<address>/ca.crt          read per pull
//                                (optional) registries.conf.d/regplay-<name>.conf  read per pull
//   Docker Engine (cri-dockerd)  /etc/docker/certs.d/<address>/ca.crt              read per pull
//   MicroK8s                     args/certs.d/<address>/{ca.crt,hosts.toml}         read per pull
//   k3s / RKE2                   registries.yaml configs.<address>.tls/auth + CA    read at start: restart
//   kubelet (optional)           /var/lib/kubelet/config.json auths.<address>       0600
// The Ingress turned off (registry_ingress: false, registry_ingress_host naming it): each of these for
// that host goes when it is exactly regplay's (the directory holds only regplay's files with regplay's
// content, the registries.yaml entry or the auths entry is exactly what regplay writes); the user's stay.
import { posix } from 'node:path';
import type { FactValues, Resource } from '../../src/resources/types.js';
import { markSecretText, Secret } from '../../src/secret.js';
import { registryCaPem } from '../_shared/pki.js';
import { registryAddresses } from '../_shared/vars.js';
import { defineRole } from '../_shared/role.js';
import { dockerAuth, mergeDockerAuth, removeDockerAuth } from '../_shared/docker-config.js';
import { hostsToml } from '../_shared/hosts-toml.js';
import { checkDropinConflicts, containersDropin, registriesConfQuery, type RegistriesConfFile } from './registries-conf.js';
import { rancherEntryOwner, removeRancherTrust, setRancherTrust, type RancherTrust } from './registries-yaml.js';
import { removeOwnedDir, staleIngressHost } from '../_shared/stale-ingress.js';
import { containersDropinPath, rancherCaFile, rancherRegistriesYaml, RANCHER_UNITS, settingRuntimes, type Runtime, type RuntimeFacts } from '../../src/facts/container-runtimes.js';
import { runtimeFactQuery } from './runtimes.js';
import { readNodeTrustVars, type NodeTrustVars } from './vars.js';

const FACT = 'node_runtimes';
const CONF_FACT = 'node_containers_registries_conf';
// MicroK8s's containerd reads certs.d on every pull; nodes only pull through it.
const MICROK8S_HOSTS_TOML = { role: 'node-trust', reader: 'MicroK8s containerd', capabilities: ['pull', 'resolve'] };
const restartHandler = (r: 'k3s' | 'rke2') => `restart ${r} (registries.yaml)`;
/** Whose registries.yaml entry for the old Ingress host is (rancherEntryOwner), read with the other facts. */
const staleEntryFact = (r: 'k3s' | 'rke2') => `node_${r}_stale_ingress_entry`;

/** The runtimes this role plans for: all of them under auto (each gated on the facts), else the ones set. */
function selected(v: NodeTrustVars): Runtime[] {
  return settingRuntimes(v.container_runtime).filter((r) => r !== 'containerd');
}

const detected = (facts: FactValues) => facts[FACT] as RuntimeFacts;
const rancherRuntimes = (v: NodeTrustVars) => selected(v).filter((r): r is 'k3s' | 'rke2' => r === 'k3s' || r === 'rke2');
const gate = (v: NodeTrustVars, r: Runtime) => (v.container_runtime === 'auto' ? { when: (f: FactValues) => detected(f).runtimes.includes(r) } : {});

const rancherDir = (r: 'k3s' | 'rke2') => `/etc/rancher/${r}`;

/** Per-address CA directories: the runtime's certs.d/<address>/ca.crt (+ hosts.toml for MicroK8s). */
function certsDir(v: NodeTrustVars, r: Runtime): string | undefined {
  if (r === 'crio') return v.node_trust_containers_certs_dir;
  if (r === 'docker') return v.node_trust_docker_certs_dir;
  if (r === 'microk8s') return v.node_trust_microk8s_certs_dir;
  return undefined;
}

/** Docker-trust already writes /etc/docker/certs.d on its build hosts: one owner per file. */
function runtimesFor(v: NodeTrustVars, groups: string[]): Runtime[] {
  return selected(v).filter((r) => r !== 'docker' || !groups.includes(v.node_trust_docker_group));
}

function files(v: NodeTrustVars, groups: string[]): string[] {
  const addresses = registryAddresses(v);
  const out = runtimesFor(v, groups).flatMap((r) => {
    const dir = certsDir(v, r);
    if (dir) return [...addresses.flatMap((a) => [posix.join(dir, a, 'ca.crt'), ...(r === 'microk8s' ? [posix.join(dir, a, 'hosts.toml')] : [])]), ...(r === 'crio' && v.node_trust_containers_dropin ? [containersDropinPath(v.node_trust_containers_dropin_dir, v.registry_name)] : [])];
    if (r === 'k3s' || r === 'rke2') return [rancherRegistriesYaml(r), ...addresses.map((a) => rancherCaFile(r, a))];
    return [];
  });
  return v.node_trust_kubelet_credentials ? [...out, v.node_trust_kubelet_config_path] : out;
}

function login(v: NodeTrustVars): { username: string; password: Secret } {
  const first = v.registry_users![0]!;
  return { username: first.name, password: first.password };
}

function certsDirTrust(v: NodeTrustVars, r: Runtime, dir: string, caPem: string): Resource[] {
  const when = gate(v, r);
  return [
    { kind: 'directory', path: dir, mode: '0755', ...when },
    ...registryAddresses(v).flatMap((address): Resource[] => {
      const ca = posix.join(dir, address, 'ca.crt');
      return [
        { kind: 'directory', path: posix.join(dir, address), mode: '0755', ...when },
        { kind: 'file', name: `${r} CA for ${address}`, path: ca, content: caPem, mode: '0644', ...when },
        ...(r === 'microk8s' ? [{ kind: 'file', name: `microk8s hosts.toml for ${address}`, path: posix.join(dir, address, 'hosts.toml'), content: hostsToml(address, ca, MICROK8S_HOSTS_TOML), mode: '0644', ...when } satisfies Resource] : []),
      ];
    }),
    ...[staleIngressHost(v)].filter((h): h is string => h !== undefined).map((host): Resource => {
      const ca = posix.join(dir, host, 'ca.crt');
      const owned: Record<string, string> = r === 'microk8s' ? { 'ca.crt': caPem, 'hosts.toml': hostsToml(host, ca, MICROK8S_HOSTS_TOML) } : { 'ca.crt': caPem };
      return { ...removeOwnedDir(`${r} trust for ${host} removed (the Ingress is off)`, posix.join(dir, host), owned), ...when };
    }),
  ];
}

/** The optional registries.conf.d drop-in (read per pull), refused when another file conflicts. */
function containersDropinTrust(v: NodeTrustVars): Resource[] {
  const when = gate(v, 'crio');
  const path = containersDropinPath(v.node_trust_containers_dropin_dir, v.registry_name);
  const addresses = registryAddresses(v);
  const content = containersDropin(addresses);
  return [
    { kind: 'directory', path: v.node_trust_containers_dropin_dir, mode: '0755', ...when },
    {
      kind: 'file',
      name: `containers registries.conf.d drop-in for ${addresses.join(', ')}`,
      path,
      edit: (_current, facts) => {
        checkDropinConflicts((facts[CONF_FACT] as RegistriesConfFile[] | undefined) ?? [], path, addresses);
        return content;
      },
      mode: '0644',
      ...when,
    },
  ];
}

/** The entry regplay wrote for the old Ingress host (its auth: whatever node_trust_rancher_auth was then). */
function staleRancherTrust(v: NodeTrustVars, r: 'k3s' | 'rke2'): RancherTrust | undefined {
  const host = staleIngressHost(v);
  if (host === undefined) return undefined;
  const auth = v.registry_users?.length ? login(v) : undefined;
  return { address: host, caFile: rancherCaFile(r, host), ...(auth ? { auth: { username: auth.username, password: auth.password.reveal() } } : {}) };
}

function rancherTrust(v: NodeTrustVars, r: 'k3s' | 'rke2', caPem: string): Resource[] {
  const when = gate(v, r);
  // Without registry_users (an anonymous registry) there is no credential to write.
  const auth = v.node_trust_rancher_auth && v.registry_users?.length ? login(v) : undefined;
  const file = rancherRegistriesYaml(r);
  const stale = staleRancherTrust(v, r);
  return [
    { kind: 'directory', path: rancherDir(r), mode: '0755', ...when },
    ...registryAddresses(v).flatMap((address): Resource[] => [
      { kind: 'directory', path: posix.dirname(rancherCaFile(r, address)), mode: '0755', ...when },
      { kind: 'file', name: `${r} CA for ${address}`, path: rancherCaFile(r, address), content: caPem, mode: '0644', ...when },
    ]),
    {
      kind: 'file',
      name: `${r} registries.yaml (${registryAddresses(v).join(', ')}${stale ? `, not ${stale.address}` : ''})`,
      path: file,
      edit: (current) => {
        const set = registryAddresses(v).reduce<string | null>(
          (doc, address) => setRancherTrust(doc, { address, caFile: rancherCaFile(r, address), ...(auth ? { auth: { username: auth.username, password: auth.password.reveal() } } : {}) }, file),
          current,
        )!;
        const text = stale ? removeRancherTrust(set, stale, file)! : set;
        return auth ? new Secret(text, 'registries.yaml') : text;
      },
      // Holds the pull credential when auth is on; k3s/RKE2 read it as root.
      mode: auth ? '0600' : undefined,
      sensitive: !!auth,
      backup: true,
      notify: [restartHandler(r)],
      ...when,
    },
    // the old host's CA goes with regplay's entry; an entry of the user's may still name it
    ...(stale
      ? [{
          ...removeOwnedDir(`${r} CA for ${stale.address} removed (the Ingress is off)`, posix.dirname(stale.caFile), { 'ca.crt': caPem }),
          when: (f: FactValues) => (when.when?.(f) ?? true) && f[staleEntryFact(r)] !== 'user',
        } satisfies Resource]
      : []),
  ];
}

function kubeletCredentials(v: NodeTrustVars): Resource[] {
  const { username, password } = login(v);
  const auth = dockerAuth(username, password.reveal());
  markSecretText(auth);
  const path = v.node_trust_kubelet_config_path;
  const stale = staleIngressHost(v);
  return [
    { kind: 'directory', path: posix.dirname(path) },
    {
      kind: 'file',
      name: `kubelet pull credential (${path})`,
      path,
      // the old Ingress host's entry goes only when it is exactly regplay's credential
      edit: (current) => {
        const kept = stale ? removeDockerAuth(current, stale, auth) : current;
        return new Secret(registryAddresses(v).reduce<string | null>((doc, a) => mergeDockerAuth(doc, a, auth, path, 'node_trust_kubelet_credentials: false'), kept)!, 'kubelet config.json');
      },
      mode: '0600',
      sensitive: true,
    },
  ];
}

const role = defineRole({
  name: 'node-trust',
  vars: readNodeTrustVars,
  files: (v, host) => files(v, host.groups),
  facts: (v) => ({
    [FACT]: runtimeFactQuery(v.container_runtime === 'auto'),
    ...(v.node_trust_containers_dropin ? { [CONF_FACT]: registriesConfQuery(v.node_trust_containers_dropin_dir) } : {}),
    ...Object.fromEntries(rancherRuntimes(v).flatMap((r) => {
      const stale = staleRancherTrust(v, r);
      // the file may hold credentials: only the verdict leaves the parser
      return stale ? [[staleEntryFact(r), { argv: ['sh', '-c', 'cat -- "$1" 2>/dev/null || true', 'sh', rancherRegistriesYaml(r)], parse: (stdout: string) => rancherEntryOwner(stdout, stale) }]] : [];
    })),
  }),
  plan(v, ctx) {
    const runtimes = runtimesFor(v, ctx.host.groups);
    const caPem = runtimes.length ? registryCaPem(ctx) : '';
    const resources = runtimes.flatMap((r): Resource[] => {
      const dir = certsDir(v, r);
      if (dir) return [...certsDirTrust(v, r, dir, caPem), ...(r === 'crio' && v.node_trust_containers_dropin ? containersDropinTrust(v) : [])];
      if (r === 'k3s' || r === 'rke2') return rancherTrust(v, r, caPem);
      return [];
    });
    return v.node_trust_kubelet_credentials ? [...resources, ...kubeletCredentials(v)] : resources;
  },
  handlers(v) {
    const handler = (r: 'k3s' | 'rke2'): Resource[] => {
      const units: readonly string[] = RANCHER_UNITS[r];
      return [
        ...units.map((unit): Resource => ({ kind: 'command', name: `restart ${unit}`, argv: v.node_trust_restart_command.map((a) => (a === '{unit}' ? unit : a)), when: (f) => detected(f).units.includes(unit) })),
        {
          kind: 'command',
          name: `restart ${r}: no unit found`,
          argv: ['sh', '-c', `echo "registries.yaml changed but no ${units.join(' or ')} systemd unit was found: restart ${r} by hand" >&2; exit 1`],
          when: (f) => !units.some((u) => detected(f).units.includes(u)),
        },
      ];
    };
    return { [restartHandler('k3s')]: handler('k3s'), [restartHandler('rke2')]: handler('rke2') };
  },
});

export default role;
