// The ApplySet and list entries as data: desired + what the cluster has → members, parent,
// deletions, merged lists; the data guard refuses before anything is planned.
import test from 'ava';
import { applySetId, membersReadCommand, parentObject, prunable, withMembership, PART_OF } from '../../src/engine/kinds/k8s-applyset.js';
import { listEntryObjects } from '../../src/engine/kinds/k8s-list-entries.js';
import { desiredK8s, k8s, planK8s as k8sPlan } from '../../src/engine/kinds/k8s.js';
import { shown } from '../helpers/kinds.js';
import { StateError } from '../../src/errors.js';
import type { K8sObject, K8sState } from '../../src/resources/types.js';

/** The kind's plan, as shown and applied. */
const planK8s = (r: K8sState, got: Array<{ code: number; stdout: string; stderr: string }>) => shown(k8s, k8sPlan(r, got));

const set = { parent: { name: 'regplay-registry', namespace: 'default' }, shared: [{ kind: 'Namespace', name: 'apps' }] };
const ID = applySetId(set.parent);
const obj = (kind: string, name: string, namespace?: string, labels?: Record<string, string>, apiVersion = kind === 'Deployment' ? 'apps/v1' : 'v1'): K8sObject => ({
  apiVersion,
  kind,
  metadata: { name, ...(namespace ? { namespace } : {}), ...(labels ? { labels } : {}) },
});
const member = (kind: string, name: string, namespace?: string) => obj(kind, name, namespace, { [PART_OF]: ID });

test('the ID follows kubectl\'s format: applyset-<base64url(sha256(name.namespace.Kind.group))>-v1', (t) => {
  // sha256("regplay-registry.default.ConfigMap.") in unpadded base64url
  t.regex(ID, /^applyset-[A-Za-z0-9_-]{43}-v1$/);
  t.not(applySetId({ name: 'regplay-registry', namespace: 'other' }), ID);
});

test('members get the part-of label; shared objects do not; the input is not changed', (t) => {
  const objects = [obj('Namespace', 'registry', undefined, { a: 'b' }), obj('Namespace', 'apps'), obj('Secret', 'regcred', 'apps')];
  const out = withMembership(objects, set);
  t.deepEqual(out.map((o) => o.metadata.labels), [{ a: 'b', [PART_OF]: ID }, undefined, { [PART_OF]: ID }]);
  t.deepEqual(objects[0]!.metadata.labels, { a: 'b' });
});

test('the parent records the group-kinds and the other namespaces as a growing superset', (t) => {
  const members = withMembership([obj('Namespace', 'registry'), obj('Deployment', 'registry', 'registry'), obj('Secret', 'regcred', 'apps')], set);
  const first = parentObject(set, members);
  t.deepEqual(first.metadata.annotations, {
    'applyset.kubernetes.io/tooling': 'regplay/v1',
    'applyset.kubernetes.io/contains-group-kinds': 'Deployment.apps,Namespace,Secret',
    'applyset.kubernetes.io/additional-namespaces': 'apps,registry',
  });
  t.deepEqual(first.metadata.labels, { 'applyset.kubernetes.io/id': ID });
  const later = parentObject(set, [members[0]!], { ...first, metadata: { ...first.metadata } });
  t.is((later.metadata.annotations as Record<string, string>)['applyset.kubernetes.io/contains-group-kinds'], 'Deployment.apps,Namespace,Secret');
});

test('the members read asks kubectl for the desired kinds plus those the parent records, by label, in all namespaces', (t) => {
  const cmd = membersReadCommand("'kubectl'", set, ['Secret', 'Deployment.apps', 'Secret']);
  t.is(
    cmd,
    `k=$('kubectl' get configmap regplay-registry -n default --ignore-not-found -o 'jsonpath={.metadata.annotations.applyset\\.kubernetes\\.io/contains-group-kinds}') || exit $?; 'kubectl' get "Deployment.apps,Secret\${k:+,$k}" -A -l applyset.kubernetes.io/part-of=${ID} -o json`,
  );
});

test('prunable: members found that are not desired; other sets\' objects and unlabelled objects never', (t) => {
  const found = [member('Secret', 'regcred', 'team'), member('Secret', 'regcred', 'apps'), obj('Secret', 'theirs', 'apps', { [PART_OF]: 'applyset-other-v1' }), obj('Secret', 'x', 'apps')];
  const desired = withMembership([obj('Secret', 'regcred', 'apps')], set);
  t.deepEqual(prunable(found, desired, set).map((o) => `${o.metadata.namespace}/${o.metadata.name}`), ['team/regcred']);
});

const sa = (ns: string, names: string[]): K8sObject => ({ ...obj('ServiceAccount', 'default', ns), imagePullSecrets: names.map((name) => ({ name })) });
const spec = (entries: Record<string, string[]>) => [{ apiVersion: 'v1', kind: 'ServiceAccount', name: 'default', field: 'imagePullSecrets', key: 'name', refersTo: 'Secret', entries }];
const lists = (objects: K8sObject[]) => objects.map((o) => [o.metadata.namespace, (o.imagePullSecrets as Array<{ name: string }>).map((e) => e.name)]);

const listCases: Array<{ name: string; entries: Record<string, string[]>; live: K8sObject[]; pruned: K8sObject[]; expected: unknown[] }> = [
  { name: 'a user\'s list gains our entry at its end, their order kept', entries: { apps: ['regcred'] }, live: [sa('apps', ['b', 'a'])], pruned: [], expected: [['apps', ['b', 'a', 'regcred']]] },
  { name: 'our entry already there (anywhere): the list as it is (no change)', entries: { apps: ['regcred'] }, live: [sa('apps', ['regcred', 'late'])], pruned: [], expected: [['apps', ['regcred', 'late']]] },
  { name: 'a ServiceAccount not there yet: just our entry', entries: { apps: ['regcred'] }, live: [], pruned: [], expected: [['apps', ['regcred']]] },
  { name: 'a renamed pull Secret: the old entry goes, the new one comes, the user\'s stay', entries: { apps: ['pull'] }, live: [sa('apps', ['mine', 'regcred'])], pruned: [member('Secret', 'regcred', 'apps')], expected: [['apps', ['mine', 'pull']]] },
  { name: 'a dropped namespace: only our entry goes', entries: {}, live: [sa('team', ['a', 'regcred', 'b'])], pruned: [member('Secret', 'regcred', 'team')], expected: [['team', ['a', 'b']]] },
  { name: 'a dropped namespace whose list has no entry of ours: nothing to apply', entries: {}, live: [sa('team', ['a'])], pruned: [member('Secret', 'regcred', 'team')], expected: [] },
  { name: 'a dropped namespace without the ServiceAccount: nothing to apply', entries: {}, live: [], pruned: [member('Secret', 'regcred', 'team')], expected: [] },
  { name: 'a pruned Secret of another kind of object is not an entry of ours', entries: {}, live: [sa('team', ['regcred'])], pruned: [member('ConfigMap', 'regcred', 'team')], expected: [] },
];
for (const c of listCases) {
  test(`list entries: ${c.name}`, (t) => {
    t.deepEqual(lists(listEntryObjects(spec(c.entries), c.live, c.pruned)), c.expected);
  });
}

const state = (objects: K8sObject[], allowed: boolean): K8sState => ({
  kind: 'k8s',
  kubectl: { path: 'kubectl', fieldManager: 'regplay' },
  objects,
  applySet: { ...set, protect: { kinds: ['PersistentVolumeClaim', 'Namespace'], allowed, message: 'the data would be deleted', hint: 'migrate first' } },
});
const listOf = (items: K8sObject[]) => ({ code: 0, stdout: JSON.stringify({ kind: 'List', items }), stderr: '' });

test('data guard: pruning a claim or namespace fails the plan before anything is planned, naming them; allowed, they are planned as deletions', (t) => {
  const found = [member('Namespace', 'registry'), member('PersistentVolumeClaim', 'data', 'registry'), member('Secret', 'tls', 'registry')];
  const objects = [obj('Namespace', 'registry2'), obj('Secret', 'tls', 'registry2')];
  const error = t.throws(() => desiredK8s(state(objects, false), [], found, []), { instanceOf: StateError });
  t.is(error!.message, 'the data would be deleted (it would delete Namespace registry, PersistentVolumeClaim registry/data); nothing was changed');
  t.is((error as StateError).hint, 'migrate first');
  const plan = planK8s(state(objects, true), [listOf([]), listOf(found)]);
  t.deepEqual(plan.actions.filter((a) => a.startsWith('delete')), ['delete Namespace registry', 'delete PersistentVolumeClaim registry/data', 'delete Secret registry/tls']);
  t.regex(plan.script, /delete -f - --ignore-not-found >&2/);
});

test('nothing to prune and everything as wanted: no action, no script', (t) => {
  const objects = [obj('Secret', 'tls', 'registry')];
  const members = withMembership(objects, state(objects, false).applySet!);
  const parent = parentObject(set, members);
  const plan = planK8s(state(objects, false), [listOf([...members, parent]), listOf(members)]);
  t.deepEqual(plan.actions, []);
  t.is(plan.script, '');
});
