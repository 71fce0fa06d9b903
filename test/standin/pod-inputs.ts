// Kubernetes API stand-in: what the stand-in kubelet needs before starting a container — the
// container's environment and the content of each volume — with the same failures a kubelet reports.
import { ContainerStartError, expandVars } from './image.js';

export type Obj = Record<string, any>;

export interface Lookup {
  secret(namespace: string, name: string): Obj | undefined;
  configMap(namespace: string, name: string): Obj | undefined;
  pvc(namespace: string, name: string): Obj | undefined;
  /** Host directory backing a bound PV. */
  pvDir(pvName: string): string | undefined;
}

export interface PodInfo {
  name: string;
  namespace: string;
  podIP: string;
  hostIP?: string;
  nodeName: string;
  labels: Record<string, string>;
}

export interface VolumeFile {
  path: string;
  content: Buffer;
  mode: number;
}

export type VolumeSource =
  | { name: string; type: 'files'; files: VolumeFile[] }
  | { name: string; type: 'dir'; dir: string }
  | { name: string; type: 'emptyDir' };

function keyData(obj: Obj, kind: 'Secret' | 'ConfigMap'): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  if (kind === 'Secret') for (const [k, v] of Object.entries(obj.data ?? {})) out.set(k, Buffer.from(String(v), 'base64'));
  else {
    for (const [k, v] of Object.entries(obj.data ?? {})) out.set(k, Buffer.from(String(v)));
    for (const [k, v] of Object.entries(obj.binaryData ?? {})) out.set(k, Buffer.from(String(v), 'base64'));
  }
  return out;
}

function fieldRef(path: string, pod: PodInfo): string {
  if (path === 'metadata.name') return pod.name;
  if (path === 'metadata.namespace') return pod.namespace;
  if (path === 'status.podIP') return pod.podIP;
  if (path === 'status.hostIP') return pod.hostIP ?? pod.podIP;
  if (path === 'spec.nodeName') return pod.nodeName;
  const label = /^metadata\.labels\['(.+)'\]$/.exec(path);
  if (label) return pod.labels[label[1]!] ?? '';
  throw new ContainerStartError('CreateContainerConfigError', `unsupported fieldRef ${path}`);
}

/** The container's environment, in order, as the kubelet builds it (envFrom first, then env). */
export function containerEnv(container: Obj, pod: PodInfo, lookup: Lookup): Record<string, string> {
  const env: Record<string, string> = {};
  const ns = pod.namespace;
  for (const from of Array.isArray(container.envFrom) ? container.envFrom : []) {
    const ref = from.secretRef ?? from.configMapRef;
    const kind = from.secretRef ? 'Secret' : 'ConfigMap';
    const obj = kind === 'Secret' ? lookup.secret(ns, ref.name) : lookup.configMap(ns, ref.name);
    if (!obj) {
      if (ref.optional) continue;
      throw new ContainerStartError('CreateContainerConfigError', `${kind === 'Secret' ? 'secret' : 'configmap'} "${ref.name}" not found`);
    }
    for (const [k, v] of keyData(obj, kind)) env[`${from.prefix ?? ''}${k}`] = v.toString();
  }
  for (const e of Array.isArray(container.env) ? container.env : []) {
    if (e.valueFrom) {
      const vf = e.valueFrom;
      const ref = vf.secretKeyRef ?? vf.configMapKeyRef;
      if (ref) {
        const kind = vf.secretKeyRef ? 'Secret' : 'ConfigMap';
        const obj = kind === 'Secret' ? lookup.secret(ns, ref.name) : lookup.configMap(ns, ref.name);
        const value = obj ? keyData(obj, kind).get(ref.key) : undefined;
        if (value === undefined) {
          if (ref.optional) continue;
          throw new ContainerStartError(
            'CreateContainerConfigError',
            obj ? `couldn't find key ${ref.key} in ${kind} ${ns}/${ref.name}` : `${kind === 'Secret' ? 'secret' : 'configmap'} "${ref.name}" not found`,
          );
        }
        env[e.name] = value.toString();
      } else if (vf.fieldRef) env[e.name] = fieldRef(vf.fieldRef.fieldPath, pod);
      else throw new ContainerStartError('CreateContainerConfigError', `unsupported valueFrom for ${e.name}`);
    } else env[e.name] = expandVars(String(e.value ?? ''), env);
  }
  return env;
}

function projected(name: string, kind: 'Secret' | 'ConfigMap', obj: Obj, src: Obj): VolumeSource {
  const data = keyData(obj, kind);
  const defaultMode = src.defaultMode ?? 0o644;
  const files: VolumeFile[] = [];
  if (Array.isArray(src.items)) {
    for (const item of src.items) {
      const content = data.get(item.key);
      if (content === undefined) {
        if (src.optional) continue;
        throw new ContainerStartError('FailedMount', `MountVolume.SetUp failed for volume "${name}" : ${kind === 'Secret' ? 'references non-existent secret key' : 'configmap references non-existent config key'}: ${item.key}`);
      }
      files.push({ path: item.path, content, mode: item.mode ?? defaultMode });
    }
  } else for (const [k, v] of data) files.push({ path: k, content: v, mode: defaultMode });
  return { name, type: 'files', files };
}

/** Every volume of the pod spec, resolved; missing objects fail the mount like on a kubelet. */
export function podVolumes(spec: Obj, pod: PodInfo, lookup: Lookup): Map<string, VolumeSource> {
  const out = new Map<string, VolumeSource>();
  const ns = pod.namespace;
  for (const v of Array.isArray(spec.volumes) ? spec.volumes : []) {
    if (v.secret || v.configMap) {
      const [kind, src, objName] = v.secret ? (['Secret', v.secret, v.secret.secretName] as const) : (['ConfigMap', v.configMap, v.configMap.name] as const);
      const obj = kind === 'Secret' ? lookup.secret(ns, objName) : lookup.configMap(ns, objName);
      if (obj) out.set(v.name, projected(v.name, kind, obj, src));
      else if (src.optional) out.set(v.name, { name: v.name, type: 'files', files: [] });
      else throw new ContainerStartError('FailedMount', `MountVolume.SetUp failed for volume "${v.name}" : ${kind.toLowerCase()} "${objName}" not found`);
    } else if (v.persistentVolumeClaim) {
      const claim = lookup.pvc(ns, v.persistentVolumeClaim.claimName);
      if (!claim) throw new ContainerStartError('FailedScheduling', `persistentvolumeclaim "${v.persistentVolumeClaim.claimName}" not found`);
      // A claim that names a volume is not bound by that alone (the PV may not fit): only a Bound one mounts.
      const dir = claim.status?.phase === 'Bound' && claim.spec?.volumeName ? lookup.pvDir(claim.spec.volumeName) : undefined;
      if (!dir) throw new ContainerStartError('FailedScheduling', `pod has unbound immediate PersistentVolumeClaims`);
      out.set(v.name, { name: v.name, type: 'dir', dir });
    } else if (v.hostPath) out.set(v.name, { name: v.name, type: 'dir', dir: v.hostPath.path });
    else if (v.emptyDir) out.set(v.name, { name: v.name, type: 'emptyDir' });
    else throw new ContainerStartError('FailedMount', `volume "${v.name}": unsupported volume type in the stand-in`);
  }
  return out;
}
