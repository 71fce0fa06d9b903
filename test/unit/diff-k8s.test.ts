// The Kubernetes comparison (src/engine/kinds/diff-k8s.ts) function by function: desired ⊆ live with the
// paths that differ, Secret data folded and masked, live objects as facts. Written from the
// survivors of `npm run mutate -- diff-k8s`.
import test from 'ava';
import { compareObject, liveAsFact, maskObject, normalizeDesired, project, revealDeep, revealedJson, subsetDiff } from '../../src/engine/kinds/diff-k8s.js';
import type { K8sObject } from '../../src/resources/types.js';
import { isSecret, Secret } from '../../src/secret.js';

test('subsetDiff: null wants null or nothing; a scalar or list where an object is wanted differs', (t) => {
  t.deepEqual(subsetDiff(null, null, 'a'), []);
  t.deepEqual(subsetDiff(null, undefined, 'a'), []);
  t.deepEqual(subsetDiff(null, 0, 'a'), ['a']);
  t.deepEqual(subsetDiff(undefined, 5, 'a'), []);
  t.deepEqual(subsetDiff({ x: 1 }, 'text', 'a'), ['a']);
  t.deepEqual(subsetDiff({ x: 1 }, [1], 'a'), ['a']);
  t.deepEqual(subsetDiff({ x: 1 }, null, 'a'), ['a']);
  t.deepEqual(subsetDiff({}, null, 'a'), []);
});

test('subsetDiff: lists compare element-wise with equal length; a missing list is only equal when empty', (t) => {
  t.deepEqual(subsetDiff([1, 2], [1, 2]), []);
  t.deepEqual(subsetDiff([1, 2], [1, 3], 'l'), ['l[1]']);
  t.deepEqual(subsetDiff([1, 2], [1, 2, 3], 'l'), ['l']);
  t.deepEqual(subsetDiff([1], { 0: 1 }, 'l'), ['l']);
  t.deepEqual(subsetDiff([], null, 'l'), []);
  t.deepEqual(subsetDiff([], undefined, 'l'), []);
  t.deepEqual(subsetDiff([1], null, 'l'), ['l']);
  t.deepEqual(subsetDiff([{ a: 1, b: { c: 2 } }], [{ a: 1, b: { c: 3 } }], 'x'), ['x[0].b.c']);
  t.deepEqual(subsetDiff({ a: { b: 1 } }, { a: { b: 2 } }), ['a.b']);
});

test('subsetDiff: a number equals its numeric string either way, nothing else is loosely equal', (t) => {
  t.deepEqual(subsetDiff(5000, '5000', 'p'), []);
  t.deepEqual(subsetDiff('5000', 5000, 'p'), []);
  t.deepEqual(subsetDiff(5000, '5001', 'p'), ['p']);
  t.deepEqual(subsetDiff(true, 'true', 'p'), ['p']);
  t.deepEqual(subsetDiff(0, false, 'p'), ['p']);
  t.deepEqual(subsetDiff('1', true, 'p'), ['p']);
  t.deepEqual(subsetDiff(5, [5], 'p'), ['p']);
  t.deepEqual(subsetDiff('5', [5], 'p'), ['p']);
  t.deepEqual(subsetDiff(new Secret('s3'), 's3', 'p'), []);
  t.deepEqual(subsetDiff(new Secret('s3'), 's4', 'p'), ['p']);
  // A Secret is a value, not an object to descend into.
  t.deepEqual(subsetDiff({ v: new Secret('s3') }, { v: { value: 's3' } }), ['v']);
});

test('normalizeDesired: a v1 Secret\'s stringData joins its data as base64; other objects are left alone', (t) => {
  const s: K8sObject = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, data: { a: 'YQ==' }, stringData: { b: new Secret('bee'), c: 7 } };
  const n = normalizeDesired(s);
  t.false('stringData' in n);
  t.deepEqual(revealDeep(n.data), { a: 'YQ==', b: Buffer.from('bee').toString('base64'), c: Buffer.from('7').toString('base64') });
  t.true(isSecret((n.data as Record<string, unknown>).b));
  t.is(((n.data as Record<string, unknown>).b as Secret).label, 'secret data');
  const onlyStringData = normalizeDesired({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, stringData: { b: 'x' } });
  t.deepEqual(revealDeep(onlyStringData.data), { b: 'eA==' });
  for (const o of [
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, stringData: { b: 'x' } },
    { apiVersion: 'v2', kind: 'Secret', metadata: { name: 's' }, stringData: { b: 'x' } },
    { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, stringData: 'x' },
  ] as K8sObject[]) {
    t.is(normalizeDesired(o), o);
  }
});

test('compareObject: apiVersion and kind are not compared, everything else the object sets is', (t) => {
  const desired: K8sObject = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' }, spec: { replicas: 1 } };
  t.deepEqual(compareObject(desired, { apiVersion: 'apps/v1beta2', kind: 'Other', metadata: { name: 'd' }, spec: { replicas: 1 } } as K8sObject), []);
  t.deepEqual(compareObject(desired, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' }, spec: { replicas: 2 } }), ['spec.replicas']);
  const secret: K8sObject = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, stringData: { a: 'x' } };
  t.deepEqual(compareObject(secret, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, data: { a: 'eA==' } }), []);
});

test('project: the live values at the places desired sets, and live itself where shapes differ', (t) => {
  t.deepEqual(project({ a: 1, b: { c: 2 }, d: 3 }, { a: 9, b: { c: 8, x: 0 }, y: 1 }), { a: 9, b: { c: 8 } });
  t.deepEqual(project([{ a: 1 }, { a: 2 }], [{ a: 5, z: 1 }]), [{ a: 5 }, undefined]);
  t.deepEqual(project([1], 'live'), 'live');
  t.deepEqual(project({ a: 1 }, 'live'), 'live');
  t.deepEqual(project('x', { a: 1 }), { a: 1 });
});

test('maskObject: Secrets and every value of a Secret object\'s data/stringData become ***', (t) => {
  t.is(maskObject(new Secret('pw')), '***');
  t.deepEqual(maskObject([new Secret('pw'), 'plain']), ['***', 'plain']);
  t.deepEqual(maskObject({ kind: 'Secret', metadata: { name: 's' }, data: { a: 'YQ==' }, stringData: { b: 'x' }, type: 'Opaque' }), { kind: 'Secret', metadata: { name: 's' }, data: { a: '***' }, stringData: { b: '***' }, type: 'Opaque' });
  t.deepEqual(maskObject({ kind: 'ConfigMap', data: { a: 'visible' } }), { kind: 'ConfigMap', data: { a: 'visible' } });
  t.deepEqual(maskObject({ data: { a: 'YQ==' } }, true), { data: { a: '***' } });
  t.deepEqual(maskObject({ kind: 'Secret', data: 'not an object' }), { kind: 'Secret', data: 'not an object' });
  t.deepEqual(maskObject({ spec: { env: [{ value: new Secret('pw') }] } }), { spec: { env: [{ value: '***' }] } });
  // secretData reaches only the top level: an object nested in a list is judged by its own kind.
  t.deepEqual(maskObject({ items: [{ data: { a: 'visible' } }] }, true), { items: [{ data: { a: 'visible' } }] });
  t.is(maskObject(7), 7);
});

test('revealDeep and revealedJson: every Secret replaced by its plaintext, nothing else changed', (t) => {
  const o = { a: new Secret('pw'), b: [new Secret('x'), 1], c: { d: 'plain', e: null } };
  t.deepEqual(revealDeep(o), { a: 'pw', b: ['x', 1], c: { d: 'plain', e: null } });
  t.is(revealedJson(o), '{"a":"pw","b":["x",1],"c":{"d":"plain","e":null}}');
});

test('liveAsFact: a live Secret\'s data values become Secrets named after the object and key; other objects pass as they are', (t) => {
  const live: K8sObject = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'auth' }, data: { password: 'cHc=' } };
  const fact = liveAsFact(live);
  const value = (fact.data as Record<string, unknown>).password;
  t.true(isSecret(value));
  t.is((value as Secret).reveal(), 'cHc=');
  t.is((value as Secret).label, 'auth.password');
  t.is(fact.metadata, live.metadata);
  const cm: K8sObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { a: 'b' } };
  t.is(liveAsFact(cm), cm);
  const noData: K8sObject = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' } };
  t.is(liveAsFact(noData), noData);
});
