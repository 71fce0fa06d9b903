// systemd drop-in giving a container runtime its proxy environment.

export interface ProxySettings {
  httpProxy?: string;
  httpsProxy?: string;
  noProxy: string[];
}

/** A value inside Environment="...": systemd expands %-specifiers and C-style escapes there. */
function quoteEnv(assignment: string): string {
  return `"${assignment.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/%/g, '%%')}"`;
}

export function proxyDropIn(p: ProxySettings): string {
  const env: string[] = [];
  if (p.httpProxy) env.push(`HTTP_PROXY=${p.httpProxy}`);
  if (p.httpsProxy) env.push(`HTTPS_PROXY=${p.httpsProxy}`);
  env.push(`NO_PROXY=${p.noProxy.join(',')}`);
  return ['# Managed by regplay (cri-proxy).', '[Service]', ...env.map((e) => `Environment=${quoteEnv(e)}`), ''].join('\n');
}

/** NO_PROXY entries: the registry name always first, then the given ones, without duplicates. */
export function noProxyList(registryName: string, given: string[]): string[] {
  return [...new Set([registryName, ...given.map((s) => s.trim()).filter(Boolean)])];
}
