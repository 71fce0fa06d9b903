// The stand-in kubelet's securityContext: the process runs as runAsUser/runAsGroup with fsGroup and
// supplementalGroups as supplementary groups, capabilities dropped, no_new_privs, like a container
// runtime would start it (setpriv inside the chroot), so a data directory with the wrong owner makes
// the registry's writes fail as they would on a real node.
import { ContainerStartError } from './image.js';
import type { Obj } from './store.js';

export interface ProcessSecurity {
  uid: number;
  gid: number;
  groups: number[];
  noNewPrivs: boolean;
  dropAll: boolean;
  readOnlyRoot: boolean;
  fsGroup?: number;
}

/**
 * The effective settings (the container's override the pod's; the registry images run as root
 * when nothing is set). runAsNonRoot with uid 0 is refused like the kubelet does
 * (kuberuntime verifyRunAsNonRoot: "container has runAsNonRoot and image will run as root").
 */
export function processSecurity(podSpec: Obj, container: Obj, podName: string): ProcessSecurity {
  const pod: Obj = podSpec.securityContext ?? {};
  const c: Obj = container.securityContext ?? {};
  const uid = Number(c.runAsUser ?? pod.runAsUser ?? 0);
  const gid = Number(c.runAsGroup ?? pod.runAsGroup ?? 0);
  if ((c.runAsNonRoot ?? pod.runAsNonRoot) === true && uid === 0) {
    throw new ContainerStartError('CreateContainerConfigError', `Error: container has runAsNonRoot and image will run as root (pod: "${podName}", container: ${container.name})`);
  }
  const fsGroup = pod.fsGroup === undefined ? undefined : Number(pod.fsGroup);
  const groups = [...new Set([...(fsGroup === undefined ? [] : [fsGroup]), ...((pod.supplementalGroups ?? []) as number[]).map(Number)])];
  return {
    uid,
    gid,
    groups,
    noNewPrivs: c.allowPrivilegeEscalation === false,
    dropAll: ((c.capabilities?.drop ?? []) as string[]).includes('ALL'),
    readOnlyRoot: c.readOnlyRootFilesystem === true,
    ...(fsGroup === undefined ? {} : { fsGroup }),
  };
}

/** The argv prefix that starts the container's process with these credentials (run inside the root). */
export function credentialArgv(s: ProcessSecurity): string[] {
  return [
    '/usr/bin/setpriv',
    `--reuid=${s.uid}`,
    `--regid=${s.gid}`,
    ...(s.groups.length ? [`--groups=${s.groups.join(',')}`] : ['--clear-groups']),
    ...(s.noNewPrivs ? ['--no-new-privs'] : []),
    ...(s.dropAll ? ['--inh-caps=-all', '--bounding-set=-all'] : []),
    '--',
  ];
}
