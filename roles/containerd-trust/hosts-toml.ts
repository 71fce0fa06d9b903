// containerd's per-registry trust file: certs.d/<name:port>/hosts.toml (see FACTS.md).

/** hosts.toml for `address` (name:port) trusting the CA at `caPath`. */
export function hostsToml(address: string, caPath: string): string {
  const server = JSON.stringify(`https://${address}`);
  return [
    '# Managed by regplay (containerd-trust): containerd reads this on every pull, no restart needed.',
    `server = ${server}`,
    '',
    `[host.${server}]`,
    '  capabilities = ["pull", "resolve", "push"]',
    `  ca = ${JSON.stringify(caPath)}`,
    '',
  ].join('\n');
}

/** Major/minor of `containerd --version` output; null when containerd is not installed. */
export function parseContainerdVersion(stdout: string, exitCode: number): { major: number; minor: number } | null {
  if (exitCode !== 0) return null;
  const m = /\sv?(\d+)\.(\d+)\.\d+/.exec(stdout);
  return m ? { major: Number(m[1]), minor: Number(m[2]) } : null;
}
