// Which container runtimes a node has, from one shell command: binaries on PATH, config directories
// and k3s/RKE2 systemd unit files. A node may have several (containerd plus skopeo's
// /etc/containers): each gets its trust. Read by the node roles (a fact query) and by `play verify`.

export const RUNTIMES = ['containerd', 'crio', 'docker', 'k3s', 'rke2', 'microk8s'] as const;
export type Runtime = (typeof RUNTIMES)[number];

/** The `container_runtime` variable: auto (detect), one runtime, or a list. */
export type RuntimeSetting = 'auto' | Runtime | Runtime[];

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

/** Under `auto`, a host where nothing was found (node-trust fails it, `play verify` too): what was looked for, and what to do. */
export const NOTHING_FOUND = {
  message: `container_runtime: auto found no container runtime; looked for ${LOOKED_FOR}`,
  fix: `install the runtime first, or set container_runtime for this host (${RUNTIMES.join(', ')})`,
};

/** The detection as one sh script (only fixed names: nothing from the inventory reaches it). */
export function detectRuntimesScript(): string {
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

/** The runtimes a setting names (all of them under auto: each then depends on detection). */
export function settingRuntimes(s: RuntimeSetting): Runtime[] {
  return s === 'auto' ? [...RUNTIMES] : Array.isArray(s) ? s : [s];
}

/** containerd-trust's hosts: containerd unless container_runtime is set and leaves it out (a CRI-O node). */
export function runsContainerd(s: RuntimeSetting | undefined): boolean {
  return s === undefined || settingRuntimes(s).includes('containerd');
}

/** k3s/RKE2: the registries.yaml read at start, and where node-trust keeps the CA it names. */
export const rancherRegistriesYaml = (r: 'k3s' | 'rke2'): string => `/etc/rancher/${r}/registries.yaml`;
export const rancherCaFile = (r: 'k3s' | 'rke2', address: string): string => `/etc/rancher/${r}/registry-ca/${address}/ca.crt`;

/** containers/image: node-trust's optional registries.conf.d drop-in, one per registry name. */
export const containersDropinPath = (dir: string, registryName: string): string => `${dir.replace(/\/+$/, '')}/regplay-${registryName}.conf`;
