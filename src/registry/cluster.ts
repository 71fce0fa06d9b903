// The registry's Deployment as `play registry gc` reaches it: kubectl where k8s-apply runs it (the
// first control-plane host, or the controller with k8s_apply_from: controller), the names from
// k8s-apply's variables, and the paths its config uses inside the container.
import { varsFor, type Prepared } from '../engine/load/prepare.js';
import { quoteArgv } from '../transports/shell.js';
import type { ExecResult } from '../transports/types.js';
import { configLocation } from '../../roles/k8s-apply/image.js';
import { mounts } from '../../roles/k8s-apply/objects.js';

export interface RegistryDeployment {
  /** The control-plane host kubectl runs on, or undefined: on the controller. */
  host?: string;
  kubectl: string;
  kubeconfig: string | null;
  namespace: string;
  name: string;
  container: string;
  /** config.yml inside the container (where this image version reads it). */
  configPath: string;
  /** The filesystem storage's rootdirectory inside the container. */
  dataDir: string;
  /** registry_rollout_timeout: how long a rollout may take. */
  rolloutTimeout: number;
  /** registry_storage_kind: gc reads the storage as files (pvc, hostpath, nfs), not object storage. */
  storageKind: string;
}

/** The storage kinds whose blobs gc can see as files in the container (sizes, uploads in flight). */
export const FILE_STORAGE = ['pvc', 'hostpath', 'nfs'];

/** Where the registry Deployment is, from the first play that runs k8s-apply; undefined without one. */
export function registryDeployment(p: Prepared): RegistryDeployment | undefined {
  for (const pp of p.plays) {
    const r = pp.roles.find((x) => x.entry.name === 'k8s-apply');
    const host = [...pp.targets, ...pp.readOnly][0];
    if (!r || !host) continue;
    const v = varsFor(p, host, pp.play, r).vars;
    return {
      ...(v.k8s_apply_from === 'controller' ? {} : { host }),
      kubectl: v.kubectl_path as string,
      kubeconfig: (v.kubeconfig as string | null) ?? null,
      namespace: v.registry_namespace as string,
      name: v.registry_app_name as string,
      container: 'registry',
      configPath: configLocation(v.registry_image as string, v.registry_config_path as string | null).path,
      dataDir: mounts.data,
      rolloutTimeout: v.registry_rollout_timeout as number,
      storageKind: v.registry_storage_kind as string,
    };
  }
  return undefined;
}

export type Run = (command: string, stdin?: string) => Promise<ExecResult>;

/** kubectl against the registry's Deployment; every argument quoted, manifests on stdin. */
export class RegistryKubectl {
  constructor(
    readonly d: RegistryDeployment,
    private readonly run: Run,
  ) {}

  private base(): string[] {
    return [this.d.kubectl, ...(this.d.kubeconfig ? ['--kubeconfig', this.d.kubeconfig] : []), '-n', this.d.namespace];
  }

  kubectl(args: string[], stdin?: string): Promise<ExecResult> {
    return this.run(quoteArgv([...this.base(), ...args]), stdin);
  }

  /** A command in the registry's container (`kubectl exec deploy/<name> -c registry -- …`). */
  exec(argv: string[]): Promise<ExecResult> {
    return this.kubectl(['exec', `deployment/${this.d.name}`, '-c', this.d.container, '--', ...argv]);
  }

  async deployment(): Promise<Record<string, any> | undefined> {
    const r = await this.kubectl(['get', 'deployment', this.d.name, '-o', 'json']);
    if (r.code !== 0) return undefined;
    return JSON.parse(r.stdout) as Record<string, any>;
  }

  rollout(timeoutSeconds: number): Promise<ExecResult> {
    return this.kubectl(['rollout', 'status', `deployment/${this.d.name}`, `--timeout=${timeoutSeconds}s`]);
  }
}
