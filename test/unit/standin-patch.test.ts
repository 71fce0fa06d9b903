// The patch types the Kubernetes API stand-in accepts from `kubectl patch` (test/standin/patch.ts).
import test from 'ava';
import { applyPatch, PatchError } from '../standin/patch.js';

const sa = { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default' }, imagePullSecrets: [{ name: 'old' }] };

test('strategic merge patch replaces ServiceAccount imagePullSecrets (no merge key)', (t) => {
  t.deepEqual((applyPatch(sa, 'strategic', { imagePullSecrets: [{ name: 'regcred' }] }) as typeof sa).imagePullSecrets, [{ name: 'regcred' }]);
});

test('strategic merge patch merges containers by name and honours $patch: delete', (t) => {
  const d = { spec: { containers: [{ name: 'a', image: 'x' }, { name: 'b', image: 'y' }] } };
  const out = applyPatch(d, 'strategic', { spec: { containers: [{ name: 'a', image: 'z' }, { name: 'b', $patch: 'delete' }] } });
  t.deepEqual(out, { spec: { containers: [{ name: 'a', image: 'z' }] } });
});

test('merge patch null deletes a field', (t) => {
  t.deepEqual(applyPatch({ a: 1, b: { c: 2 } }, 'merge', { b: null }), { a: 1 });
});

test('json patch adds, removes and tests', (t) => {
  const out = applyPatch(sa, 'json', [
    { op: 'add', path: '/imagePullSecrets/-', value: { name: 'regcred' } },
    { op: 'remove', path: '/imagePullSecrets/0' },
    { op: 'test', path: '/metadata/name', value: 'default' },
  ]);
  t.deepEqual((out as typeof sa).imagePullSecrets, [{ name: 'regcred' }]);
  t.throws(() => applyPatch(sa, 'json', [{ op: 'remove', path: '/nope' }]), { instanceOf: PatchError, message: 'remove: path /nope not found' });
});
