import test from 'ava';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HOST_KEY_CHECKING_SPELLINGS } from '../../src/transports/host-key-checking.js';
import { normalizeChecking } from '../../src/transports/ssh-connect.js';
import { InputError } from '../../src/errors.js';
import { connectionOf, groupMembers, inventoryVars, loadInventory } from '../../src/engine/load/inventory.js';
import { isSecret } from '../../src/secret.js';
import { tempTree } from '../helpers/fakes.js';

const nested = `all:
  vars:
    level: all
    from_all: 1
  children:
    k8s:
      vars:
        level: k8s
      children:
        control_plane:
          vars:
            level: control_plane
          hosts:
            cp1: {host: 10.0.0.1, port: 2222, user: admin, become: true}
        workers:
          vars:
            level: workers
          hosts:
            w1:
            w2: {level: host}
    build:
      hosts:
        b1: {transport: local}
`;

test('hosts get every ancestor group, all first, parents before children', (t) => {
  const inv = loadInventory(join(tempTree({ 'inv.yaml': nested }), 'inv.yaml'));
  t.deepEqual([...inv.hosts.keys()], ['cp1', 'w1', 'w2', 'b1']);
  t.deepEqual(inv.hosts.get('cp1')!.groups, ['all', 'k8s', 'control_plane']);
  t.deepEqual(groupMembers(inv).k8s, ['cp1', 'w1', 'w2']);
});

test('child group vars override parent group vars, host vars override group vars', (t) => {
  const inv = loadInventory(join(tempTree({ 'inv.yaml': nested }), 'inv.yaml'));
  t.is(inventoryVars(inv, 'cp1').vars.level, 'control_plane');
  t.is(inventoryVars(inv, 'w1').vars.level, 'workers');
  t.is(inventoryVars(inv, 'w2').vars.level, 'host');
  t.is(inventoryVars(inv, 'b1').vars.level, 'all');
  t.is(inventoryVars(inv, 'b1').vars.from_all, 1);
});

test('every variable keeps the file:line where it was set', (t) => {
  const dir = tempTree({ 'inv.yaml': nested });
  const inv = loadInventory(join(dir, 'inv.yaml'));
  t.deepEqual(inventoryVars(inv, 'w2').origins.level, { file: join(dir, 'inv.yaml'), line: 20, col: 18 });
  t.is(inventoryVars(inv, 'w1').origins.level!.line, 17);
});

test('sibling groups merge alphabetically: the later name wins', (t) => {
  const inv = loadInventory(
    join(
      tempTree({
        'inv.yaml': `all:
  children:
    zeta: {vars: {x: zeta}, hosts: {h1: }}
    alpha: {vars: {x: alpha}, hosts: {h1: }}
`,
      }),
      'inv.yaml',
    ),
  );
  t.is(inventoryVars(inv, 'h1').vars.x, 'zeta');
});

test('group_vars and host_vars files beside the inventory override inline vars', (t) => {
  const dir = tempTree({
    'inv.yaml': nested,
    'group_vars/workers.yaml': 'level: group_vars_workers\nextra: gv\n',
    'group_vars/all.yml': 'from_all: 2\n',
    'host_vars/w1.yaml': 'extra: hv\n',
  });
  const inv = loadInventory(join(dir, 'inv.yaml'));
  const w1 = inventoryVars(inv, 'w1');
  t.is(w1.vars.level, 'group_vars_workers');
  t.is(w1.vars.extra, 'hv');
  t.is(w1.vars.from_all, 2);
  t.deepEqual(w1.origins.extra, { file: join(dir, 'host_vars/w1.yaml'), line: 1, col: 1 });
  t.is(inventoryVars(inv, 'w2').vars.level, 'host');
});

test('connection params: host, port, user, become, transport and strict host keys by default', (t) => {
  const inv = loadInventory(join(tempTree({ 'inv.yaml': nested }), 'inv.yaml'));
  t.like(connectionOf(inv, 'cp1'), { name: 'cp1', host: '10.0.0.1', port: 2222, user: 'admin', become: true, transport: 'ssh', hostKeyChecking: 'strict' });
  t.like(connectionOf(inv, 'w1'), { host: 'w1', port: undefined, become: false, transport: 'ssh' });
  t.like(connectionOf(inv, 'b1'), { transport: 'local' });
});

test('ssh_key and known_hosts are resolved relative to the inventory file', (t) => {
  const dir = tempTree({ 'inv.yaml': 'all:\n  hosts:\n    h1: {ssh_key: keys/id, known_hosts: kh, host_key_checking: accept-new}\n', 'keys/id': 'KEY' });
  const inv = loadInventory(join(dir, 'inv.yaml'));
  t.like(connectionOf(inv, 'h1'), { sshKey: join(dir, 'keys/id'), knownHosts: join(dir, 'kh'), hostKeyChecking: 'accept-new' });
});

test('a host in two groups with the same connection params is one host', (t) => {
  const inv = loadInventory(
    join(tempTree({ 'inv.yaml': 'all:\n  children:\n    a: {hosts: {h1: {host: 10.0.0.1}}}\n    b: {hosts: {h1: {host: 10.0.0.1, x: 1}}}\n' }), 'inv.yaml'),
  );
  t.deepEqual(groupMembers(inv).b, ['h1']);
  t.is(inventoryVars(inv, 'h1').vars.x, 1);
});

test('a duplicate host with conflicting connection params is an InputError naming both places', (t) => {
  const dir = tempTree({ 'inv.yaml': 'all:\n  children:\n    a: {hosts: {h1: {host: 10.0.0.1}}}\n    b:\n      hosts:\n        h1: {host: 10.0.0.2}\n' });
  const e = t.throws(() => loadInventory(join(dir, 'inv.yaml')), { instanceOf: InputError });
  t.regex(e!.describe(), /inv\.yaml:6:14: duplicate host h1 with conflicting host: 10\.0\.0\.2 here, 10\.0\.0\.1 at .*inv\.yaml:3/);
});

test('two become passwords of one host (found by the property test) conflict without echoing either', (t) => {
  const dir = tempTree({ 'inv.yaml': 'all:\n  hosts:\n    h1:\n      ansible_become_pass: Sekret-one\n      become_password: Sekret-two\n' });
  const e = t.throws(() => loadInventory(join(dir, 'inv.yaml')), { instanceOf: InputError });
  t.regex(e!.describe(), /conflicting become_password: \*\*\* here, \*\*\* at /);
  t.notRegex(e!.describe(), /Sekret/);
});

test('a port out of range is an InputError with file:line', (t) => {
  const dir = tempTree({ 'inv.yaml': 'all:\n  hosts:\n    h1:\n      port: 70000\n' });
  const e = t.throws(() => loadInventory(join(dir, 'inv.yaml')), { instanceOf: InputError });
  t.regex(e!.describe(), /inv\.yaml:4:7: host h1: port 70000 is out of range \(1-65535\)/);
});

test('an unreadable ssh key file is an InputError with file:line', (t) => {
  const dir = tempTree({ 'inv.yaml': 'all:\n  hosts:\n    h1:\n      ssh_key: missing/id_ed25519\n' });
  const e = t.throws(() => loadInventory(join(dir, 'inv.yaml')), { instanceOf: InputError });
  t.regex(e!.describe(), /inv\.yaml:4:7: host h1: ssh key .*missing\/id_ed25519 is not readable \(ENOENT\)/);
});

test('a bad host_key_checking value is an InputError', (t) => {
  const dir = tempTree({ 'inv.yaml': 'all:\n  hosts:\n    h1: {host_key_checking: maybe}\n' });
  t.throws(() => loadInventory(join(dir, 'inv.yaml')), { instanceOf: InputError, message: /host_key_checking must be strict, accept-new or off/ });
  const coerced = tempTree({ 'inv.yaml': 'all:\n  hosts:\n    h1: {port: true}\n    h2: {port: "22"}\n    h3: {port: [22]}\n' });
  t.throws(() => loadInventory(join(coerced, 'inv.yaml')), { instanceOf: InputError, message: /host h1: port must be a whole number 1-65535 \(got the boolean true\)/ });
});

test('YAML syntax errors name file:line:col', (t) => {
  const dir = tempTree({ 'inv.yaml': 'all:\n  hosts:\n    h1: {port: 22\n' });
  const e = t.throws(() => loadInventory(join(dir, 'inv.yaml')), { instanceOf: InputError });
  t.regex(e!.describe(), /inv\.yaml:\d+:\d+: YAML syntax error/);
});

test('!env and !file become Secrets labelled with their source', (t) => {
  const dir = tempTree({ 'inv.yaml': 'all:\n  vars:\n    pw: !env REGPLAY_TEST_PW\n    key: !file secret.txt\n', 'secret.txt': 'file-secret\n' });
  const inv = loadInventory(join(dir, 'inv.yaml'), { env: { REGPLAY_TEST_PW: 'env-secret' } });
  const vars = inv.groups.get('all')!.vars.vars;
  t.true(isSecret(vars.pw));
  t.true(isSecret(vars.key));
  t.is((vars.pw as { reveal(): string }).reveal(), 'env-secret');
  t.is((vars.key as { reveal(): string }).reveal(), 'file-secret');
  t.is(String(vars.pw), '***');
});

test('an unset !env variable is an InputError naming the variable and file:line', (t) => {
  const dir = tempTree({ 'inv.yaml': 'all:\n  vars:\n    pw: !env REGPLAY_TEST_UNSET\n' });
  const e = t.throws(() => loadInventory(join(dir, 'inv.yaml'), { env: {} }), { instanceOf: InputError });
  t.regex(e!.describe(), /inv\.yaml:3:\d+: environment variable REGPLAY_TEST_UNSET is not set/);
});

test('an unreadable !file is an InputError with file:line', (t) => {
  const dir = tempTree({ 'inv.yaml': 'all:\n  vars:\n    pw: !file nope.txt\n' });
  const e = t.throws(() => loadInventory(join(dir, 'inv.yaml')), { instanceOf: InputError });
  t.regex(e!.describe(), /inv\.yaml:3:\d+: cannot read .*nope\.txt \(used with !file\): ENOENT/);
});

test('unknown keys in a group are InputErrors (a typo is not silently ignored)', (t) => {
  const dir = tempTree({ 'inv.yaml': 'all:\n  children:\n    workers:\n      host:\n        w1:\n' });
  t.throws(() => loadInventory(join(dir, 'inv.yaml')), { instanceOf: InputError, message: /unexpected key 'host' in group workers/ });
});

test('the example inventory.yaml loads (with its REGISTRY_PASSWORD set)', (t) => {
  const inv = loadInventory(join(import.meta.dirname, '../../inventory.yaml'), { env: { REGISTRY_PASSWORD: 'example' } });
  t.deepEqual(groupMembers(inv).control_plane, ['cp1']);
  t.deepEqual(groupMembers(inv).workers, ['w1', 'w2']);
  t.deepEqual(groupMembers(inv).build, ['b1']);
});

test('ssh_key naming a directory or a device is bad input at load time, not unreachable later', (t) => {
  const dir = tempTree({ 'keys/id': 'x' });
  for (const [key, kind] of [['keys', 'a directory'], ['/dev/zero', 'a character device']]) {
    writeFileSync(join(dir, 'inv.yaml'), `all:\n  hosts:\n    h1: {ssh_key: ${key}}\n`);
    const e = t.throws(() => loadInventory(join(dir, 'inv.yaml')), { instanceOf: InputError });
    t.regex(e!.describe(), new RegExp(`inv\\.yaml:3:\\d+: host h1: ssh key \\S+ is ${kind}, not a file`));
  }
});

test('one spelling table for host_key_checking: the inventory and the transport agree', (t) => {
  for (const [spelling, meaning] of HOST_KEY_CHECKING_SPELLINGS) {
    const dir = tempTree({ 'inv.yaml': `all:\n  hosts:\n    h1: {host_key_checking: ${JSON.stringify(spelling)}}\n` });
    t.is(connectionOf(loadInventory(join(dir, 'inv.yaml')), 'h1').hostKeyChecking, meaning);
    t.is(normalizeChecking(spelling), meaning);
  }
  for (const other of ['maybe', 'ask', 1, 'Strict']) {
    t.throws(() => normalizeChecking(other), { instanceOf: InputError });
    const dir = tempTree({ 'inv.yaml': `all:\n  hosts:\n    h1: {host_key_checking: ${JSON.stringify(other)}}\n` });
    t.throws(() => loadInventory(join(dir, 'inv.yaml')), { instanceOf: InputError, message: /host_key_checking must be/ });
  }
});

test('known_hosts naming a directory is bad input; a large known_hosts file is fine', (t) => {
  const dir = tempTree({ 'kh/big': `h ssh-ed25519 ${'A'.repeat(68)}\n`.repeat(2000) });
  writeFileSync(join(dir, 'inv.yaml'), 'all:\n  hosts:\n    h1: {known_hosts: kh}\n');
  t.throws(() => loadInventory(join(dir, 'inv.yaml')), { instanceOf: InputError, message: /host h1: known_hosts \S+ is a directory, not a file/ });
  writeFileSync(join(dir, 'inv.yaml'), 'all:\n  hosts:\n    h1: {known_hosts: kh/big}\n');
  t.is(connectionOf(loadInventory(join(dir, 'inv.yaml')), 'h1').knownHosts, join(dir, 'kh/big'));
});
