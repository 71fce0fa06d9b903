// Every bad input is exit 3 with a message naming the problem (file:line where there is one),
// and no host is touched: the inventory points at a TCP listener that counts connections.
import test from 'ava';
import { join } from 'node:path';
import { runPlay } from '../helpers/play.js';
import { tempTree } from '../helpers/fakes.js';
import { countingListener, type ConnectionCounter } from '../helpers/net.js';

const root = join(import.meta.dirname, '../..');
let listener: ConnectionCounter;

test.before(async () => {
  listener = await countingListener();
});
test.after.always(() => listener.close());

const fixtureRole = `import { parseVars, registryCore } from '${join(root, 'roles/_shared/vars.js')}';
export default {
  name: 'registry-fixture',
  validate(vars) { parseVars('registry-fixture', registryCore, vars); },
  plan: () => [{ kind: 'file', path: '/tmp/never-written', content: 'x' }],
};
`;

function project(over: { inventory?: string; playbook?: string; files?: Record<string, string> } = {}): string {
  const inventory =
    over.inventory ??
    `all:
  vars:
    registry_name: registry.lab
    registry_port: 5000
  children:
    control_plane:
      hosts:
        cp1: {host: 127.0.0.1, port: ${listener.port}, host_key_checking: off}
    workers:
      hosts:
        w1: {host: 127.0.0.1, port: ${listener.port}, host_key_checking: off}
`;
  const playbook = over.playbook ?? '- name: fixture\n  hosts: all\n  roles:\n    - registry-fixture\n';
  return tempTree({ 'inventory.yaml': inventory, 'site.yaml': playbook, 'roles/registry-fixture/index.ts': fixtureRole, 'package.json': '{"type": "module"}', ...over.files });
}

async function badInput(t: import('ava').ExecutionContext, dir: string, args: string[], message: RegExp) {
  const before = listener.connections;
  const r = await runPlay(['site.yaml', ...args], { cwd: dir });
  t.is(r.code, 3, `stdout: ${r.stdout}\nstderr: ${r.stderr}`);
  t.regex(r.stderr, message);
  t.regex(r.stderr, /nothing was changed on any host|play --help/);
  t.is(listener.connections, before, 'no connection was attempted');
  t.notRegex(r.stdout, /PLAY \[/);
}

test.serial('control: valid input does reach the hosts (so the other tests would notice a connection)', async (t) => {
  const before = listener.connections;
  const r = await runPlay(['site.yaml'], { cwd: project() });
  t.is(r.code, 4, r.stderr + r.stdout);
  t.true(listener.connections > before);
  t.regex(r.stdout, /UNREACHABLE/);
});

test.serial('YAML syntax error in the inventory: exit 3 with file:line:col', async (t) => {
  await badInput(t, project({ inventory: 'all:\n  hosts:\n    cp1: {port: 22\n' }), [], /inventory\.yaml:\d+:\d+: YAML syntax error/);
});

test.serial('YAML syntax error in the playbook: exit 3 with file:line:col', async (t) => {
  await badInput(t, project({ playbook: '- hosts: all\n  roles: [registry-fixture\n' }), [], /site\.yaml:\d+:\d+: YAML syntax error/);
});

test.serial('unknown role: exit 3 with file:line and the known roles', async (t) => {
  await badInput(t, project({ playbook: '- hosts: all\n  roles:\n    - registry-fixtur\n' }), [], /site\.yaml:3:7: unknown role 'registry-fixtur'\n\s+-> known roles: .*registry-fixture/);
});

test.serial('unknown CLI flag: exit 3 with a usage hint', async (t) => {
  await badInput(t, project(), ['--chek'], /unknown option '--chek'[\s\S]*play --help/);
});

test.serial('missing required variable: exit 3 naming the variable', async (t) => {
  const inventory = `all:\n  hosts:\n    cp1: {host: 127.0.0.1, port: ${listener.port}}\n`;
  await badInput(t, project({ inventory }), [], /role registry-fixture: variable registry_name is not set/);
});

test.serial('invalid registry name (not RFC 1123): exit 3 naming the variable and where it was set', async (t) => {
  await badInput(t, project(), ['-e', 'registry_name=Registry_Lab'], /variable registry_name = "Registry_Lab": must be a lower-case RFC 1123 DNS name/);
  const dir = project({ playbook: '- hosts: all\n  vars:\n    registry_name: -bad-\n  roles: [registry-fixture]\n' });
  await badInput(t, dir, [], /site\.yaml:3:5: .*variable registry_name = "-bad-"/);
});

test.serial('a misspelled group in a play: exit 3 with file:line and the group it was meant to be', async (t) => {
  await badInput(t, project({ playbook: '- hosts: wrokers\n  roles: [registry-fixture]\n' }), [], /site\.yaml:1:3: play 'wrokers': .*the inventory has no group 'wrokers' but has 'workers' \(.*inventory\.yaml:\d+:\d+\): did you mean `workers`\?/);
});

test.serial('a misspelled group in the inventory (worker, control-plane, controlplane, builds): exit 3 "did you mean"', async (t) => {
  const playbook = '- hosts: control_plane:workers:build\n  roles: [registry-fixture]\n- hosts: workers\n  roles: [registry-fixture]\n- hosts: control_plane\n  roles: [registry-fixture]\n- hosts: build\n  roles: [registry-fixture]\n';
  const groups = (cp: string, w: string, b: string) =>
    `all:\n  vars: {registry_name: registry.lab, registry_port: 5000}\n  children:\n    ${cp}:\n      hosts:\n        cp1: {host: 127.0.0.1, port: ${listener.port}}\n    ${w}:\n      hosts:\n        w1: {host: 127.0.0.1, port: ${listener.port}}\n    ${b}:\n      hosts:\n        b1: {host: 127.0.0.1, port: ${listener.port}}\n`;
  for (const [inventory, typo, meant] of [
    [groups('control_plane', 'worker', 'build'), 'worker', 'workers'],
    [groups('control-plane', 'workers', 'build'), 'control-plane', 'control_plane'],
    [groups('controlplane', 'workers', 'build'), 'controlplane', 'control_plane'],
    [groups('control_plane', 'workers', 'builds'), 'builds', 'build'],
  ] as const) {
    await badInput(t, project({ inventory, playbook }), [], new RegExp(`inventory\\.yaml:\\d+:\\d+: inventory group '${typo}' is not a group the playbook uses, but '${meant}' is .*: did you mean \`${meant}\`\\?`));
  }
});

test.serial('duplicate host with conflicting connection params: exit 3 with file:line', async (t) => {
  const inventory = `all:\n  children:\n    a:\n      hosts:\n        cp1: {host: 127.0.0.1, port: ${listener.port}}\n    b:\n      hosts:\n        cp1: {host: 127.0.0.2, port: ${listener.port}}\n`;
  await badInput(t, project({ inventory }), [], /inventory\.yaml:8:15: duplicate host cp1 with conflicting host/);
});

test.serial('port out of range: exit 3 with file:line', async (t) => {
  const inventory = `all:\n  hosts:\n    cp1:\n      host: 127.0.0.1\n      port: 65536\n`;
  await badInput(t, project({ inventory }), [], /inventory\.yaml:5:7: host cp1: port 65536 is out of range/);
});

test.serial('unreadable key file: exit 3 with file:line', async (t) => {
  const inventory = `all:\n  hosts:\n    cp1:\n      host: 127.0.0.1\n      port: ${listener.port}\n      ssh_key: keys/missing\n`;
  await badInput(t, project({ inventory }), [], /inventory\.yaml:6:7: host cp1: ssh key .*keys\/missing is not readable/);
});

test.serial('--limit that matches no host: exit 3 saying there are none, listing the known groups; a near miss: "did you mean"', async (t) => {
  await badInput(t, project(), ['--limit', 'build'], /--limit 'build': the inventory has no group or host 'build', so there are none to run on; known groups: control_plane, workers/);
  await badInput(t, project(), ['--limit', 'wokers'], /--limit 'wokers': the inventory has no group or host 'wokers'; did you mean `workers`\?/);
});

test.serial('unset !env variable: exit 3 with file:line', async (t) => {
  const inventory = `all:\n  vars:\n    registry_password: !env REGPLAY_SURELY_UNSET\n  hosts:\n    cp1: {host: 127.0.0.1, port: ${listener.port}}\n`;
  await badInput(t, project({ inventory }), [], /inventory\.yaml:3:\d+: environment variable REGPLAY_SURELY_UNSET is not set/);
});

test.serial('missing inventory and missing playbook: exit 3', async (t) => {
  await badInput(t, project(), ['-i', 'nope.yaml'], /inventory .*nope\.yaml not found/);
  const r = await runPlay(['nope.yaml'], { cwd: project() });
  t.is(r.code, 3);
  t.regex(r.stderr, /playbook nope\.yaml not found/);
});

test.serial('a bad --forks value: exit 3', async (t) => {
  await badInput(t, project(), ['--forks', '0'], /--forks.*must be a whole number/);
});
