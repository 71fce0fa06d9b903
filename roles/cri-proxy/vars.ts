import { z } from 'zod';
import { dnsName, listOf, parseVars } from '../_shared/vars.js';
import { Secret } from '../../src/secret.js';

const noNewline = (s: string) => !/[\r\n]/.test(s);
// A proxy URL may carry credentials: a Secret (!env / !file) is accepted and keeps the drop-in sensitive.
const proxyUrl = z
  .union([z.instanceof(Secret), z.string()])
  .refine((v) => noNewline(v instanceof Secret ? v.reveal() : v), 'must be one line (a URL such as http://proxy:3128)')
  .optional()
  .nullable();
const argv = z.array(z.string().min(1)).min(1, 'must be a command as a list, e.g. [systemctl, daemon-reload]');

const schema = z.object({
  registry_name: dnsName,
  http_proxy: proxyUrl,
  https_proxy: proxyUrl,
  no_proxy: listOf(z.string().refine(noNewline, 'must be one line').refine((s) => !s.includes(','), 'must not contain "," (give a list)')),
  cri_proxy_services: z.union([z.literal('auto'), listOf(z.enum(['containerd', 'docker']))]),
  cri_proxy_containerd_groups: listOf(z.string().min(1)),
  cri_proxy_docker_groups: listOf(z.string().min(1)),
  cri_proxy_dropin_dir: z.string().regex(/^\/\S*$/, 'must be an absolute path'),
  systemd_daemon_reload_command: argv,
  containerd_restart_command: argv,
  docker_restart_command: argv,
});

export type CriProxyVars = z.infer<typeof schema>;

export const readCriProxyVars = (vars: Record<string, unknown>): CriProxyVars => parseVars('cri-proxy', schema, vars);
