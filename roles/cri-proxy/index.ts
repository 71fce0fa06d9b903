// Container runtimes behind an HTTP proxy: systemd drop-ins with HTTP(S)_PROXY and a NO_PROXY
// that always includes the registry name (the private registry must never go through the proxy).
// No proxy variables, no resources: drop-ins written by hand are left alone.
import { posix } from 'node:path';
import type { Content, Resource } from '../../src/resources/types.js';
import { isSecret, reveal, Secret } from '../../src/secret.js';
import { noProxyList, proxyDropIn } from './dropin.js';
import { readCriProxyVars, type CriProxyVars } from './vars.js';
import { defineRole } from '../_shared/role.js';

// Own handler names (not plain "restart containerd"): each must reload systemd before restarting,
// whichever role's handler of the same name would otherwise run first.
const handlerFor = (service: string) => `reload systemd and restart ${service} (proxy)`;

const text = (v: string | Secret | null | undefined) => (v == null ? undefined : reveal(v) || undefined);

function content(v: CriProxyVars): Content {
  const body = proxyDropIn({ httpProxy: text(v.http_proxy), httpsProxy: text(v.https_proxy), noProxy: noProxyList(v.registry_name, v.no_proxy) });
  return isSecret(v.http_proxy) || isSecret(v.https_proxy) ? new Secret(body, 'proxy drop-in') : body;
}

const enabled = (v: CriProxyVars) => !!(text(v.http_proxy) || text(v.https_proxy));

function services(v: CriProxyVars, groups: string[]): Array<'containerd' | 'docker'> {
  if (v.cri_proxy_services !== 'auto') return v.cri_proxy_services;
  const member = (of: string[]) => groups.some((g) => of.includes(g));
  return [...(member(v.cri_proxy_containerd_groups) ? ['containerd' as const] : []), ...(member(v.cri_proxy_docker_groups) ? ['docker' as const] : [])];
}

const dropInDir = (v: CriProxyVars, service: string) => posix.join(v.cri_proxy_dropin_dir, `${service}.service.d`);
const dropInPath = (v: CriProxyVars, service: string) => posix.join(dropInDir(v, service), 'http-proxy.conf');

const role = defineRole({
  name: 'cri-proxy',
  vars: readCriProxyVars,
  namedGroups: (v) => ({ cri_proxy_containerd_groups: v.cri_proxy_containerd_groups, cri_proxy_docker_groups: v.cri_proxy_docker_groups }),
  files: (v, host) => (enabled(v) ? services(v, host.groups).map((service) => dropInPath(v, service)) : []),
  plan(v, ctx) {
    if (!enabled(v)) return [];
    return services(v, ctx.host.groups).flatMap((service): Resource[] => [
      { kind: 'directory', path: dropInDir(v, service), mode: '0755' },
      { kind: 'file', name: `${service} proxy drop-in`, path: dropInPath(v, service), content: content(v), mode: '0644', notify: [handlerFor(service)] },
    ]);
  },
  handlers(v, ctx) {
    const restart = { containerd: v.containerd_restart_command, docker: v.docker_restart_command };
    return Object.fromEntries(
      services(v, ctx.host.groups).map((service) => [
        handlerFor(service),
        [
          { kind: 'command', name: 'systemd daemon-reload', argv: v.systemd_daemon_reload_command },
          { kind: 'command', name: `restart ${service}`, argv: restart[service] },
        ] satisfies Resource[],
      ]),
    );
  },
});

export default role;
