// Build hosts trust the registry (/etc/docker/certs.d/<name:port>/ca.crt; docker, skopeo and
// podman read it, no restart) and, optionally, log in to it: an auths entry in the build user's
// ~/.docker/config.json.
import { posix } from 'node:path';
import type { Resource } from '../../src/resources/types.js';
import { markSecretText, Secret } from '../../src/secret.js';
import { registryCaPem } from '../_shared/pki.js';
import { registryAddress } from '../_shared/vars.js';
import { dockerAuth, mergeDockerAuth } from './docker-config.js';
import { readDockerTrustVars, type DockerTrustVars } from './vars.js';
import { defineRole } from '../_shared/role.js';

function login(v: DockerTrustVars): { user: string; password: Secret } {
  if (v.docker_login_user && v.docker_login_password) return { user: v.docker_login_user, password: v.docker_login_password };
  const first = v.registry_users![0]!;
  return { user: first.name, password: first.password };
}

const caPath = (v: DockerTrustVars) => posix.join(v.docker_certs_dir, registryAddress(v), 'ca.crt');

const role = defineRole({
  name: 'docker-trust',
  vars: readDockerTrustVars,
  files: (v) => [caPath(v), ...(v.docker_login_enabled ? [v.docker_config_path] : [])],
  plan(v, ctx) {
    const address = registryAddress(v);
    const dir = posix.dirname(caPath(v));
    const resources: Resource[] = [
      { kind: 'directory', path: v.docker_certs_dir, mode: '0755' },
      { kind: 'directory', path: dir, mode: '0755' },
      { kind: 'file', name: `docker CA for ${address}`, path: caPath(v), content: registryCaPem(ctx), mode: '0644' },
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
          name: `docker login ${address} (${v.docker_config_path})`,
          path: v.docker_config_path,
          edit: (current) => new Secret(mergeDockerAuth(current, address, auth, v.docker_config_path), 'docker config.json'),
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
