// The inventory loader's refusals word for word, its group graph and the connection settings'
// edge cases: what the mutation run (docs/mutation.md) showed no test pinned.
import test from 'ava';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../../src/errors.js';
import { connectionOf, describeType, groupMembers, groupsOf, inventoryVars, loadInventory, type Inventory } from '../../src/engine/load/inventory.js';
import { Secret } from '../../src/secret.js';
import { tempTree } from '../helpers/fakes.js';

const load = (text: string, files: Record<string, string> = {}, env: NodeJS.ProcessEnv = {}): Inventory => {
  const dir = tempTree({ 'inv.yaml': text, ...files });
  return loadInventory(join(dir, 'inv.yaml'), { env });
};
function refused(t: import('ava').ExecutionContext, text: string, files: Record<string, string> = {}, env: NodeJS.ProcessEnv = {}): InputError {
  return t.throws(() => load(text, files, env), { instanceOf: InputError }) as InputError;
}

test('a missing inventory names the file and says how to pass one', (t) => {
  const e = t.throws(() => loadInventory('/nonexistent/inv.yaml'), { instanceOf: InputError }) as InputError;
  t.is(e.message, 'inventory /nonexistent/inv.yaml not found');
  t.is(e.hint, 'pass one with -i FILE (see inventory.yaml for the format)');
});

test('an empty inventory has the group all and no host; a list is refused at its line, a scalar with the file', (t) => {
  const inv = load('');
  t.deepEqual([...inv.groups.entries()], [['all', { name: 'all', parents: [], children: [], hosts: [], vars: { vars: {}, origins: {} }, layers: [], origin: undefined }]]);
  t.is(inv.hosts.size, 0);
  t.deepEqual(load('', { 'group_vars/all.yaml': 'x: 1\n' }).groups.get('all')!.vars.vars, { x: 1 }, 'an empty inventory still reads group_vars/all');
  const e = refused(t, '- a\n');
  t.is(e.message, 'inventory must be a mapping with a top-level `all:`');
  t.like(e.origin, { line: 1 });
  const dir = tempTree({ 'inv.yaml': 'hello\n' });
  const scalar = t.throws(() => loadInventory(join(dir, 'inv.yaml')), { instanceOf: InputError }) as InputError;
  t.is(scalar.message, 'inventory must be a mapping with a top-level `all:`');
  t.deepEqual(scalar.origin, { file: join(dir, 'inv.yaml') });
  const top = refused(t, 'all: {}\nweb: {}\n');
  t.is(top.message, "unexpected top-level key 'web' in inventory");
  t.is(top.hint, 'put groups under all: { children: { <group>: ... } }');
  t.like(top.origin, { line: 2, col: 1 });
});

test('group bodies: empty is fine, a scalar is refused; every part of a group must be a mapping', (t) => {
  t.deepEqual([...load('all:\n  children:\n    a:\n').groups.keys()], ['all', 'a']);
  t.is(refused(t, 'all:\n  children:\n    a: 5\n').message, 'group a must be a mapping (hosts, vars, children)');
  t.like(refused(t, 'all:\n  children:\n    a: 5\n').origin, { line: 3, col: 5 });
  const key = refused(t, 'all:\n  host: {}\n');
  t.is(key.message, "unexpected key 'host' in group all");
  t.is(key.hint, 'a group has only hosts:, vars: and children:');
  t.like(refused(t, 'all: 5\n'), { message: 'group all must be a mapping (hosts, vars, children)', origin: { line: 1, col: 1 } });
  t.like(refused(t, 'all:\n  hosts: {}\n  vars: [1]\n'), { message: 'vars of group all must be a mapping', origin: { line: 3, col: 3 } });
  t.like(refused(t, 'all:\n  vars: {}\n  hosts: [h1]\n'), { message: 'hosts of group all must be a mapping of host names', origin: { line: 3, col: 3 } });
  t.like(refused(t, 'all:\n  vars: {}\n  children: [a]\n'), { message: 'children of group all must be a mapping of groups', origin: { line: 3, col: 3 } });
  t.is(refused(t, 'all:\n  hosts:\n    h1: 5\n').message, 'host h1 must be a mapping of variables (or empty)');
  const inv = load('all:\n  vars:\n  hosts:\n  children:\n');
  t.deepEqual([...inv.groups.keys()], ['all'], 'null vars, hosts and children are empty');
});

test('names: a host named like a group or all, a group named like a host, a group in itself are refused', (t) => {
  t.is(refused(t, 'all:\n  children:\n    web: {}\n    db:\n      hosts:\n        web:\n').message, 'host web has the name of a group');
  t.is(refused(t, 'all:\n  hosts:\n    all:\n').message, 'host all has the name of a group');
  t.is(refused(t, 'all:\n  hosts:\n    h1:\n  children:\n    h1: {}\n').message, 'group h1 has the name of a host');
  t.is(refused(t, 'all:\n  children:\n    all: {}\n').message, 'group all would contain itself');
  t.is(refused(t, 'all:\n  children:\n    a:\n      children:\n        b:\n          children:\n            a: {}\n').message, 'group a would contain itself');
  t.like(refused(t, 'all:\n  children:\n    all: {}\n').origin, { line: 3, col: 5 });
});

test('a group under two parents has both, each parent lists it once; hosts directly under all are ungrouped', (t) => {
  const inv = load('all:\n  hosts:\n    solo:\n  children:\n    x:\n      children:\n        shared:\n          hosts: {h1: }\n    y:\n      children:\n        shared:\n          hosts: {h2: }\n');
  t.deepEqual(inv.groups.get('shared')!.parents, ['x', 'y']);
  t.deepEqual(inv.groups.get('x')!.children, ['shared']);
  t.deepEqual(inv.groups.get('shared')!.hosts, ['h1', 'h2']);
  t.deepEqual(inv.groups.get('ungrouped'), { name: 'ungrouped', parents: ['all'], children: [], hosts: ['solo'], vars: { vars: {}, origins: {} }, layers: [] });
  t.deepEqual(groupsOf(inv, 'h1'), ['all', 'x', 'y', 'shared']);
  t.deepEqual(groupMembers(inv), { all: ['solo', 'h1', 'h2'], x: ['h1', 'h2'], shared: ['h1', 'h2'], y: ['h1', 'h2'], ungrouped: ['solo'] });
  t.deepEqual(inventoryVars(inv, 'nobody'), { vars: {}, origins: {} });
  t.false(load('all:\n  children:\n    a:\n      hosts: {h1: }\n').groups.has('ungrouped'), 'no ungrouped group without ungrouped hosts');
});

test('a host defined twice gets both definitions merged; a group written twice lists its host and its child once', (t) => {
  const inv = load('all:\n  children:\n    a:\n      hosts: {h1: {x: 1}}\n    b:\n      hosts: {h1: {y: 2}}\n');
  t.deepEqual(inv.hosts.get('h1')!.vars.vars, { x: 1, y: 2 });
  t.like(inv.hosts.get('h1')!.origin, { line: 4 }, 'the first definition is the host’s origin');
  // Group a appears under all and again under b, with the same host and child each time.
  const twice = load('all:\n  children:\n    a:\n      hosts: {h1: }\n      children: {c: }\n    b:\n      children:\n        a:\n          hosts: {h1: }\n          children: {c: }\n');
  const a = twice.groups.get('a')!;
  t.deepEqual([a.parents, a.hosts, a.children], [['all', 'b'], ['h1'], ['c']]);
  t.deepEqual(twice.groups.get('c')!.parents, ['a']);
  t.deepEqual(groupMembers(twice).a, ['h1']);
});

test('a group under parents of different depths sorts after the deepest: its vars beat every ancestor’s', (t) => {
  // shared is under x (depth 1) and under z (all → y → z, depth 2): it is at depth 3, after z.
  const inv = load('all:\n  children:\n    x:\n      children:\n        shared:\n          vars: {v: shared}\n          hosts: {h1: }\n    y:\n      children:\n        z:\n          vars: {v: z}\n          children:\n            shared:\n');
  t.deepEqual(groupsOf(inv, 'h1'), ['all', 'x', 'y', 'z', 'shared']);
  t.is(inventoryVars(inv, 'h1').vars.v, 'shared');
});

test('vars files: .yml and no extension are read, an empty file is no variables, a list is refused', (t) => {
  const inv = load('all:\n  children:\n    web:\n      hosts: {h1: }\n', { 'group_vars/web.yml': 'a: 1\n', 'host_vars/h1': 'b: 2\n', 'group_vars/all.yaml': '' });
  t.is(inventoryVars(inv, 'h1').vars.a, 1);
  t.is(inventoryVars(inv, 'h1').vars.b, 2);
  const e = refused(t, 'all:\n  hosts: {h1: }\n', { 'host_vars/h1.yaml': '- 1\n' });
  t.is(e.message, 'a vars file must be a mapping');
  t.like(e.origin, { line: 1 });
  const dir = tempTree({ 'inv.yaml': 'all:\n  hosts: {h1: }\n', 'host_vars/h1.yaml': 'hello\n' });
  const scalar = t.throws(() => loadInventory(join(dir, 'inv.yaml')), { instanceOf: InputError }) as InputError;
  t.is(scalar.message, 'a vars file must be a mapping');
  t.deepEqual(scalar.origin, { file: join(dir, 'host_vars/h1.yaml') });
});

test('a conflict names where the first value was written; a conflict given only by the same value is none', (t) => {
  const e = refused(t, 'all:\n  children:\n    a:\n      hosts: {h1: {port: 22}}\n    b:\n      hosts: {h1: {port: 23}}\n');
  t.regex(e.message, /^duplicate host h1 with conflicting port: 23 here, 22 at .*inv\.yaml:4:20$/);
  t.like(e.origin, { line: 6 });
  t.is(e.hint, 'define the host once with its connection settings; list it elsewhere with an empty body (`w1:`)');
  const block = refused(t, 'all:\n  children:\n    a:\n      hosts:\n        h1:\n          port: 22\n    b:\n      hosts:\n        h1:\n          port: 23\n');
  t.regex(block.message, /, 22 at .*inv\.yaml:6:11$/, 'the first value’s own line, not its host’s');
  t.like(block.origin, { line: 10, col: 11 });
  // 22 and "22" print alike: no conflict, the later (a string) is then refused as a port.
  t.is(refused(t, 'all:\n  children:\n    a:\n      hosts: {h1: {port: 22}}\n    b:\n      hosts: {h1: {port: "22"}}\n').message, 'host h1: port must be a whole number 1-65535 (got the string "22")');
});

const conn = (vars: string, files: Record<string, string> = {}, env: NodeJS.ProcessEnv = {}) => {
  const inv = load(`all:\n  hosts:\n    h1: ${vars}\n`, files, env);
  return connectionOf(inv, 'h1', env);
};
const connRefused = (t: import('ava').ExecutionContext, vars: string, files: Record<string, string> = {}) => t.throws(() => conn(vars, files), { instanceOf: InputError }) as InputError;

test('connection defaults: the inventory name as host, strict host keys, no become, ssh', (t) => {
  t.deepEqual(conn('{}'), { name: 'h1', host: 'h1', port: undefined, user: undefined, sshKey: undefined, knownHosts: undefined, hostKeyChecking: 'strict', become: false, transport: 'ssh' });
});

test('connection keys: two spellings of one setting on one host conflict; null is no value', (t) => {
  t.is(refused(t, 'all:\n  hosts:\n    h1: {ansible_host: a.example, host: b.example}\n').message.startsWith('duplicate host h1 with conflicting host: b.example here, a.example at '), true);
  const layered = load('all:\n  vars: {ansible_host: a.example}\n  hosts:\n    h1: {host: b.example}\n    h2: {host: ~}\n');
  t.is(connectionOf(layered, 'h1', {}).host, 'b.example');
  t.is(connectionOf(layered, 'h2', {}).host, 'a.example');
  t.is(conn('{port: ~}').port, undefined);
  t.deepEqual(connectionOf(layered, 'nobody', {}), { name: 'nobody', host: 'nobody', port: undefined, user: undefined, sshKey: undefined, knownHosts: undefined, hostKeyChecking: 'strict', become: false, transport: 'ssh' }, 'a name not in the inventory gets the defaults, as its inventoryVars are empty');
});

test('connection keys: the host’s setting beats its groups’ in any spelling, as in Ansible (host vars over group vars)', (t) => {
  const inv = load(
    'all:\n  vars: {host: all.example, port: 2200}\n  children:\n    web:\n      vars: {host: group.example, user: web, port: 2201}\n      hosts:\n        h1: {ansible_host: h1.example, ansible_user: admin}\n        h2:\n    db:\n      vars: {ansible_host: db.example}\n      hosts:\n        h3: {host: h3.example, ansible_port: 2203}\n        h4:\n',
  );
  t.like(connectionOf(inv, 'h1', {}), { host: 'h1.example', user: 'admin', port: 2201 });
  t.like(connectionOf(inv, 'h2', {}), { host: 'group.example', user: 'web', port: 2201 });
  t.like(connectionOf(inv, 'h3', {}), { host: 'h3.example', port: 2203 });
  t.like(connectionOf(inv, 'h4', {}), { host: 'db.example', port: 2200 }, 'a group’s ansible_host beats all.vars’ host');
  const bad = refused(t, 'all:\n  vars: {host: ok.example}\n  hosts:\n    h1: {ansible_host: ""}\n');
  t.is(bad.message, 'host h1: ansible_host must be a non-empty string (got an empty string)');
  t.like(bad.origin, { line: 4 });
});

test('connection keys: host_vars/ and group_vars/ files beat the inline vars in any spelling; within one layer the later spelling wins', (t) => {
  const inv = load('all:\n  children:\n    web:\n      vars: {port: 2201, ansible_user: inline}\n      hosts:\n        h1: {host: inline.example}\n        h2:\n', {
    'host_vars/h1.yaml': 'ansible_host: file.example\n',
    'group_vars/web.yaml': 'ansible_port: 2202\nuser: file\n',
  });
  t.like(connectionOf(inv, 'h1', {}), { host: 'file.example', port: 2202, user: 'file' });
  const refusedAt = t.throws(() => load('all:\n  hosts: {h1: }\n', { 'host_vars/h1.yaml': 'port: 0\n' }), { instanceOf: InputError }) as InputError;
  t.like(refusedAt.origin, { line: 1 }, 'a bad value names the vars file’s line');
  t.true(refusedAt.origin!.file.endsWith('host_vars/h1.yaml'));
  const oneLayer = load('all:\n  vars: {ansible_host: a.example, host: b.example}\n  hosts: {h1: }\n');
  t.is(connectionOf(oneLayer, 'h1', {}).host, 'b.example');
});

test('the Ansible spellings of the connection settings', (t) => {
  const c = conn('{ansible_ssh_private_key_file: keys/id, ansible_become: yes, ansible_become_password: !env PW, ansible_connection: local}', { 'keys/id': 'KEY' }, { PW: 'pw' });
  t.true(c.sshKey!.endsWith('/keys/id'));
  t.true(c.become);
  t.is(c.becomePassword!.reveal(), 'pw');
  t.is(c.transport, 'local');
  t.is(connRefused(t, '{ansible_become_password: plain}').message, 'host h1: ansible_become_password must be a secret, not plain text');
});

test('port: a whole number 1-65535, with the key and the type named', (t) => {
  t.is(conn('{port: 1}').port, 1);
  t.is(conn('{ansible_port: 65535}').port, 65535);
  t.is(connRefused(t, '{port: 0}').message, 'host h1: port 0 is out of range (1-65535)');
  t.is(connRefused(t, '{port: 65536}').message, 'host h1: port 65536 is out of range (1-65535)');
  t.is(connRefused(t, '{port: 22.5}').message, 'host h1: port must be a whole number 1-65535 (got the number 22.5)');
  t.is(connRefused(t, '{ansible_port: "22"}').message, 'host h1: ansible_port must be a whole number 1-65535 (got the string "22")');
  t.like(connRefused(t, '{port: 0}').origin, { line: 3 });
});

test('transport and become: their spellings, and the refusal of anything else', (t) => {
  t.is(conn('{transport: local}').transport, 'local');
  t.is(conn('{ansible_connection: ssh}').transport, 'ssh');
  t.is(connRefused(t, '{transport: docker}').message, 'host h1: transport must be ssh or local (got "docker")');
  for (const [v, want] of [['true', true], ['"true"', true], ['yes', true], ['false', false], ['"false"', false], ['no', false]] as const) t.is(conn(`{become: ${v}}`).become, want, v);
  t.is(connRefused(t, '{become: maybe}').message, 'host h1: become must be true or false (got "maybe")');
  t.is(connRefused(t, '{host_key_checking: sometimes}').message.startsWith('host h1: host_key_checking must be '), true);
  t.true(connRefused(t, '{host_key_checking: sometimes}').message.endsWith('(got "sometimes")'));
});

test('text settings: a non-empty string, the type named (never the value of a secret)', (t) => {
  t.is(connRefused(t, '{host: ""}').message, 'host h1: host must be a non-empty string (got an empty string)');
  t.is(connRefused(t, '{user: 5}').message, 'host h1: user must be a non-empty string (got the number 5)');
  t.is(connRefused(t, '{ansible_user: [a]}').message, 'host h1: ansible_user must be a non-empty string (got a list)');
  t.is(connRefused(t, '{user: {a: 1}}').message, 'host h1: user must be a non-empty string (got a mapping)');
  t.is(connRefused(t, '{user: true}').message, 'host h1: user must be a non-empty string (got the boolean true)');
  t.is(conn('{user: admin}').user, 'admin');
  t.is(describeType(null), 'nothing');
  t.is(describeType(undefined), 'nothing');
  t.is(describeType(new Secret('x')), 'a secret');
  t.is(describeType('x'), 'the string "x"');
});

test('become password: only a secret, of one line', (t) => {
  const plain = connRefused(t, '{become_password: hunter2}');
  t.is(plain.message, 'host h1: become_password must be a secret, not plain text');
  t.is(plain.hint, 'write it as `become_password: !env NAME` or `become_password: !file path`');
  t.false(plain.message.includes('hunter2'));
  const two = refused(t, 'all:\n  hosts:\n    h1: {ansible_become_pass: !env PW}\n', {}, { PW: 'a\nb' });
  t.is(two.message, 'host h1: ansible_become_pass must be one line (sudo reads one line)');
  t.is(two.hint, 'remove the line break (a !file keeps its trailing newline out already)');
  const ok = load('all:\n  hosts:\n    h1: {become_password: !env PW}\n', {}, { PW: 'pw' });
  t.is(connectionOf(ok, 'h1', {}).becomePassword!.reveal(), 'pw');
  t.false('becomePassword' in conn('{}'));
});

test('ssh key: resolved against the inventory, checked readable with a hint; a known_hosts file that does not exist yet is fine', (t) => {
  const c = conn('{ssh_key: keys/id, known_hosts: kh/none}', { 'keys/id': 'KEY' });
  t.true(c.sshKey!.endsWith('/keys/id'));
  t.true(c.knownHosts!.endsWith('/kh/none'));
  const e = connRefused(t, '{ssh_key: keys/missing}');
  t.is(e.hint, 'fix the path in ssh_key, or remove it to use ssh-agent');
  t.regex(e.message, /^host h1: ssh key .*keys\/missing is not readable \(ENOENT\)$/);
});

test('known_hosts that exists is checked: a directory is refused', (t) => {
  const dir = tempTree({ 'inv.yaml': 'all:\n  hosts:\n    h1: {known_hosts: kh}\n' });
  mkdirSync(join(dir, 'kh'));
  t.throws(() => loadInventory(join(dir, 'inv.yaml')), { instanceOf: InputError, message: /host h1: known_hosts .*kh is a directory, not a file/ });
});
