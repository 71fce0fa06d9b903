// Which container runtimes a node has, from one shell command read in the role's batched read:
// binaries on PATH, config directories and systemd unit files. A node may have several (containerd
// plus skopeo's /etc/containers): each gets its trust.
import { StateError } from '../../src/errors.js';
import type { FactQuery } from '../../src/resources/types.js';

export const RUNTIMES = ['containerd', 'crio', 'docker', 'k3s', 'rke2', 'microk8s'] as const;
export type Runtime = (typeof RUNTIMES)[number];

/** Services that read registries.yaml only at start. */
export const RANCHER_UNITS = { k3s: ['k3s', 'k3s-agent'], rke2: ['rke2-server', 'rke2-agent'] } as const;

export interface RuntimeFacts {
  runtimes: Runtime[];
  /** k3s / RKE2 systemd units installed on the host. */
  units: string[];
}

// What is looked for, per runtime: named in the error when nothing is found.
const LOOKS: Record<Runtime, { bins: string[]; paths: string[] }> = {
  containerd: { bins: ['containerd'], paths: ['/etc/containerd'] },
  crio: { bins: ['crio', 'podman', 'buildah', 'skopeo'], paths: ['/etc/containers', '/etc/crio'] },
  docker: { bins: ['cri-dockerd'], paths: [] },
  k3s: { bins: ['k3s'], paths: ['/etc/rancher/k3s'] },
  rke2: { bins: ['rke2'], paths: ['/etc/rancher/rke2'] },
  microk8s: { bins: ['microk8s'], paths: ['/var/snap/microk8s'] },
};
const UNIT_DIRS = ['/etc/systemd/system', '/usr/local/lib/systemd/system', '/usr/lib/systemd/system', '/lib/systemd/system'];

export const LOOKED_FOR = RUNTIMES.map((r) => `${r} (${[...LOOKS[r].bins.map((b) => `${b} on PATH`), ...LOOKS[r].paths].join(', ')})`).join('; ');

function detectScript(): string {
  // Only fixed names: nothing from the inventory reaches this shell text.
  const lines = RUNTIMES.map((r) => {
    const tests = [...LOOKS[r].bins.map((b) => `command -v ${b} >/dev/null 2>&1`), ...LOOKS[r].paths.map((p) => `[ -d ${p} ]`)];
    return `if ${tests.join(' || ')}; then echo "runtime ${r}"; fi`;
  });
  const units = Object.values(RANCHER_UNITS).flat();
  lines.push(`for u in ${units.join(' ')}; do for d in ${UNIT_DIRS.join(' ')}; do if [ -e "$d/$u.service" ]; then echo "unit $u"; break; fi; done; done`);
  return lines.join('\n');
}

export function parseRuntimeFacts(stdout: string): RuntimeFacts {
  const words = (kind: string) => stdout.split('\n').flatMap((l) => (l.startsWith(`${kind} `) ? [l.slice(kind.length + 1).trim()] : []));
  return { runtimes: words('runtime').filter((r): r is Runtime => (RUNTIMES as readonly string[]).includes(r)), units: words('unit') };
}

/** The fact query; with `auto`, a host where nothing is found fails naming what was looked for. */
export function runtimeFactQuery(auto: boolean): FactQuery<RuntimeFacts> {
  return {
    argv: ['sh', '-c', detectScript()],
    parse: (stdout) => {
      const facts = parseRuntimeFacts(stdout);
      if (auto && facts.runtimes.length === 0) {
        throw new StateError(`container_runtime: auto found no container runtime; looked for ${LOOKED_FOR}`, 'install the runtime first, or set container_runtime for this host (containerd, crio, docker, k3s, rke2, microk8s)');
      }
      return facts;
    },
  };
}
