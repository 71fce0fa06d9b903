import { z } from 'zod';
import { absolutePath, flag, parseVars, registryCore, secret } from '../_shared/vars.js';

const userName = z.string().min(1, 'must not be empty').regex(/^[^:\s]+$/, 'must not contain ":" or whitespace');

const schema = registryCore
  .extend({
    docker_certs_dir: absolutePath.transform((p) => p.replace(/(.)\/+$/, '$1')),
    docker_login_enabled: flag,
    docker_login_user: z.union([userName, z.literal(''), z.null()]).optional(),
    docker_login_password: z.union([secret, z.literal(''), z.null()]).optional(),
    registry_users: z.array(z.object({ name: userName, password: secret }).passthrough()).optional(),
    docker_config_path: absolutePath,
    docker_config_owner: z.union([z.string().min(1), z.literal(''), z.null()]).optional(),
    docker_config_group: z.union([z.string().min(1), z.literal(''), z.null()]).optional(),
  })
  .superRefine((v, ctx) => {
    if (!v.docker_login_enabled) return;
    if (v.docker_login_user && !v.docker_login_password) {
      ctx.addIssue({ code: 'custom', path: ['docker_login_password'], message: 'is required when docker_login_user is set (e.g. !env REGISTRY_PASSWORD)' });
    } else if (!v.docker_login_user && !v.registry_users?.length) {
      ctx.addIssue({ code: 'custom', path: ['docker_login_user'], message: 'is not set and registry_users is empty: set docker_login_user/docker_login_password, or docker_login_enabled: false' });
    }
  });

export type DockerTrustVars = z.infer<typeof schema>;

export const readDockerTrustVars = (vars: Record<string, unknown>): DockerTrustVars => parseVars('docker-trust', schema, vars);
