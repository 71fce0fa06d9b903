// Every object regplay's k8s-apply role renders passes the Kubernetes API stand-in's validation (the
// OpenAPI schema and the API server's semantic rules, test/standin/validate.ts): a rule the role
// breaks would be a product bug, found here before a lab run.
import test from 'ava';
import { defaultAndValidate } from '../standin/validate.js';
import { objects, revealed } from './k8s-apply.fixture.js';

const ctx = { serviceIP: '10.0.0.1', nodePort: () => 30001, nodePortsInUse: () => new Set<number>() };

const variants: Array<[string, Record<string, unknown>]> = [
  ['defaults (pvc of the default class)', {}],
  ['pvc with a storage class', { registry_storage_class: 'fast-ssd' }],
  ['hostpath PV + PVC, node selector', { registry_storage_kind: 'hostpath', registry_node_selector: { 'kubernetes.io/hostname': 'cp1' } }],
  ['nfs PV + PVC', { registry_storage_kind: 'nfs', registry_storage_nfs_server: '10.0.0.9', registry_storage_nfs_path: '/exports/registry' }],
  ['ingress, NodePort and external IPs', { registry_ingress: true, registry_node_port: 30500, registry_external_ips: ['10.0.0.5', '10.0.0.6'] }],
  ['three replicas on ReadWriteMany nfs (RollingUpdate, spread, PodDisruptionBudget), metrics, config extra', { registry_storage_kind: 'nfs', registry_storage_nfs_server: '10.0.0.9', registry_storage_nfs_path: '/exports/registry', registry_storage_access_mode: 'ReadWriteMany', registry_replicas: 3, registry_metrics: true, registry_config_extra: { proxy: { remoteurl: 'https://mirror.lab' } } }],
  ['registry 3, limits, two pull namespaces', { registry_image: 'registry:3.0.0', registry_resources: { requests: { cpu: '0.1', memory: '128Mi' }, limits: { memory: '1Gi' } }, registry_pull_namespaces: ['default', 'apps'] }],
];

for (const [label, overrides] of variants) {
  test(`the stand-in accepts every object the role renders: ${label}`, (t) => {
    const list = objects(overrides);
    t.true(list.length >= 8);
    for (const o of list) {
      const copy = structuredClone(revealed(o)) as Record<string, any>;
      t.notThrows(() => defaultAndValidate(copy, undefined, ctx), `${o.kind} ${(o.metadata as { name: string }).name}`);
    }
  });
}

test('the same check refuses a rendered Deployment made invalid (it can fail)', (t) => {
  const d = structuredClone(revealed(objects().find((o) => o.kind === 'Deployment')!)) as Record<string, any>;
  d.spec.template.spec.containers.push({ ...d.spec.template.spec.containers[0] });
  t.throws(() => defaultAndValidate(d, undefined, ctx), { message: /spec\.template\.spec\.containers\[1\]\.name: Duplicate value: "registry"/ });
});

test('the stand-in refuses a PodDisruptionBudget with both minAvailable and maxUnavailable, or over 100% (pkg/apis/policy/validation)', (t) => {
  const pdb = structuredClone(revealed(objects({ registry_storage_kind: 'nfs', registry_storage_nfs_server: '10.0.0.9', registry_storage_nfs_path: '/exports/registry', registry_storage_access_mode: 'ReadWriteMany', registry_replicas: 2 }).find((o) => o.kind === 'PodDisruptionBudget')!)) as Record<string, any>;
  t.throws(() => defaultAndValidate({ ...structuredClone(pdb), spec: { ...pdb.spec, minAvailable: 1 } }, undefined, ctx), { message: /spec: Invalid value: .*minAvailable and maxUnavailable cannot be both set/ });
  t.throws(() => defaultAndValidate({ ...structuredClone(pdb), spec: { ...pdb.spec, maxUnavailable: '150%' } }, undefined, ctx), { message: /spec\.maxUnavailable: Invalid value: "150%": must not be greater than 100%/ });
});
