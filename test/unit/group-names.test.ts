// The groups the playbook names against the inventory's: absent groups are skipped (clusters of
// every shape), near misses on either side are bad input.
import test from 'ava';
import { join } from 'node:path';
import { InputError } from '../../src/errors.js';
import { checkGroupNames } from '../../src/engine/load/group-names.js';
import { loadInventory } from '../../src/engine/load/inventory.js';
import { loadPlaybook } from '../../src/engine/load/playbook.js';
import { prepare } from '../../src/engine/load/prepare.js';
import { isNearMiss, suggestion } from '../../src/engine/load/suggest.js';
import { repoRoot } from '../helpers/play.js';
import { tempTree } from '../helpers/fakes.js';

const site = loadPlaybook(join(repoRoot, 'playbooks', 'site.yaml'));

/** An inventory with these groups, each holding the listed hosts. */
function inventory(groups: Record<string, string[]>) {
  const children = Object.entries(groups)
    .map(([g, hosts]) => `    ${g}:\n      hosts:\n${hosts.map((h) => `        ${h}: {host: 127.0.0.1}\n`).join('')}`)
    .join('');
  return loadInventory(join(tempTree({ 'inv.yaml': `all:\n  children:\n${children}` }), 'inv.yaml'));
}

function playbook(text: string) {
  return loadPlaybook(join(tempTree({ 'pb.yaml': text }), 'pb.yaml'));
}

const absentByPlay = (inv: ReturnType<typeof inventory>) => Object.fromEntries(site.plays.map((p, i) => [p.name, checkGroupNames(inv, site)[i]]));

test('site.yaml on a single node: every play that names workers or build skips them', (t) => {
  t.deepEqual(absentByPlay(inventory({ control_plane: ['cp1'] })), {
    'container runtimes behind a proxy': ['workers', 'build'],
    'registry PKI and users': [],
    'registry in Kubernetes': [],
    'registry name resolution': [],
    'containerd trusts the registry': ['workers'],
    'every other container runtime trusts the registry': ['workers'],
    'registry storage on NFS': ['workers'],
    'docker trusts the registry': ['build'],
  });
});

test('site.yaml without build hosts, and without workers', (t) => {
  const noBuild = absentByPlay(inventory({ control_plane: ['cp1'], workers: ['w1'] }));
  t.deepEqual(noBuild['docker trusts the registry'], ['build']);
  t.deepEqual(noBuild['containerd trusts the registry'], []);
  const noWorkers = absentByPlay(inventory({ control_plane: ['cp1'], build: ['b1'] }));
  t.deepEqual(noWorkers['registry storage on NFS'], ['workers']);
  t.deepEqual(noWorkers['docker trusts the registry'], []);
});

test('site.yaml with a misspelled inventory group: InputError at the group, "did you mean" the playbook\'s name', (t) => {
  for (const [typo, meant] of [
    ['worker', 'workers'],
    ['Workers', 'workers'],
    ['wokrers', 'workers'],
    ['builds', 'build'],
    ['control-plane', 'control_plane'],
    ['controlplane', 'control_plane'],
  ] as const) {
    const groups: Record<string, string[]> = { control_plane: ['cp1'], workers: ['w1'], build: ['b1'] };
    const renamed = Object.fromEntries(Object.entries(groups).map(([g, h]) => [g === meant ? typo : g, h]));
    const e = t.throws(() => checkGroupNames(inventory(renamed), site), { instanceOf: InputError }, typo);
    t.regex(e!.message, new RegExp(`^inventory group '${typo}' is not a group the playbook uses, but '${meant}' is \\(play '[^']+' \\(.*site\\.yaml:\\d+:\\d+\\)`), typo);
    t.true(e!.message.endsWith(`did you mean \`${meant}\`?`), e!.message);
    t.regex(e!.describe(), /inv\.yaml:\d+:\d+: /, 'the error points at the group in the inventory');
    t.regex(e!.hint!, /rename the group/);
  }
});

test('a misspelled group next to the right one still leaves hosts out: InputError', (t) => {
  const e = t.throws(() => checkGroupNames(inventory({ control_plane: ['cp1'], workers: ['w1'], worker: ['w2'] }), site), { instanceOf: InputError });
  t.regex(e!.message, /inventory group 'worker' .* did you mean `workers`\?/);
  t.regex(e!.hint!, /\(w2\)/);
});

test('a misspelled group in a play: InputError at its hosts: line, "did you mean" the inventory\'s group', (t) => {
  const inv = inventory({ control_plane: ['cp1'], workers: ['w1'] });
  const e = t.throws(() => checkGroupNames(inv, playbook('- hosts: control_plane\n  roles: [r]\n- hosts: control_plan\n  roles: [r]\n')), { instanceOf: InputError });
  t.regex(e!.describe(), /^.*pb\.yaml:3:3: play 'control_plan': hosts "control_plan": the inventory has no group 'control_plan' but has 'control_plane' \(.*inv\.yaml:\d+:\d+\): did you mean `control_plane`\?/);
  const single = t.throws(() => checkGroupNames(inv, playbook('- hosts: wrokers\n  roles: [r]\n')), { instanceOf: InputError });
  t.regex(single!.message, /did you mean `workers`\?/);
});

test('not near misses: sub-groups, numbered siblings, short names, groups whose hosts the expected group has', (t) => {
  const pb = playbook('- hosts: workers:storage:db\n  roles: [r]\n');
  // worker_a is a child of workers: its hosts are workers already
  const nested = loadInventory(join(tempTree({ 'inv.yaml': 'all:\n  children:\n    workers:\n      children:\n        worker_a:\n          hosts:\n            w1: {host: 127.0.0.1}\n' }), 'inv.yaml'));
  t.deepEqual(checkGroupNames(nested, pb), [['storage', 'db']]);
  t.deepEqual(checkGroupNames(inventory({ workers: ['w1'], workers2: ['w2'], rack1: ['w1'], dc: ['w1'] }), pb), [['storage', 'db']]);
  // a playbook that names both spellings means two groups
  t.deepEqual(checkGroupNames(inventory({ worker: ['w1'], workers: ['w2'] }), playbook('- hosts: worker:workers\n  roles: [r]\n')), [[]]);
});

test('isNearMiss and suggestion', (t) => {
  t.true(isNearMiss('worker', 'workers'));
  t.true(isNearMiss('control-plane', 'control_plane'));
  t.true(isNearMiss('CONTROLPLANE', 'control_plane'));
  t.true(isNearMiss('wrokers', 'workers'));
  t.false(isNearMiss('workers', 'workers'));
  t.false(isNearMiss('w1', 'w2'));
  t.false(isNearMiss('rack1', 'rack2'));
  t.false(isNearMiss('db', 'dc'));
  t.false(isNearMiss('kube_control_plane', 'control_plane'));
  t.is(suggestion('worker', ['build', 'workers', 'control_plane']), 'workers');
  t.is(suggestion('storage', ['build', 'workers']), undefined);
});

test('a role variable naming a near miss of an inventory group is bad input at the place it was set; an absent group is fine', async (t) => {
  const inv = (vars: string) => `all:
  vars:
    registry_name: registry.lab
    registry_port: 5000
    registry_users: [{name: alice, password: !env ALICE_PW}]
${vars}  children:
    control_plane:
      hosts:
        cp1: {host: 127.0.0.1}
    workers:
      hosts:
        w1: {host: 127.0.0.2}
`;
  const run = (vars: string, extraVars: string[] = []) => {
    const dir = tempTree({ 'inv.yaml': inv(vars) });
    return prepare({ playbook: join(repoRoot, 'playbooks', 'site.yaml'), inventory: join(dir, 'inv.yaml'), extraVars, cwd: dir, env: { ALICE_PW: 'pw' } });
  };
  const e = await t.throwsAsync(run('    cri_proxy_containerd_groups: [control_plane, worker]\n'), { instanceOf: InputError });
  t.regex(e!.describe(), /inv\.yaml:6:\d+: play 'container runtimes behind a proxy', host cp1: role cri-proxy: variable cri_proxy_containerd_groups names group 'worker', which the inventory lacks: did you mean `workers`\?/);
  const dns = await t.throwsAsync(run('', ['{dns_hosts_cluster_groups: [controlplane, workers]}']), { instanceOf: InputError });
  t.regex(dns!.message, /role dns-hosts: variable dns_hosts_cluster_groups names group 'controlplane', which the inventory lacks: did you mean `control_plane`\?/);
  // build is absent from this inventory (the default cri_proxy_docker_groups names it), storage too: fine
  await t.notThrowsAsync(run('    dns_hosts_cluster_groups: [control_plane, workers, storage]\n'));
});
