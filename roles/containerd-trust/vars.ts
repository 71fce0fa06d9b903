import { z } from 'zod';
import { absolutePath, containerRuntime, parseVars, registryCore } from '../_shared/vars.js';

const argv = z.array(z.string().min(1)).min(1, 'must be a command as a list, e.g. [systemctl, restart, containerd]');

export const containerdTrustVars = registryCore.extend({
  containerd_config_file: absolutePath,
  containerd_certs_dir: absolutePath.transform((p) => p.replace(/(.)\/+$/, '$1')),
  containerd_restart_command: argv,
  container_runtime: containerRuntime,
  containerd_config_version: z.union([z.literal(2), z.literal(3), z.literal('auto')], { errorMap: () => ({ message: 'must be auto, 2 or 3' }) }),
});

export type ContainerdTrustVars = z.infer<typeof containerdTrustVars>;

export const readContainerdTrustVars = (vars: Record<string, unknown>): ContainerdTrustVars => parseVars('containerd-trust', containerdTrustVars, vars);
