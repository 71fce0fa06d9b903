// The stand-in's Pod Security admission (test/standin/pod-security.ts) against the Pod Security
// Standards (https://kubernetes.io/docs/concepts/security/pod-security-standards/): in a namespace
// labelled pod-security.kubernetes.io/enforce=restricted a pod must set allowPrivilegeEscalation=false,
// drop ALL capabilities, runAsNonRoot=true, a RuntimeDefault/Localhost seccomp profile, use only the
// restricted volume types; the message is the PodSecurity plugin's. The role's pod passes.
import test from 'ava';
import { podSecurityRefusal } from '../../test/standin/pod-security.js';
import { find, objects } from './k8s-apply.fixture.js';

const ns = (level?: string) => ({ metadata: { name: 'registry', labels: level ? { 'pod-security.kubernetes.io/enforce': level } : {} } });
const plain = { containers: [{ name: 'registry', image: 'registry:2.8.3' }], volumes: [{ name: 'data', hostPath: { path: '/srv' } }] };

test('restricted: a pod without securityContext is refused with every violated check, as the PodSecurity plugin words it', (t) => {
  t.is(
    podSecurityRefusal(ns('restricted'), 'registry-abc-12345', plain),
    'pods "registry-abc-12345" is forbidden: violates PodSecurity "restricted:latest": hostPath volumes (volume "data"), restricted volume types (volume "data" uses restricted volume type "hostPath"), allowPrivilegeEscalation != false (container "registry" must set securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (container "registry" must set securityContext.capabilities.drop=["ALL"]), runAsNonRoot != true (pod or container "registry" must set securityContext.runAsNonRoot=true), seccompProfile (pod or container "registry" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")',
  );
});

test('baseline refuses only hostPath, host namespaces, privileged; no label or privileged admits anything', (t) => {
  t.regex(podSecurityRefusal(ns('baseline'), 'p', plain) ?? '', /violates PodSecurity "baseline:latest": hostPath volumes \(volume "data"\)$/);
  t.is(podSecurityRefusal(ns('baseline'), 'p', { containers: plain.containers }), undefined);
  t.is(podSecurityRefusal(ns(), 'p', plain), undefined);
  t.is(podSecurityRefusal(ns('privileged'), 'p', plain), undefined);
});

test('restricted admits the registry pod k8s-apply renders (hostpath storage is a claim, not a hostPath volume)', (t) => {
  for (const kind of ['pvc', 'hostpath']) {
    const spec = (find(objects({ registry_storage_kind: kind }), 'Deployment').spec as any).template.spec;
    t.is(podSecurityRefusal(ns('restricted'), 'p', spec), undefined, kind);
    t.like(spec, { automountServiceAccountToken: false, securityContext: { runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, fsGroup: 10001, seccompProfile: { type: 'RuntimeDefault' } } });
    t.deepEqual(spec.containers[0].securityContext, { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    t.deepEqual(spec.volumes.find((v: { name: string }) => v.name === 'tmp'), { name: 'tmp', emptyDir: {} });
  }
});
