// Can this machine host a lab? Checked without changing anything.
import { existsSync } from 'node:fs';
import { runSync } from './run.js';
import { standinMain } from './standin.js';

export type LabSupport = { ok: true } | { ok: false; reason: string };

const programs: Array<[string, string]> = [
  ['ip', 'iproute2'],
  ['unshare', 'util-linux'],
  ['nsenter', 'util-linux'],
  ['ssh', 'openssh-client'],
  ['ssh-keygen', 'openssh-client'],
  ['sshd', 'openssh-server'],
  ['containerd', 'containerd'],
  ['ctr', 'containerd'],
];

let cached: LabSupport | undefined;
let cachedStandin: LabSupport | undefined;

/**
 * `{ standin: true }`: also what a lab with the Kubernetes API stand-in needs: the stand-in itself,
 * `kubectl` (it comes with the machine image; .ci/run falls back to Debian's kubernetes-client) and
 * `docker-registry` (the binary the stand-in kubelet runs for the registry Deployment) and iptables.
 */
export function labSupport(opts: { standin?: boolean } = {}): LabSupport {
  cached ??= check();
  if (!cached.ok || !opts.standin) return cached;
  cachedStandin ??= checkStandin();
  return cachedStandin;
}

function checkStandin(): LabSupport {
  if (!existsSync(standinMain)) return { ok: false, reason: `the Kubernetes API stand-in (${standinMain}) does not exist` };
  if (runSync('sh', ['-c', 'command -v kubectl']).code !== 0)
    return { ok: false, reason: 'kubectl is not on PATH (it comes with the machine image; .ci/run installs Debian\'s kubernetes-client when it is missing)' };
  if (runSync('sh', ['-c', 'command -v docker-registry']).code !== 0)
    return { ok: false, reason: 'docker-registry is not installed (apt-get install docker-registry, or run .ci/run)' };
  // The stand-in's kube-proxy writes its rules inside cp1's network namespace with iptables-restore.
  if (runSync('sh', ['-c', 'command -v iptables-restore']).code !== 0)
    return { ok: false, reason: 'iptables is not installed (apt-get install iptables, or run .ci/run): the stand-in routes Services with it' };
  const nat = runSync('unshare', ['-n', 'iptables', '-t', 'nat', '-L', '-n']);
  if (nat.code !== 0) return { ok: false, reason: `iptables cannot use the nat table in a network namespace: ${nat.stderr.trim()}` };
  return { ok: true };
}

function check(): LabSupport {
  if (process.platform !== 'linux') return { ok: false, reason: `the lab needs Linux namespaces (this is ${process.platform})` };
  if (process.getuid?.() !== 0) return { ok: false, reason: 'not root: the lab needs root for network and mount namespaces' };
  const missing = programs.filter(([p]) => runSync('sh', ['-c', `command -v ${p}`]).code !== 0);
  if (missing.length) {
    const pkgs = [...new Set(missing.map(([, pkg]) => pkg))].join(' ');
    return { ok: false, reason: `missing ${missing.map(([p]) => p).join(', ')} (apt-get install ${pkgs}, or run .ci/run)` };
  }
  if (!existsSync('/usr/sbin/sshd')) return { ok: false, reason: 'sshd is not at /usr/sbin/sshd (it must be started by absolute path)' };
  const probe = runSync('unshare', ['-m', '-u', '-n', '--propagation', 'private', 'true']);
  if (probe.code !== 0) return { ok: false, reason: `namespaces unavailable: unshare -m -u -n failed: ${probe.stderr.trim()}` };
  const netns = runSync('ip', ['netns', 'list']);
  if (netns.code !== 0) return { ok: false, reason: `ip netns unavailable: ${netns.stderr.trim()}` };
  const overlay = () => runSync('grep', ['-qw', 'overlay', '/proc/filesystems']).code === 0;
  // Not loaded yet on a fresh machine: the module loads on first use, so load it now to be sure.
  if (!overlay()) runSync('modprobe', ['overlay']);
  if (!overlay()) return { ok: false, reason: 'overlayfs is not available (modprobe overlay failed)' };
  return { ok: true };
}
