import test from 'ava';
import { join } from 'node:path';
import { InputError } from '../../src/errors.js';
import { parseExtraVars } from '../../src/engine/load/extra-vars.js';
import { findPlaybook, loadPlaybook } from '../../src/engine/load/playbook.js';
import { roleCatalog } from '../../src/engine/load/roles.js';
import { tagSelected } from '../../src/engine/load/tags.js';
import { isSecret } from '../../src/secret.js';
import { tempTree } from '../helpers/fakes.js';

test('a playbook is a list of plays with roles as names or {role, vars, tags}', (t) => {
  const dir = tempTree({
    'pb.yaml': `- name: one
  hosts: workers
  vars: {a: 1}
  tags: [p]
  roles:
    - certs
    - role: htpasswd
      vars: {b: 2}
      c: 3
      tags: r
`,
  });
  const pb = loadPlaybook(join(dir, 'pb.yaml'));
  t.is(pb.plays.length, 1);
  const play = pb.plays[0]!;
  t.like(play, { name: 'one', hosts: 'workers', tags: ['p'] });
  t.deepEqual(play.vars.vars, { a: 1 });
  t.deepEqual(play.roles.map((r) => r.name), ['certs', 'htpasswd']);
  t.deepEqual(play.roles[1]!.params.vars, { b: 2, c: 3 });
  t.deepEqual(play.roles[1]!.tags, ['r']);
  t.is(play.roles[1]!.params.origins.b!.line, 8);
});

test('a play without name is named after its hosts', (t) => {
  const dir = tempTree({ 'pb.yaml': '- hosts: control_plane:workers\n  roles: [x]\n' });
  t.is(loadPlaybook(join(dir, 'pb.yaml')).plays[0]!.name, 'control_plane:workers');
});

test('playbook errors name file:line:col', (t) => {
  const cases: Array<[string, RegExp]> = [
    ['hosts: all\n', /pb\.yaml:1:1: a playbook must be a list of plays/],
    ['- hosts: all\n  roles: [a]\n  become: true\n', /pb\.yaml:3:3: 'become' is not a valid key of a play/],
    ['- name: x\n  roles: [a]\n', /pb\.yaml:1:3: the play has no hosts:/],
    ['- hosts: all\n  roles: []\n', /pb\.yaml:2:3: the play has no roles:/],
    ['- hosts: all\n  roles:\n    - {vars: {}}\n', /pb\.yaml:3:7: a role entry is a role name or a mapping with role: <name>/],
    ['- hosts: all\n  roles: [a\n', /pb\.yaml:\d+:\d+: YAML syntax error/],
  ];
  for (const [text, re] of cases) {
    const dir = tempTree({ 'pb.yaml': text });
    const e = t.throws(() => loadPlaybook(join(dir, 'pb.yaml')), { instanceOf: InputError });
    t.regex(e!.describe(), re);
  }
});

test('play site.yaml finds playbooks/site.yaml when site.yaml does not exist', (t) => {
  const dir = tempTree({ 'playbooks/site.yaml': '[]' });
  t.is(findPlaybook('site.yaml', dir, '/nonexistent'), join(dir, 'playbooks/site.yaml'));
  t.is(findPlaybook('site', dir, '/nonexistent'), join(dir, 'playbooks/site.yaml'));
  const other = tempTree({ 'site.yaml': '[]', 'playbooks/site.yaml': '[]' });
  t.is(findPlaybook('site.yaml', other, '/nonexistent'), join(other, 'site.yaml'));
  t.throws(() => findPlaybook('nope.yaml', dir, '/nonexistent'), { instanceOf: InputError, message: /playbook nope\.yaml not found/ });
});

test('the repository playbooks/site.yaml is found from the repository root, loads, and names only existing roles', (t) => {
  const root = join(import.meta.dirname, '../..');
  const pb = loadPlaybook(findPlaybook('site.yaml', root, root));
  const known = roleCatalog([]).known();
  const used = pb.plays.flatMap((p) => p.roles.map((r) => r.name));
  t.true(used.length > 0);
  for (const name of used) t.true(known.includes(name), `role ${name} exists`);
  t.true(pb.plays.every((p) => p.roles.every((r) => r.tags.length > 0)), 'every role entry has tags');
});

test('--tags selects, --skip-tags removes, always and never behave as in Ansible', (t) => {
  t.true(tagSelected(['a'], [], []));
  t.true(tagSelected(['a', 'b'], ['b'], []));
  t.false(tagSelected(['a'], ['b'], []));
  t.false(tagSelected(['a', 'b'], [], ['b']));
  t.true(tagSelected(['always'], ['b'], []));
  t.false(tagSelected(['always'], [], ['always']));
  t.false(tagSelected(['never', 'x'], [], []));
  t.true(tagSelected(['never', 'x'], ['x'], []));
  t.true(tagSelected([], ['untagged'], []));
  t.false(tagSelected([], ['tagged'], []));
});

test('-e accepts key=value words, @file.yaml (with !env) and inline YAML, later wins', (t) => {
  const dir = tempTree({ 'x.yaml': 'a: from_file\npw: !env REGPLAY_EV_PW\n' });
  const layer = parseExtraVars(['a=1 b="two words"', '@x.yaml', '{c: [1, 2]}', 'd='], dir, { env: { REGPLAY_EV_PW: 'sekrit' } });
  t.is(layer.vars.a, 'from_file');
  t.is(layer.vars.b, 'two words');
  t.deepEqual(layer.vars.c, [1, 2]);
  t.is(layer.vars.d, '');
  t.true(isSecret(layer.vars.pw));
  t.deepEqual(layer.origins.a, { file: join(dir, 'x.yaml'), line: 1, col: 1 });
  t.deepEqual(layer.origins.b, { file: '-e b' });
});

test('-e with something that is not key=value is an InputError', (t) => {
  t.throws(() => parseExtraVars(['novalue'], '/'), { instanceOf: InputError, message: /expected key=value/ });
  t.throws(() => parseExtraVars(['@/nonexistent.yaml'], '/'), { instanceOf: InputError, message: /cannot read/ });
});
