// --list-hosts, --list-tasks and --syntax-check through the real CLI, with the built-in site.yaml:
// they load and validate everything and never connect. Every host of the inventory is a TCP
// listener on 127.0.0.1 that counts connections (a control run shows a real run does connect).
import test from 'ava';
import { join } from 'node:path';
import { prepare } from '../../src/engine/load/prepare.js';
import { repoRoot, runPlay } from '../helpers/play.js';
import { tempTree } from '../helpers/fakes.js';
import { countingListener, type ConnectionCounter } from '../helpers/net.js';

let listener: ConnectionCounter;
const env = { LIST_TEST_PW: 'list-test-Secret-93a1' };

test.before(async () => {
  listener = await countingListener();
});
test.after.always(() => listener.close());

function project(extraVars = ''): string {
  const host = `{host: 127.0.0.1, port: ${listener.port}, host_key_checking: off}`;
  const inventory = `all:
  vars:
    registry_name: registry.lab
    registry_port: 5000
    registry_users:
      - name: ci
        password: !env LIST_TEST_PW
${extraVars}  children:
    control_plane:
      hosts:
        cp1: ${host}
    workers:
      hosts:
        w1: ${host}
        w2: ${host}
    build:
      hosts:
        b1: ${host}
`;
  return tempTree({ 'inventory.yaml': inventory });
}

async function noConnection(t: import('ava').ExecutionContext, args: string[], dir = project()) {
  const before = listener.connections;
  const r = await runPlay(['site.yaml', ...args], { cwd: dir, env });
  t.is(listener.connections, before, 'no connection was attempted');
  t.false((r.stdout + r.stderr).includes(env.LIST_TEST_PW));
  t.notRegex(r.stdout, /PLAY \[|PLAY RECAP/);
  return r;
}

test.serial('control: the same inventory without the flags does connect', async (t) => {
  const before = listener.connections;
  const r = await runPlay(['site.yaml', '--check'], { cwd: project(), env });
  t.is(r.code, 4, r.stdout + r.stderr);
  t.true(listener.connections > before);
});

test.serial('--list-hosts: every play with its hosts after --limit; exit 0, no connection', async (t) => {
  const r = await noConnection(t, ['--list-hosts', '--limit', 'workers:!w2']);
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, /^playbook: .*playbooks\/site\.yaml$/m);
  t.regex(r.stdout, /play #2 \(control_plane\): registry PKI and users\s+TAGS: \[\]\n\s+pattern: control_plane\n\s+hosts \(0\):\n/);
  t.regex(r.stdout, /play #4 \(all\): registry name resolution\s+TAGS: \[\]\n\s+pattern: all\n\s+hosts \(1\):\n\s+w1\n\n/);
  t.regex(r.stdout, /play #7 \(workers\): registry storage on NFS[^\n]*\n\s+pattern: workers\n\s+hosts \(1\):\n\s+w1\n/);
  t.notRegex(r.stdout, /\bw2\b|\bcp1\b|\bb1\b/);
  const all = await noConnection(t, ['--list-hosts']);
  t.regex(all.stdout, /play #4 \(all\): [^\n]*\n\s+pattern: all\n\s+hosts \(4\):\n\s+cp1\n\s+w1\n\s+w2\n\s+b1\n/);
});

test.serial('--list-tasks: roles with their tags and steps; tags select roles; exit 0, no connection', async (t) => {
  const r = await noConnection(t, ['--list-tasks']);
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, /roles \(steps as planned for cp1\):\n\s+certs\s+TAGS: \[certs, pki\]\n\s+registry PKI directory\n\s+registry CA and certificate\n\s+htpasswd\s+TAGS: \[htpasswd, users\]\n\s+registry auth directory\n\s+registry htpasswd\n/);
  // A role that plans against a fact another host registers during the run says so.
  t.regex(r.stdout, /containerd-trust\s+TAGS: \[containerd, trust\]\n\s+\(steps planned during the run: fact registry_pki from cp1 is not available[^\n]*\n\s+files it manages: \/etc\/containerd\/config\.toml, \/etc\/containerd\/certs\.d\/registry\.lab:5000\/ca\.crt, \/etc\/containerd\/certs\.d\/registry\.lab:5000\/hosts\.toml\n/);
  t.regex(r.stdout, /\n\s+k8s-apply\s+TAGS: \[k8s, registry\]\n/);
  const fromController = await noConnection(t, ['--list-tasks', '-e', 'k8s_apply_from=controller']);
  t.regex(fromController.stdout, /\n\s+k8s-apply \(runs on the controller\)\s+TAGS: \[k8s, registry\]\n/);
  const tagged = await noConnection(t, ['--list-tasks', '--tags', 'users']);
  t.is(tagged.code, 0, tagged.stderr);
  t.regex(tagged.stdout, /htpasswd\s+TAGS: \[htpasswd, users\]/);
  t.notRegex(tagged.stdout, /certs\s+TAGS|containerd-trust/);
});

test.serial('--syntax-check: exit 0 on good input, no connection', async (t) => {
  const r = await noConnection(t, ['--syntax-check']);
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, /syntax OK/);
});

test.serial('--syntax-check: bad variables are exit 3 naming file:line, no connection', async (t) => {
  const r = await noConnection(t, ['--syntax-check'], project('    registry_key_type: dsa\n'));
  t.is(r.code, 3, r.stdout + r.stderr);
  t.regex(r.stderr, /inventory\.yaml:\d+:\d+: .*registry_key_type/);
  t.regex(r.stderr, /nothing was changed on any host/);
  const limit = await noConnection(t, ['--syntax-check', '--limit', 'wrokers']);
  t.is(limit.code, 3);
  t.regex(limit.stderr, /--limit 'wrokers': the inventory has no group or host 'wrokers'; did you mean `workers`\?/);
});

test.serial('--private-key that is not readable: exit 3 before any connection', async (t) => {
  const r = await noConnection(t, ['--private-key', 'keys/none', '-u', 'deploy', '-b']);
  t.is(r.code, 3, r.stdout + r.stderr);
  t.regex(r.stderr, /--private-key keys\/none: .*keys\/none is not readable \(ENOENT\)/);
});

test.serial('-u, --private-key, -b override every host\'s inventory settings (the rest is kept)', async (t) => {
  const dir = tempTree({ 'keys/id': 'not a real key, only readable\n' });
  const inv = join(project(), 'inventory.yaml');
  const base = await prepare({ playbook: join(repoRoot, 'playbooks/site.yaml'), inventory: inv, env });
  t.like(base.connections.get('w1'), { user: undefined, sshKey: undefined, become: false, port: listener.port });
  const over = await prepare({ playbook: join(repoRoot, 'playbooks/site.yaml'), inventory: inv, env, cwd: dir, connection: { user: 'deploy', privateKey: 'keys/id', become: true } });
  for (const h of ['cp1', 'w1', 'w2', 'b1']) t.like(over.connections.get(h), { user: 'deploy', sshKey: join(dir, 'keys/id'), become: true, port: listener.port, host: '127.0.0.1', hostKeyChecking: 'off' });
});
