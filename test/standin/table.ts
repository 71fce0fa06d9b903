// Kubernetes API stand-in: the Table form `kubectl get` asks for when printing for humans.
export type Obj = Record<string, any>;

function age(ts: string | undefined): string {
  if (!ts) return '<unknown>';
  const s = Math.max(0, Math.floor((Date.now() - Date.parse(ts)) / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.floor(s / 60)}m`;
  if (s < 172800) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}

function columnsFor(kind: string): [string, (o: Obj) => unknown][] {
  switch (kind) {
    case 'Deployment':
      return [
        ['Ready', (o) => `${o.status?.readyReplicas ?? 0}/${o.spec?.replicas ?? 1}`],
        ['Up-to-date', (o) => o.status?.updatedReplicas ?? 0],
        ['Available', (o) => o.status?.availableReplicas ?? 0],
      ];
    case 'Pod':
      return [
        ['Ready', (o) => `${(o.status?.containerStatuses ?? []).filter((c: Obj) => c.ready).length}/${(o.spec?.containers ?? []).length}`],
        ['Status', (o) => o.status?.containerStatuses?.[0]?.state?.waiting?.reason ?? o.status?.phase ?? ''],
        ['Restarts', (o) => o.status?.containerStatuses?.[0]?.restartCount ?? 0],
      ];
    case 'Service':
      return [
        ['Type', (o) => o.spec?.type],
        ['Cluster-IP', (o) => o.spec?.clusterIP],
        ['External-IP', (o) => (o.spec?.externalIPs ?? []).join(',') || '<none>'],
        ['Port(s)', (o) => (o.spec?.ports ?? []).map((p: Obj) => `${p.port}${p.nodePort ? `:${p.nodePort}` : ''}/${p.protocol ?? 'TCP'}`).join(',')],
      ];
    case 'Secret':
      return [
        ['Type', (o) => o.type],
        ['Data', (o) => Object.keys(o.data ?? {}).length],
      ];
    case 'ConfigMap':
      return [['Data', (o) => Object.keys(o.data ?? {}).length + Object.keys(o.binaryData ?? {}).length]];
    case 'Namespace':
      return [['Status', (o) => o.status?.phase ?? 'Active']];
    case 'PersistentVolumeClaim':
      return [
        ['Status', (o) => o.status?.phase ?? 'Pending'],
        ['Volume', (o) => o.spec?.volumeName ?? ''],
        ['Capacity', (o) => o.status?.capacity?.storage ?? ''],
        ['StorageClass', (o) => o.spec?.storageClassName ?? '<unset>'],
      ];
    case 'StorageClass':
      return [
        ['Provisioner', (o) => o.provisioner],
        ['ReclaimPolicy', (o) => o.reclaimPolicy],
        ['VolumeBindingMode', (o) => o.volumeBindingMode],
        ['AllowVolumeExpansion', (o) => String(o.allowVolumeExpansion ?? false)],
      ];
    case 'PersistentVolume':
      return [
        ['Capacity', (o) => o.spec?.capacity?.storage],
        ['Status', (o) => o.status?.phase ?? 'Available'],
        ['Claim', (o) => (o.spec?.claimRef ? `${o.spec.claimRef.namespace}/${o.spec.claimRef.name}` : '')],
      ];
    default:
      return [];
  }
}

export function toTable(kind: string, items: Obj[], resourceVersion: string) {
  const extra = columnsFor(kind);
  const col = (name: string, format = '') => ({ name, type: 'string', format, description: '', priority: 0 });
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion },
    columnDefinitions: [col('Name', 'name'), ...extra.map(([n]) => col(n)), col('Age')],
    rows: items.map((o) => ({
      cells: [o.metadata.name, ...extra.map(([, f]) => f(o)), age(o.metadata.creationTimestamp)],
      object: o,
    })),
  };
}
