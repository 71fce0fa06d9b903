/** Major/minor of `containerd --version` output; null when containerd is not installed. */
export function parseContainerdVersion(stdout: string, exitCode: number): { major: number; minor: number } | null {
  if (exitCode !== 0) return null;
  const m = /\sv?(\d+)\.(\d+)\.\d+/.exec(stdout);
  return m ? { major: Number(m[1]), minor: Number(m[2]) } : null;
}
