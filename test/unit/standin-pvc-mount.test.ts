// The stand-in kubelet mounts a claim only once it is Bound (test/standin/pod-inputs.ts): a claim
// that names a PV which does not fit stays Pending, and its pod is unschedulable, as the scheduler
// says ("pod has unbound immediate PersistentVolumeClaims").
import test from 'ava';
import { ContainerStartError } from '../standin/image.js';
import { podVolumes, type Lookup, type PodInfo } from '../standin/pod-inputs.js';

const pod: PodInfo = { name: 'registry-abc', namespace: 'registry', podIP: '10.0.0.1', nodeName: 'n1', labels: {} };
const claim = (phase: string) => ({ metadata: { name: 'data', namespace: 'registry' }, spec: { volumeName: 'registry-data' }, status: { phase } });
const lookup = (phase: string): Lookup => ({ secret: () => undefined, configMap: () => undefined, pvc: () => claim(phase), pvDir: (name) => `/srv/${name}` });
const spec = { volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'data' } }] };

test('a Bound claim mounts its PV directory', (t) => {
  t.deepEqual(podVolumes(spec, pod, lookup('Bound')).get('data'), { name: 'data', type: 'dir', dir: '/srv/registry-data' });
});

test('a Pending claim that names a PV does not mount it: the pod is unschedulable', (t) => {
  const err = t.throws(() => podVolumes(spec, pod, lookup('Pending')), { instanceOf: ContainerStartError, message: /pod has unbound immediate PersistentVolumeClaims/ });
  t.is((err as ContainerStartError).reason, 'FailedScheduling');
});
