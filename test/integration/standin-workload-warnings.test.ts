// The API server's own warnings for a Deployment's pod template, through the real kubectl against the
// Kubernetes API stand-in: pkg/api/pod/warnings.go (GetWarningsForPodTemplate at spec.template) warns
// about a fractional byte value of memory ("128m" is 0.128 bytes: `fractional byte value "128m" is
// invalid, must be an integer`) and deprecated node labels in nodeSelector; the Deployment strategy
// sends them on create, and on update only when the generation changes (WarningsOnUpdate). Each is an
// HTTP `Warning: 299 - "..."` header, which kubectl prints on stderr as `Warning: <text>`; the write
// succeeds. The Deployment k8s-apply renders with its defaults gets none.
import test from 'ava';
import { startStandinApi } from '../helpers/standin-api.js';
import { objects, revealed } from '../unit/k8s-apply.fixture.js';

const deployment = (memory: string, extra: object = {}) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'warned', namespace: 'default' },
  spec: {
    selector: { matchLabels: { app: 'warned' } },
    template: { metadata: { labels: { app: 'warned' } }, spec: { containers: [{ name: 'registry', image: 'registry:2.8.3', resources: { requests: { memory }, limits: { memory: '1Gi' } } }], ...extra } },
  },
});

test('a fractional memory request and a deprecated node label: the Deployment is written, kubectl prints one Warning line each; an unchanged re-apply and integer bytes warn nothing', async (t) => {
  const api = await startStandinApi();
  try {
    const first = await api.apply([deployment('128m', { nodeSelector: { 'beta.kubernetes.io/arch': 'amd64' } })]);
    t.is(first.code, 0, first.stderr);
    t.deepEqual(first.stderr.trim().split('\n'), [
      'Warning: spec.template.spec.nodeSelector[beta.kubernetes.io/arch]: deprecated since v1.14; use "kubernetes.io/arch" instead',
      'Warning: spec.template.spec.containers[0].resources.requests[memory]: fractional byte value "128m" is invalid, must be an integer',
    ]);
    t.is((await api.kubectl(['get', 'deployment', 'warned', '-o', 'jsonpath={.spec.template.spec.containers[0].resources.requests.memory}'])).stdout, '128m');
    const same = await api.apply([deployment('128m', { nodeSelector: { 'beta.kubernetes.io/arch': 'amd64' } })]);
    t.is(same.code, 0, same.stderr);
    t.is(same.stderr.trim(), '', 'the generation did not change: no warnings on update');
    const fixed = await api.apply([deployment('128Mi')]);
    t.is(fixed.code, 0, fixed.stderr);
    t.is(fixed.stderr.trim(), '');
    const half = await api.apply([deployment('0.5')]);
    t.regex(half.stderr, /^Warning: spec\.template\.spec\.containers\[0\]\.resources\.requests\[memory\]: fractional byte value "500m" is invalid, must be an integer$/m, 'the canonical form is quoted');

    const rendered = await api.apply(objects({}).map(revealed));
    t.is(rendered.code, 0, rendered.stderr);
    t.notRegex(rendered.stderr, /Warning/);
  } finally {
    await api.stop();
  }
});
