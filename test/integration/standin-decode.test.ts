// The Kubernetes API stand-in answers a value of the wrong JSON type (and, under
// fieldValidation=Strict, an undeclared field) as a 1.32 API server does, verb by verb, before any
// validation rule:
// - create (POST) and update (PUT): the body is decoded into the Go type
//   (k8s.io/apiserver pkg/endpoints/handlers/create.go createHandler and update.go UpdateResource:
//   decoder.Decode, then transformDecodeError): 400 BadRequest `<Kind> in version "<v>" cannot be
//   handled as a <Kind>: <error>`, with encoding/json's UnmarshalTypeError (sigs.k8s.io/json
//   decodeState.addErrorContext: innermost struct, field path without indexes) or the failing
//   UnmarshalJSON's own error (resource.Quantity, intstr.IntOrString), which stops decoding and wins.
// - JSON and merge patches (handlers/patch.go jsonPatcher.applyPatchToCurrentObject) and strategic
//   merge patches (applyPatchToObject, runtime.DefaultUnstructuredConverter
//   FromUnstructuredWithValidation): 422 Invalid, `errors.NewInvalid(schema.GroupKind{}, "",
//   field.Invalid(field.NewPath("patch"), <patched JSON | %+v of the patch>, <error>))`, the strict
//   decoding error of undeclared fields the same way.
// - server-side apply (applyPatcher → managedfields structuredMergeManager.Apply): structured-merge-
//   diff's typed patch fails first with a plain error, 500 without reason (standin-invalid.test.ts).
// Checked against the v0.32.4 sources of k8s.io/apiserver and k8s.io/apimachinery, sigs.k8s.io/json
// 9aa6b5e (Kubernetes 1.32's go.mod).
import test from 'ava';
import { stringify } from 'yaml';
import { startStandinApi, type StandinApi } from '../helpers/standin-api.js';

type Obj = Record<string, any>;

const labels = { app: 'registry' };
const deployment: Obj = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'registry', namespace: 'default' },
  spec: {
    replicas: 1,
    selector: { matchLabels: labels },
    template: { metadata: { labels }, spec: { containers: [{ name: 'registry', image: 'registry:2.8.3', ports: [{ containerPort: 5000 }] }] } },
  },
};
const configMap: Obj = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'registry-config', namespace: 'default' }, data: { 'config.yml': 'version: 0.1\n' } };
const service: Obj = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'registry', namespace: 'default' }, spec: { selector: labels, ports: [{ port: 5000, targetPort: 5000 }] } };
const pv: Obj = { apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'data' }, spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: '/srv/data' } } };

function changed(o: Obj, edit: (c: Obj) => void): Obj {
  const c = structuredClone(o);
  edit(c);
  return c;
}
const container = (d: Obj) => d.spec.template.spec.containers[0];
const PATH: Record<string, string> = {
  Deployment: '/apis/apps/v1/namespaces/default/deployments',
  ConfigMap: '/api/v1/namespaces/default/configmaps',
  Service: '/api/v1/namespaces/default/services',
  PersistentVolume: '/api/v1/persistentvolumes',
};

interface CreateRow {
  title: string;
  bad: Obj;
  /** transformDecodeError's message after `<Kind> in version "<v>" cannot be handled as a <Kind>: `. */
  error: string;
}

const creates: CreateRow[] = [
  {
    title: 'replicas: "one" (literalStore: a string into an int32)',
    bad: changed(deployment, (d) => (d.spec.replicas = 'one')),
    error: 'json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32',
  },
  {
    title: 'replicas: 1.5 (convertNumber fails: "number 1.5")',
    bad: changed(deployment, (d) => (d.spec.replicas = 1.5)),
    error: 'json: cannot unmarshal number 1.5 into Go struct field DeploymentSpec.spec.replicas of type int32',
  },
  {
    title: 'a string containerPort (the innermost struct, the path without list indexes)',
    bad: changed(deployment, (d) => (container(d).ports[0].containerPort = '5000')),
    error: 'json: cannot unmarshal string into Go struct field ContainerPort.spec.template.spec.containers.ports.containerPort of type int32',
  },
  {
    title: 'a numeric protocol (a named Go string type: v1.Protocol)',
    bad: changed(deployment, (d) => (container(d).ports[0].protocol = 6)),
    error: 'json: cannot unmarshal number into Go struct field ContainerPort.spec.template.spec.containers.ports.protocol of type v1.Protocol',
  },
  {
    title: 'a numeric ConfigMap value (a map value: the enclosing field)',
    bad: changed(configMap, (c) => (c.data.port = 5000)),
    error: 'json: cannot unmarshal number into Go struct field ConfigMap.data of type string',
  },
  {
    title: 'spec a string (object expected)',
    bad: changed(deployment, (d) => (d.spec.template.spec = 'x')),
    error: 'json: cannot unmarshal string into Go struct field PodTemplateSpec.spec.template.spec of type v1.PodSpec',
  },
  {
    title: 'accessModes a string (a list expected)',
    bad: changed(pv, (p) => (p.spec.accessModes = 'ReadWriteOnce')),
    error: 'json: cannot unmarshal string into Go struct field PersistentVolumeSpec.spec.accessModes of type []v1.PersistentVolumeAccessMode',
  },
  {
    title: 'targetPort: true (IntOrString.UnmarshalJSON: json.Unmarshal into its int32, the context added on return)',
    bad: changed(service, (s) => (s.spec.ports[0].targetPort = true)),
    error: 'json: cannot unmarshal bool into Go struct field ServicePort.spec.ports.targetPort of type int32',
  },
  {
    title: 'a malformed quantity after a mistyped replicas (Quantity.UnmarshalJSON fails: decoding stops, its error wins over the saved one)',
    bad: changed(deployment, (d) => ((d.spec.replicas = 'one'), (container(d).resources = { limits: { memory: 'lots' } }))),
    error: "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
  },
  {
    title: 'a mistyped value and an undeclared field under Strict (the decoding error comes before the strict ones)',
    bad: changed(deployment, (d) => ((d.spec.replicas = 'one'), (d.spec.replica = 2))),
    error: 'json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32',
  },
  {
    title: 'an undeclared field under Strict (strict decoding error)',
    bad: changed(deployment, (d) => (d.spec.replica = 2)),
    error: 'strict decoding error: unknown field "spec.replica"',
  },
];

const version = (o: Obj) => o.apiVersion.split('/').pop();
const handled = (o: Obj, error: string) => `${o.kind} in version "${version(o)}" cannot be handled as a ${o.kind}: ${error}`;

async function withApi(t: { teardown(fn: () => Promise<void>): void }): Promise<StandinApi> {
  const api = await startStandinApi();
  t.teardown(() => api.stop());
  return api;
}

for (const row of creates) {
  test(`create and update: 400 BadRequest: ${row.title}`, async (t) => {
    const api = await withApi(t);
    const post = await api.request('POST', `${PATH[row.bad.kind]}?fieldValidation=Strict`, row.bad);
    t.is(post.status, 400);
    t.deepEqual(post.body, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: handled(row.bad, row.error), reason: 'BadRequest', code: 400 });
    // the real kubectl prints it as the server's BadRequest
    const created = await api.kubectl(['create', '-f', '-'], stringify(row.bad));
    t.not(created.code, 0);
    t.true(created.stderr.includes(`Error from server (BadRequest): error when creating "STDIN": ${handled(row.bad, row.error)}`), created.stderr);
    // update: the same decoding
    const good = row.bad.kind === 'Deployment' ? deployment : row.bad.kind === 'ConfigMap' ? configMap : row.bad.kind === 'Service' ? service : pv;
    t.is((await api.request('POST', PATH[good.kind]!, good)).status, 201);
    const put = await api.request('PUT', `${PATH[good.kind]}/${good.metadata.name}?fieldValidation=Strict`, row.bad);
    t.is(put.status, 400);
    t.is(put.body.message, handled(row.bad, row.error));
    const replaced = await api.kubectl(['replace', '-f', '-'], stringify(row.bad));
    t.not(replaced.code, 0);
    t.true(replaced.stderr.includes(handled(row.bad, row.error)), replaced.stderr);
  });
}

test('without fieldValidation=Strict a mistyped value is still a 400; an undeclared field is then no decoding error', async (t) => {
  const api = await withApi(t);
  const bad = changed(deployment, (d) => (d.spec.replicas = 'one'));
  const r = await api.request('POST', PATH.Deployment!, bad);
  t.is(r.status, 400);
  t.is(r.body.message, handled(bad, 'json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32'));
  t.is((await api.kubectl(['get', 'deployments', '-n', 'default', '-o', 'name'])).stdout.trim(), '', 'nothing was stored');
});

interface PatchRow {
  title: string;
  type: 'merge' | 'json' | 'strategic';
  patch: unknown;
  strict?: boolean;
  /** The `patch` field error's detail (after `Invalid value: "<value>": `). */
  error: string;
  /** The value it prints: the patched object's JSON (JSON, merge) or the patch as Go's %+v (strategic). */
  value?: string;
}

const patches: PatchRow[] = [
  { title: 'merge patch: replicas "one" (the JSON decoder, as create)', type: 'merge', patch: { spec: { replicas: 'one' } }, error: 'json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32' },
  { title: 'JSON patch: replicas "one"', type: 'json', patch: [{ op: 'replace', path: '/spec/replicas', value: 'one' }], error: 'json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32' },
  {
    title: 'strategic merge patch: replicas "one" (the unstructured converter: no path)',
    type: 'strategic',
    patch: { spec: { replicas: 'one' } },
    value: 'map[spec:map[replicas:one]]',
    error: 'unrecognized type: int32',
  },
  { title: 'strategic merge patch: replicas 1.5', type: 'strategic', patch: { spec: { replicas: 1.5 } }, value: 'map[spec:map[replicas:1.5]]', error: 'cannot convert float64 to int32' },
  { title: 'strategic merge patch: a struct given a string', type: 'strategic', patch: { spec: { strategy: 'Recreate' } }, value: 'map[spec:map[strategy:Recreate]]', error: 'cannot restore struct from: string' },
  { title: 'merge patch: an undeclared field under Strict', type: 'merge', patch: { spec: { replica: 2 } }, strict: true, error: 'strict decoding error: unknown field "spec.replica"' },
  { title: 'strategic merge patch: an undeclared field under Strict', type: 'strategic', patch: { spec: { replica: 2 } }, strict: true, value: 'map[spec:map[replica:2]]', error: 'strict decoding error: unknown field "spec.replica"' },
];

const CONTENT_TYPE = { merge: 'application/merge-patch+json', json: 'application/json-patch+json', strategic: 'application/strategic-merge-patch+json' };

for (const row of patches) {
  test(`patch: 422 Invalid on the field "patch": ${row.title}`, async (t) => {
    const api = await withApi(t);
    t.is((await api.request('POST', PATH.Deployment!, deployment)).status, 201);
    const before = await api.request('GET', `${PATH.Deployment}/registry`);
    const r = await api.request('PATCH', `${PATH.Deployment}/registry${row.strict ? '?fieldValidation=Strict' : ''}`, row.patch as object, CONTENT_TYPE[row.type]);
    t.is(r.status, 422);
    t.is(r.body.reason, 'Invalid');
    t.is(r.body.details.causes.length, 1);
    const cause = r.body.details.causes[0];
    t.is(cause.field, 'patch');
    t.is(cause.reason, 'FieldValueInvalid');
    t.is(r.body.message, ` "" is invalid: patch: ${cause.message}`, 'NewInvalid with an empty GroupKind and name');
    t.is(r.body.details.kind, undefined);
    t.is(r.body.details.name, undefined);
    if (row.value !== undefined) t.is(cause.message, `Invalid value: ${JSON.stringify(row.value)}: ${row.error}`);
    else {
      // the patched object as the JSON the patch library wrote (keys sorted), quoted
      const m = /^Invalid value: ("(?:[^"\\]|\\.)*"): (.*)$/s.exec(cause.message);
      t.truthy(m, cause.message);
      const patched = JSON.parse(JSON.parse(m![1]!));
      t.is(patched.metadata.name, 'registry');
      t.deepEqual(Object.keys(patched), [...Object.keys(patched)].sort());
      t.is(m![2], row.error);
    }
    const after = await api.request('GET', `${PATH.Deployment}/registry`);
    t.is(after.body.metadata.resourceVersion, before.body.metadata.resourceVersion, 'nothing was stored');
  });
}

test('kubectl patch (strategic by default) shows the 422', async (t) => {
  const api = await withApi(t);
  t.is((await api.request('POST', PATH.Deployment!, deployment)).status, 201);
  const r = await api.kubectl(['patch', 'deployment', 'registry', '-n', 'default', '-p', '{"spec":{"replicas":"one"}}']);
  t.not(r.code, 0);
  t.true(r.stderr.includes('patch: Invalid value: "map[spec:map[replicas:one]]": unrecognized type: int32'), r.stderr);
});
