// Build hosts trust the registry (/etc/docker/certs.d/<address>/ca.crt; docker, skopeo and
// podman read it, no restart) and, optionally, log in to it: an auths entry in the build user's
// ~/.docker/config.json. Each address clients use: name:port, and the Ingress host when it is on.
import { posix } from 'node:path';
import type { Resource } from '../../src/resources/types.js';
import { markSecretText, Secret } from '../../src/secret.js';
import { registryCaPem } from '../_shared/pki.js';
import { registryAddresses } from '../_shared/vars.js';
import { dockerAuth, mergeDockerAuth, removeDockerAuth } from '../_shared/docker-config.js';
import { removeOwnedDir, staleIngressHost } from '../_shared/stale-ingress.js';
import { readDockerTrustVars, type DockerTrustVars } from './vars.js';
import { defineRole } from '../_shared/role.js';

function login(v: DockerTrustVars): { user: string; password: Secret } {
  if (v.docker_login_user && v.docker_login_password) return { user: v.docker_login_user, password: v.docker_login_password };
  const first = v.registry_users![0]!;
  return { user: first.name, password: first.password };
}

const caPath = (v: DockerTrustVars, address: string) => posix.join(v.docker_certs_dir, address, 'ca.crt');

const role = defineRole({
  name: 'docker-trust',
  vars: readDockerTrustVars,
  files: (v) => [...registryAddresses(v).map((a) => caPath(v, a)), ...(v.docker_login_enabled ? [v.docker_config_path] : [])],
  plan(v, ctx) {
    const addresses = registryAddresses(v);
    const stale = staleIngressHost(v);
    const caPem = registryCaPem(ctx);
    const resources: Resource[] = [
      { kind: 'directory', path: v.docker_certs_dir, mode: '0755' },
      ...addresses.flatMap((address): Resource[] => [
        { kind: 'directory', path: posix.dirname(caPath(v, address)), mode: '0755' },
        { kind: 'file', name: `docker CA for ${address}`, path: caPath(v, address), content: caPem, mode: '0644' },
      ]),
      ...(stale ? [removeOwnedDir(`docker trust for ${stale} removed (the Ingress is off)`, posix.dirname(caPath(v, stale)), { 'ca.crt': caPem })] : []),
    ];
    if (v.docker_login_enabled) {
      const { user, password } = login(v);
      const auth = dockerAuth(user, password.reveal());
      markSecretText(auth);
      const owner = v.docker_config_owner || undefined;
      const group = v.docker_config_group || undefined;
      resources.push(
        { kind: 'directory', path: posix.dirname(v.docker_config_path), owner, group },
        {
          kind: 'file',
          name: `docker login ${addresses.join(', ')}${stale ? `, not ${stale}` : ''} (${v.docker_config_path})`,
          path: v.docker_config_path,
          // the old Ingress host's entry goes only when it is regplay's (this credential, nothing else)
          edit: (current) =>
            new Secret(addresses.reduce<string | null>((doc, address) => mergeDockerAuth(doc, address, auth, v.docker_config_path), stale ? removeDockerAuth(current, stale, auth) : current)!, 'docker config.json'),
          mode: '0600',
          owner,
          group,
          sensitive: true,
        },
      );
    }
    return resources;
  },
});

export default role;
