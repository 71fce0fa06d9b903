// Pod Security admission's `warn` mode, through the real kubectl against the Kubernetes API
// stand-in: a namespace labelled `pod-security.kubernetes.io/warn: <level>` admits a workload whose
// pod template violates the level, but the API server answers with a warning
// (https://kubernetes.io/docs/concepts/security/pod-security-admission/#pod-security-admission-labels-for-namespaces:
// "warn: policy violations will trigger a user-facing warning"; workloads get warn and audit, not
// enforce), sent as the HTTP `Warning: 299 - "..."` header that kubectl prints on stderr as
// `Warning: would violate PodSecurity "restricted:latest": ...`. The Deployment k8s-apply renders
// meets `restricted`: applied there, no warning.
import test from 'ava';
import { startStandinApi } from '../helpers/standin-api.js';
import { objects, revealed } from '../unit/k8s-apply.fixture.js';

const namespace = (name: string, labels: Record<string, string>) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } });
const plain = (ns: string, extra: object = {}) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'plain', namespace: ns },
  spec: { selector: { matchLabels: { app: 'plain' } }, template: { metadata: { labels: { app: 'plain' } }, spec: { containers: [{ name: 'registry', image: 'registry:2.8.3' }], ...extra } } },
});

test('warn=restricted: a Deployment without securityContext is created, with the PodSecurity warning kubectl prints; the registry Deployment k8s-apply renders gets none', async (t) => {
  const api = await startStandinApi();
  try {
    t.is((await api.apply([namespace('warned', { 'pod-security.kubernetes.io/warn': 'restricted' })])).code, 0);
    const violating = await api.apply([plain('warned')]);
    t.is(violating.code, 0, violating.stderr);
    t.is(
      violating.stderr.trim(),
      'Warning: would violate PodSecurity "restricted:latest": allowPrivilegeEscalation != false (container "registry" must set securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (container "registry" must set securityContext.capabilities.drop=["ALL"]), runAsNonRoot != true (pod or container "registry" must set securityContext.runAsNonRoot=true), seccompProfile (pod or container "registry" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")',
    );
    t.is((await api.kubectl(['get', 'deployment', 'plain', '-n', 'warned', '-o', 'name'])).stdout.trim(), 'deployment.apps/plain', 'warn does not refuse');

    const rendered = objects({ registry_namespace: 'warned', registry_pull_namespaces: ['warned'] }).map(revealed);
    const clean = await api.apply(rendered);
    t.is(clean.code, 0, clean.stderr);
    t.notRegex(clean.stderr, /Warning|PodSecurity/, clean.stderr);
    t.truthy(rendered.find((o) => o.kind === 'Deployment'), 'the registry Deployment was among them');
  } finally {
    await api.stop();
  }
});

test('warn=baseline with a pinned version warns for a hostPath volume only; no warn label, or enforce alone, warns nothing for a workload', async (t) => {
  const api = await startStandinApi();
  try {
    await api.apply([
      namespace('base', { 'pod-security.kubernetes.io/warn': 'baseline', 'pod-security.kubernetes.io/warn-version': 'v1.32' }),
      namespace('quiet', {}),
      namespace('enforced', { 'pod-security.kubernetes.io/enforce': 'restricted' }),
    ]);
    const hostPath = { volumes: [{ name: 'data', hostPath: { path: '/srv/data' } }] };
    const base = await api.apply([plain('base', hostPath)]);
    t.is(base.code, 0, base.stderr);
    t.is(base.stderr.trim(), 'Warning: would violate PodSecurity "baseline:v1.32": hostPath volumes (volume "data")');
    for (const ns of ['quiet', 'enforced']) {
      const r = await api.apply([plain(ns, hostPath)]);
      t.is(r.code, 0, r.stderr);
      t.is(r.stderr.trim(), '', ns);
    }
  } finally {
    await api.stop();
  }
});
