import { z } from 'zod';
import { absolutePath, containerRuntime, flag, parseVars, registryCore, secret } from '../_shared/vars.js';

const userName = z.string().min(1, 'must not be empty').regex(/^[^:\s]+$/, 'must not contain ":" or whitespace');
const argv = z.array(z.string().min(1)).min(1, 'must be a command as a list, e.g. [systemctl, restart, "{unit}"]');

const schema = registryCore.extend({
  container_runtime: containerRuntime,
  node_trust_containers_certs_dir: absolutePath,
  node_trust_containers_dropin: flag,
  node_trust_containers_dropin_dir: absolutePath,
  node_trust_docker_certs_dir: absolutePath,
  node_trust_docker_group: z.string().min(1),
  node_trust_microk8s_certs_dir: absolutePath,
  node_trust_rancher_auth: flag,
  node_trust_restart_command: argv.refine((a) => a.includes('{unit}'), 'must contain "{unit}" where the service name goes'),
  node_trust_kubelet_credentials: flag,
  node_trust_kubelet_config_path: absolutePath,
  registry_users: z.array(z.object({ name: userName, password: secret }).passthrough()).optional(),
}).superRefine((v, ctx) => {
  if (v.node_trust_kubelet_credentials && !v.registry_users?.length) {
    ctx.addIssue({ code: 'custom', path: ['registry_users'], message: 'is empty, so there is no pull credential for the kubelet config.json: set registry_users, or node_trust_kubelet_credentials: false' });
  }
});

export type NodeTrustVars = z.infer<typeof schema>;

export const readNodeTrustVars = (vars: Record<string, unknown>): NodeTrustVars => parseVars('node-trust', schema, vars);
