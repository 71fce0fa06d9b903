// containerd's per-registry trust file, certs.d/<name:port>/hosts.toml (containerd docs/hosts.md;
// see FACTS.md). One writer for every containerd that reads it: the node's own (containerd-trust)
// and MicroK8s's (node-trust; https://microk8s.io/docs/registry-private).

export interface HostsTomlOptions {
  /** The role that manages the file, named in its header comment. */
  role: string;
  /** What reads it, for the header comment ("containerd", "MicroK8s containerd"). */
  reader?: string;
  /** containerd's host capabilities; push only where clients push through this containerd. */
  capabilities?: readonly string[];
}

/** hosts.toml for `address` (name:port) trusting the CA at `caPath`. */
export function hostsToml(address: string, caPath: string, o: HostsTomlOptions): string {
  const server = JSON.stringify(`https://${address}`);
  const capabilities = (o.capabilities ?? ['pull', 'resolve', 'push']).map((c) => JSON.stringify(c)).join(', ');
  return [
    `# Managed by regplay (${o.role}): ${o.reader ?? 'containerd'} reads this on every pull, no restart needed.`,
    `server = ${server}`,
    '',
    `[host.${server}]`,
    `  capabilities = [${capabilities}]`,
    `  ca = ${JSON.stringify(caPath)}`,
    '',
  ].join('\n');
}
