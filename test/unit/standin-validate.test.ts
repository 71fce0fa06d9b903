// The Kubernetes API stand-in refuses what a real API server refuses (test/standin/{validate,schema}.ts).
import test from 'ava';
import { unknownFields } from '../standin/schema.js';
import { defaultAndValidate, InvalidError } from '../standin/validate.js';

const ctx = { serviceIP: '10.0.0.1', nodePort: () => 30000, nodePortsInUse: () => new Set<number>() };

test('undeclared fields are found at their path; declared maps and int-or-string values are not', (t) => {
  const d = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'r', labels: { app: 'r' }, annotations: { 'x/y': 'z' } },
    spec: {
      selector: { matchLabels: { app: 'r' } },
      template: {
        metadata: { labels: { app: 'r' } },
        spec: { containers: [{ name: 'r', image: 'registry:2', readinessProbe: { httpGet: { port: 'https', path: '/' } }, volumeMounts: [{ name: 'v', mountpath: '/x' }] }] },
      },
    },
  };
  t.deepEqual(unknownFields(d), ['spec.template.spec.containers[0].volumeMounts[0].mountpath']);
});

test('a PVC size that is not a quantity is invalid', (t) => {
  const pvc = { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'd', namespace: 'n' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '10 GB' } } } };
  const err = t.throws(() => defaultAndValidate(pvc, undefined, ctx), { instanceOf: InvalidError });
  t.regex(err!.message, /^spec\.resources\.requests\.storage: Invalid value: "10 GB": quantities must match the regular expression/);
});

test('a Deployment whose selector does not match its template labels is invalid', (t) => {
  const d = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'r' }, spec: { selector: { matchLabels: { app: 'x' } }, template: { metadata: { labels: { app: 'y' } }, spec: { containers: [{ name: 'r', image: 'registry:2' }] } } } };
  t.throws(() => defaultAndValidate(d, undefined, ctx), { message: /selector.*does not match/ });
});

test('a Service gets the stand-in cluster IP and targetPort defaults to port', (t) => {
  const s: Record<string, any> = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'registry' }, spec: { ports: [{ port: 5000 }] } };
  defaultAndValidate(s, undefined, ctx);
  t.is(s.spec.clusterIP, '10.0.0.1');
  t.is(s.spec.ports[0].targetPort, 5000);
  t.is(s.spec.type, 'ClusterIP');
});

test('a TLS Secret without tls.key is invalid; stringData becomes data', (t) => {
  const bad = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 't' }, type: 'kubernetes.io/tls', stringData: { 'tls.crt': 'C' } };
  t.throws(() => defaultAndValidate(bad, undefined, ctx), { message: /tls\.key/ });
  const ok: Record<string, any> = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 't' }, stringData: { a: 'b' } };
  defaultAndValidate(ok, undefined, ctx);
  t.deepEqual(ok.data, { a: 'Yg==' });
  t.is(ok.stringData, undefined);
});
