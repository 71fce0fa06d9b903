// containerd trusts the registry: config_path in config.toml (one key, surgical edit, restart
// only when it changed) and certs.d/<address>/{ca.crt,hosts.toml} (read on every pull) for each
// address clients use: name:port, and the Ingress host when the Ingress is on. A host whose
// container_runtime is set without containerd (a CRI-O or Podman node) is left alone.
import { posix } from 'node:path';
import { StateError } from '../../src/errors.js';
import type { FactQuery, FactValues, Resource } from '../../src/resources/types.js';
import { registryCaPem } from '../_shared/pki.js';
import { registryAddresses } from '../_shared/vars.js';
import { hostsToml } from '../_shared/hosts-toml.js';
import { removeOwnedDir, staleIngressHost } from '../_shared/stale-ingress.js';
import { parseContainerdVersion } from './version.js';
import { setRegistryConfigPath } from './toml-edit.js';
import { readContainerdTrustVars, type ContainerdTrustVars } from './vars.js';
import { defineRole } from '../_shared/role.js';
import { runsContainerd } from '../../src/facts/container-runtimes.js';

const RESTART = 'restart containerd';

function newFileVersion(v: ContainerdTrustVars, facts: FactValues): () => 2 | 3 {
  return () => {
    if (v.containerd_config_version !== 'auto') return v.containerd_config_version;
    const installed = facts.containerd_version as ReturnType<typeof parseContainerdVersion> | undefined;
    if (!installed) {
      throw new StateError(
        `${v.containerd_config_file} is missing or empty and \`containerd --version\` failed, so the config version is unknown`,
        'install containerd first, or set containerd_config_version: 2 (containerd 1.x) or 3 (containerd 2.x)',
      );
    }
    return installed.major >= 2 ? 3 : 2;
  };
}

/** The trust directory for one registry address and its two files. */
function trustPaths(v: ContainerdTrustVars, address: string): { dir: string; ca: string; hostsToml: string } {
  const dir = posix.join(v.containerd_certs_dir, address);
  return { dir, ca: posix.join(dir, 'ca.crt'), hostsToml: posix.join(dir, 'hosts.toml') };
}

const role = defineRole({
  name: 'containerd-trust',
  vars: readContainerdTrustVars,
  files(v) {
    if (!runsContainerd(v.container_runtime)) return [];
    return [v.containerd_config_file, ...registryAddresses(v).flatMap((a) => [trustPaths(v, a).ca, trustPaths(v, a).hostsToml])];
  },
  facts(v): Record<string, FactQuery> {
    if (v.containerd_config_version !== 'auto' || !runsContainerd(v.container_runtime)) return {};
    // The version only matters for a missing or empty config.toml: skip starting containerd otherwise.
    const argv = ['sh', '-c', 'test -s "$1" || containerd --version', 'sh', v.containerd_config_file];
    return { containerd_version: { argv, parse: parseContainerdVersion } };
  },
  plan(v, ctx) {
    if (!runsContainerd(v.container_runtime)) return [];
    const caPem = registryCaPem(ctx);
    const resources: Resource[] = [
      // A node without /etc/containerd yet (containerd installed from a tarball) still gets its config.
      { kind: 'directory', path: posix.dirname(v.containerd_config_file) },
      {
        kind: 'file',
        name: `containerd config_path in ${v.containerd_config_file}`,
        path: v.containerd_config_file,
        edit: (current, facts) =>
          setRegistryConfigPath(current, { configPath: v.containerd_certs_dir, newFileVersion: newFileVersion(v, facts), file: v.containerd_config_file }),
        backup: true,
        notify: [RESTART],
      },
      { kind: 'directory', path: v.containerd_certs_dir, mode: '0755' },
      ...registryAddresses(v).flatMap((address): Resource[] => {
        const { dir, ca, hostsToml: hostsTomlPath } = trustPaths(v, address);
        return [
          { kind: 'directory', path: dir, mode: '0755' },
          { kind: 'file', name: `containerd CA for ${address}`, path: ca, content: caPem, mode: '0644' },
          { kind: 'file', name: `containerd hosts.toml for ${address}`, path: hostsTomlPath, content: hostsToml(address, ca, { role: 'containerd-trust' }), mode: '0644' },
        ];
      }),
      ...[staleIngressHost(v)].filter((h): h is string => h !== undefined).map((host) => {
        const { dir, ca } = trustPaths(v, host);
        return removeOwnedDir(`containerd trust for ${host} removed (the Ingress is off)`, dir, { 'ca.crt': caPem, 'hosts.toml': hostsToml(host, ca, { role: 'containerd-trust' }) });
      }),
    ];
    return resources;
  },
  handlers(v, ctx) {
    return { [RESTART]: [{ kind: 'command', name: RESTART, argv: v.containerd_restart_command }] };
  },
});

export default role;
