// The Kubernetes API stand-in's CustomResourceDefinitions (test/standin/custom-resources.ts): what
// apiextensions-apiserver refuses in a CRD, the kinds an established CRD serves, and a custom
// resource checked against its structural schema.
import test from 'ava';
import { crdKinds, customUnknownFields } from '../standin/custom-resources.js';
import { checkSchema } from '../standin/schema.js';
import { setCustomKinds } from '../standin/kinds.js';
import { defaultAndValidate } from '../standin/validate.js';

const ctx = { serviceIP: '10.0.0.1', nodePort: () => 30001, nodePortsInUse: () => new Set<number>() };
const schema = {
  type: 'object',
  properties: {
    spec: {
      type: 'object',
      required: ['size'],
      properties: { size: { type: 'integer' }, mode: { type: 'string', enum: ['a', 'b'] }, port: { 'x-kubernetes-int-or-string': true }, labels: { type: 'object', additionalProperties: { type: 'string' } }, free: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
    },
  },
};
const crd = () => ({
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'widgets.example.com' },
  spec: { group: 'example.com', scope: 'Namespaced', names: { kind: 'Widget', plural: 'widgets' }, versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: schema } }] },
});

test('a CRD is refused when its name is not <plural>.<group> or no version is the storage one; a valid one is Established at once', (t) => {
  t.throws(() => defaultAndValidate({ ...crd(), metadata: { name: 'widgets.other.com' } }, undefined, ctx), { message: /metadata\.name: Invalid value: "widgets\.other\.com": must be spec\.names\.plural\+"\."\+spec\.group/ });
  const noStorage = crd();
  noStorage.spec.versions[0]!.storage = false;
  t.throws(() => defaultAndValidate(noStorage, undefined, ctx), { message: /spec\.versions: Invalid value: .*must have exactly one version marked as storage version/ });
  const ok: Record<string, any> = crd();
  defaultAndValidate(ok, undefined, ctx);
  t.true(ok.status.conditions.some((c: { type: string; status: string }) => c.type === 'Established' && c.status === 'True'));
  t.like(crdKinds(ok)[0], { kind: 'Widget', group: 'example.com', version: 'v1', plural: 'widgets', singular: 'widget', namespaced: true });
  t.deepEqual(crdKinds(crd()), [], 'not established: serves nothing');
});

test('a custom resource: types, enums, required fields and undeclared fields against its schema; int-or-string and preserve-unknown-fields honoured', (t) => {
  const established: Record<string, any> = crd();
  defaultAndValidate(established, undefined, ctx);
  setCustomKinds(crdKinds(established));
  try {
    const widget = (spec: object) => ({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w', namespace: 'default' }, spec });
    t.like(checkSchema(widget({ size: 1, mode: 'a', port: 'http', labels: { x: 'y' }, free: { anything: [1] } })), { unknown: [], causes: [] });
    t.deepEqual(checkSchema(widget({ size: 1, port: 8080 })).causes, []);
    const bad = checkSchema(widget({ size: '1', mode: 'c', labels: { x: 2 } }));
    t.deepEqual(bad.causes.map((c) => c.field).sort(), ['spec.labels.x', 'spec.mode', 'spec.size']);
    t.regex(bad.causes.find((c) => c.field === 'spec.size')!.message, /spec\.size in body must be of type integer: "string"/);
    t.deepEqual(checkSchema(widget({})).causes.map((c) => c.message), ['Required value']);
    t.deepEqual(customUnknownFields(widget({ size: 1, sizee: 2, labels: {} }), schema), [['spec', 'sizee']]);
  } finally {
    setCustomKinds([]);
  }
});

test('a CRD\'s schema is checked key by key, nested schemas (items, additionalProperties) too', (t) => {
  const ok = crd();
  t.deepEqual(checkSchema(ok).unknown, []);
  const typo = crd() as Record<string, any>;
  typo.spec.versions[0].schema.openAPIV3Schema.properties.spec.properties.labels.additionalProperties = { typ: 'string' };
  t.deepEqual(checkSchema(typo).unknown, ['spec.versions[0].schema.openAPIV3Schema.properties.spec.properties.labels.additionalProperties.typ']);
});
