// The k8s resource end to end on the local transport against a fake kubectl (reads, server-side
// apply on stdin, rollout wait): three runs, and secret values never on a command line.
import test from 'ava';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { K8sState } from '../../src/resources/types.js';
import { Secret } from '../../src/secret.js';
import { LocalTransport } from '../../src/transports/local.js';
import { roleOf, run, threeRunsOn } from './executor-helpers.js';
import { tempDirs } from '../helpers/temp-dirs.js';

const kubectl = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'fake-kubectl.mjs');
const password = 'k8s-secret-password-xyz';
const tempDir = tempDirs('regplay-k8s-');
const stateFileIn = () => join(tempDir(), 'state.json');

function resource(): K8sState {
  return {
    kind: 'k8s',
    kubectl: { path: kubectl, fieldManager: 'regplay-test' },
    register: 'registry',
    objects: [
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'auth', namespace: 'registry' }, stringData: { password: new Secret(password) } },
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'registry', namespace: 'registry' }, spec: { ports: [{ port: 5000, targetPort: 5000 }] } },
      { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'registry', namespace: 'registry' }, spec: { replicas: 1 } },
    ],
    waitRollout: [{ name: 'registry', namespace: 'registry', timeoutSeconds: 60 }],
  };
}

test.serial('k8s: check applies nothing, apply creates all objects and waits for rollout, second apply changes nothing', async (t) => {
  const stateFile = stateFileIn();
  process.env.FAKE_KUBECTL_STATE = stateFile;
  const log = () => readFileSync(`${stateFile}.log`, 'utf8');
  await threeRunsOn(
    t,
    new LocalTransport({ host: 'cp1' }),
    [resource()],
    () => t.notRegex(log(), /"apply"/),
    () => {
      const state = JSON.parse(readFileSync(stateFile, 'utf8'));
      t.deepEqual(Object.keys(state).sort(), ['Deployment/registry/registry', 'Secret/registry/auth', 'Service/registry/registry']);
      t.is(state['Secret/registry/auth'].data.password, Buffer.from(password).toString('base64'));
    },
  );
  const applies = log().split('\n').filter((l) => l.includes('"apply"'));
  t.is(applies.length, 1);
  t.true(applies[0]!.includes('--field-manager=regplay-test'));
  t.is(log().split('\n').filter((l) => l.includes('"rollout"')).length, 1);
  t.false(log().includes(password));
  t.false(log().includes(Buffer.from(password).toString('base64')));
});

test.serial('k8s: registered objects are the live objects after apply, Secret data wrapped', async (t) => {
  process.env.FAKE_KUBECTL_STATE = stateFileIn();
  const r = await run(new LocalTransport({ host: 'cp1' }), roleOf(() => [resource()]), false);
  const reg = r.outcome.registered.registry as { objects: Array<{ kind: string; metadata: { uid?: string }; data?: Record<string, unknown> }> };
  t.deepEqual(reg.objects.map((o) => o.kind), ['Secret', 'Service', 'Deployment']);
  t.is(reg.objects[1]!.metadata.uid, 'uid-1');
  t.true(reg.objects[0]!.data!.password instanceof Secret);
  t.false(JSON.stringify(r.events).includes(password));
});
