// Warnings a program prints while it applies a step successfully (kubectl's `Warning:` lines) travel
// on the step event: the human reporter prints them right after the step as Ansible prints a module's
// warnings, JUnit keeps them in the testcase output, both redacted. The lab test is
// test/integration/k8s-warnings.test.ts.
import test from 'ava';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EngineEvent } from '../../src/engine/events.js';
import { kubectlWarnings } from '../../src/engine/kinds/k8s.js';
import { humanReporter } from '../../src/reporters/human.js';
import { junitReporter } from '../../src/reporters/junit.js';
import { Secret } from '../../src/secret.js';
import { tempTree } from '../helpers/fakes.js';

test('kubectl stderr: the Warning lines only (rollout and delete progress are not warnings), each text once, colour or not', (t) => {
  const stderr = [
    'Warning: spec.template.spec.nodeSelector[beta.kubernetes.io/arch]: deprecated since v1.14; use "kubernetes.io/arch" instead',
    'Waiting for deployment "registry" rollout to finish: 0 of 1 updated replicas are available...',
    '\x1b[33;1mWarning:\x1b[0m would violate PodSecurity "restricted:latest": runAsNonRoot != true',
    'deployment "registry" successfully rolled out',
    'ingress.networking.k8s.io "registry" deleted',
    'Warning: spec.template.spec.nodeSelector[beta.kubernetes.io/arch]: deprecated since v1.14; use "kubernetes.io/arch" instead',
    '',
  ].join('\n');
  t.deepEqual(kubectlWarnings(stderr), [
    'spec.template.spec.nodeSelector[beta.kubernetes.io/arch]: deprecated since v1.14; use "kubernetes.io/arch" instead',
    'would violate PodSecurity "restricted:latest": runAsNonRoot != true',
  ]);
  t.deepEqual(kubectlWarnings('Waiting for deployment "registry" rollout to finish\n'), []);
  t.deepEqual(kubectlWarnings(''), []);
});

const secret = new Secret('s3cr3t-Warn-pw', 'password');
const events: EngineEvent[] = [
  { type: 'run-start', playbook: 'k8s.yaml', check: false, hosts: ['cp1'] },
  { type: 'play-start', play: 'p', hosts: ['cp1'], readOnlyHosts: [] },
  { type: 'step', play: 'p', role: 'k8s-apply', host: 'cp1', step: 'registry objects', status: 'changed', actions: ['change Deployment registry/registry: spec'], warnings: ['fractional byte value "128m" is invalid', `leaked ${secret.reveal()}`], durationMs: 3 },
  { type: 'step', play: 'p', role: 'k8s-apply', host: 'cp1', step: 'other', status: 'ok', actions: [], durationMs: 1 },
  { type: 'play-end', play: 'p' },
  { type: 'run-end', recap: { cp1: { ok: 1, changed: 1, unreachable: 0, failed: 0, skipped: 0, blocked: 0, roundTrips: 1, durationMs: 1 } }, exitCode: 0, durationMs: 5 },
];

test('human: each warning on its own [WARNING] line right after its step, naming host, role and step; redacted', (t) => {
  let out = '';
  const r = humanReporter({ write: (s) => (out += s), tty: false, verbose: false, diff: false });
  events.forEach(r);
  const lines = out.split('\n');
  const at = lines.indexOf('changed: [cp1] k8s-apply | registry objects');
  t.true(at >= 0, out);
  t.deepEqual(lines.slice(at + 1, at + 3), ['[WARNING]: [cp1] k8s-apply | registry objects: fractional byte value "128m" is invalid', '[WARNING]: [cp1] k8s-apply | registry objects: leaked ***']);
  t.is(lines[at + 3], 'ok: [cp1] k8s-apply | other');
  t.false(out.includes(secret.reveal()));
});

test('JUnit: the warnings in the step\'s testcase output, redacted', (t) => {
  const file = join(tempTree({}), 'out.xml');
  const junit = junitReporter(file);
  events.forEach(junit);
  const xml = readFileSync(file, 'utf8');
  t.regex(xml, /warning: fractional byte value &quot;128m&quot; is invalid\nwarning: leaked \*\*\*/);
  t.false(xml.includes(secret.reveal()));
});
