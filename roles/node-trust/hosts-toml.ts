// MicroK8s's containerd reads certs.d/<name:port>/hosts.toml on every pull (containerd's hosts format;
// https://microk8s.io/docs/registry-private "Configure registry mirrors"/certs.d).

export function microk8sHostsToml(address: string, caPath: string): string {
  const server = JSON.stringify(`https://${address}`);
  return [
    '# Managed by regplay (node-trust): MicroK8s containerd reads this on every pull, no restart needed.',
    `server = ${server}`,
    '',
    `[host.${server}]`,
    '  capabilities = ["pull", "resolve"]',
    `  ca = ${JSON.stringify(caPath)}`,
    '',
  ].join('\n');
}
