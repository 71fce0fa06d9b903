// The Kubernetes API stand-in checks objects against the Kubernetes version of the lab's kubectl
// (1.32), not a later one or a mix: types, required fields, formats and the field set from the 1.32
// OpenAPI document (test/standin/openapi/v1.32.json), cross-checked here field by field against an
// independent generation from the v1.32.0 spec (@kubernetes/client-node 1.1.2, installed as
// kubernetes-client-node-1.32); enums from kubernetes-models (1.33), whose values for these kinds'
// writable fields 1.32 shares (docs/standin-schema.md: compared with k8s.io/api v0.32.4 and v0.33.0).
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { attributes, elementType } from '../standin/fields-1.32.js';
import { DEFINITIONS, resolve, refName, type Schema } from '../standin/openapi/schema.js';
import { checkSchema, SCHEMA_VERSION } from '../standin/schema.js';

const require = createRequire(import.meta.url);

test("the schema's version is the lab kubectl's", (t) => {
  const version = JSON.parse(spawnSync('kubectl', ['version', '--client', '-o', 'json'], { encoding: 'utf8' }).stdout || '{}');
  t.is(String(version.clientVersion?.major), '1', 'kubectl version --client');
  const minor = Number.parseInt(String(version.clientVersion?.minor), 10);
  t.is(SCHEMA_VERSION.schema, `1.${minor}`);
  const doc = JSON.parse(readFileSync(new URL('../standin/openapi/v1.32.json', import.meta.url), 'utf8')) as { source: string };
  t.true(doc.source.includes(`release-1.${minor}`), doc.source);
  const pod = readFileSync(join(dirname(require.resolve('kubernetes-client-node-1.32/package.json')), 'dist/gen/models/V1Pod.js'), 'utf8');
  t.regex(pod, new RegExp(`OpenAPI spec version: v1\\.${minor}\\.`), 'the cross-check is generated from the same minor version');
  const models = JSON.parse(readFileSync(require.resolve('kubernetes-models/package.json'), 'utf8')) as { version: string };
  t.true(models.version.startsWith(`${SCHEMA_VERSION.models}.`), `kubernetes-models ${models.version}; SCHEMA_VERSION says ${SCHEMA_VERSION.models}.x`);
});

/**
 * client-node's model name of a definition: io.k8s.api.core.v1.PodSpec → V1PodSpec; names that
 * clash between groups carry the group (apiextensions' ServiceReference → ApiextensionsV1ServiceReference).
 */
function modelName(def: string): string {
  const parts = def.split('.');
  const version = parts.at(-2)!;
  const plain = `${version[0]!.toUpperCase()}${version.slice(1)}${parts.at(-1)}`;
  return def.includes('.apiextensions.') && !attributes(plain) ? `Apiextensions${plain}` : plain;
}

/** client-node's type of a property, as the 1.32 schema would generate it. */
function expectedType(s: Schema): string {
  const name = refName(s);
  if (name) {
    const r = resolve(s)!;
    if (name.endsWith('.IntOrString')) return 'IntOrString';
    if (name.endsWith('.Time') || name.endsWith('.MicroTime')) return 'Date';
    if (!r.properties && r.type === 'string') return 'string';
    if (!r.properties && !r.type) return 'any';
    if (!r.properties && r.type === 'object') return 'any';
    return modelName(name);
  }
  switch (s.type) {
    case 'integer':
    case 'number':
      return 'number';
    case 'array':
      return `Array<${expectedType(s.items!)}>`;
    case 'object':
      return typeof s.additionalProperties === 'object' ? `{ [key: string]: ${expectedType(s.additionalProperties)}; }` : 'any';
    default:
      return s.type ?? 'any';
  }
}

test('every definition of the kinds served has the fields and types of the v1.32.0 generation (client-node), no more, no fewer', (t) => {
  let compared = 0;
  const differences: string[] = [];
  for (const [def, schema] of Object.entries(DEFINITIONS)) {
    if (!schema.properties) continue;
    const attrs = attributes(modelName(def));
    if (!attrs) {
      differences.push(`${def}: no client-node model ${modelName(def)}`);
      continue;
    }
    compared++;
    const theirs = new Map(attrs.map((a) => [a.baseName, a.type]));
    for (const [field, prop] of Object.entries(schema.properties)) {
      const type = theirs.get(field);
      if (type === undefined) differences.push(`${def}.${field}: not in client-node`);
      else if (type !== expectedType(prop) && !(elementType(type).kind === 'map' && expectedType(prop) === 'any')) differences.push(`${def}.${field}: ${expectedType(prop)} here, ${type} in client-node`);
      theirs.delete(field);
    }
    for (const field of theirs.keys()) differences.push(`${def}.${field}: only in client-node`);
  }
  t.true(compared > 150, `${compared} definitions compared`);
  t.deepEqual(differences, []);
});

test('a field 1.33 declares and 1.32 does not (lifecycle.stopSignal) is undeclared; 1.32 fields and enums are checked', (t) => {
  const deployment = (container: Record<string, unknown>) => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'r', namespace: 'n' },
    spec: { selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'i', ...container }] } } },
  });
  t.deepEqual(checkSchema(deployment({ lifecycle: { stopSignal: 'SIGTERM' } })).unknown, ['spec.template.spec.containers[0].lifecycle.stopSignal']);
  t.true(readFileSync(join(dirname(require.resolve('kubernetes-models/package.json')), 'v1/Lifecycle.d.ts'), 'utf8').includes('stopSignal'), 'the 1.33 models would have declared it');
  const ok = checkSchema(deployment({ lifecycle: { preStop: { sleep: { seconds: 1 } } } }));
  t.deepEqual([ok.unknown, ok.causes], [[], []], 'LifecycleHandler.sleep is 1.32');
  const required = checkSchema(deployment({ ports: [{ name: 'x' }] }));
  t.deepEqual(required.causes.map((c) => `${c.field}: ${c.message}`), ['spec.template.spec.containers[0].ports[0].containerPort: Required value']);
  const enums = checkSchema(deployment({ imagePullPolicy: 'Sometimes' }));
  t.deepEqual(enums.causes.map((c) => `${c.field}: ${c.message}`), ['spec.template.spec.containers[0].imagePullPolicy: Unsupported value: "Sometimes": supported values: "Always", "IfNotPresent", "Never"']);
  const range = checkSchema(deployment({ ports: [{ containerPort: 2 ** 31 }] }));
  t.deepEqual(range.causes.map((c) => c.field), ['spec.template.spec.containers[0].ports[0].containerPort'], 'int32 range (format)');
});
