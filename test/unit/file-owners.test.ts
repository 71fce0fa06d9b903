// A host in several groups: each role runs once per play (run.test.ts), and no file is managed by
// two roles — refused before any host is touched, naming both.
import test from 'ava';
import { join } from 'node:path';
import { InputError } from '../../src/errors.js';
import { prepare } from '../../src/engine/load/prepare.js';
import type { Role } from '../../src/resources/role.js';
import { defineRole } from '../../roles/_shared/role.js';
import { fakeCatalog, fakeRole, tempTree } from '../helpers/fakes.js';
import { repoRoot } from '../helpers/play.js';

// cp1 is control plane, worker and build host at once.
const allInOne = `all:
  vars:
    registry_name: registry.lab
    registry_port: 5000
    registry_users: [{name: alice, password: !env ALICE_PW}]
  children:
    control_plane:
      hosts:
        cp1: {host: 127.0.0.1}
    workers:
      hosts:
        cp1:
    build:
      hosts:
        cp1:
`;

function site(extraVars: string[] = []) {
  const dir = tempTree({ 'inv.yaml': allInOne });
  return prepare({ playbook: join(repoRoot, 'playbooks', 'site.yaml'), inventory: join(dir, 'inv.yaml'), extraVars, cwd: dir, env: { ALICE_PW: 'pw' } });
}

test('site.yaml on a host that is control plane, worker and build host: every role once per play, no file shared', async (t) => {
  const p = await site();
  t.deepEqual(p.hosts, ['cp1']);
  t.deepEqual(
    p.plays.map((pp) => `${pp.play.name}: ${pp.targets.join(',')}`),
    p.plays.map((pp) => `${pp.play.name}: cp1`),
  );
});

test('two built-in roles made to manage one file on one host: exit-3 InputError naming both roles, both plays and the file', async (t) => {
  const e = await t.throwsAsync(site(['docker_certs_dir=/etc/containerd/certs.d']), { instanceOf: InputError });
  t.is(
    e!.message,
    "host cp1: roles containerd-trust (play 'containerd trusts the registry') and docker-trust (play 'docker trusts the registry') both manage /etc/containerd/certs.d/registry.lab:5000/ca.crt",
  );
  t.regex(e!.describe(), /site\.yaml:\d+:\d+: /);
  const hosts = await t.throwsAsync(site(['dns_hosts_file=/etc/fstab', 'fstab_nfs_enabled=true', 'fstab_nfs_server=nfs1', 'fstab_nfs_export=/x', 'fstab_nfs_mountpoint=/mnt/x']), { instanceOf: InputError });
  t.regex(hosts!.message, /roles dns-hosts \(play 'registry name resolution'\) and fstab-nfs \(play 'registry storage on NFS'\) both manage \/etc\/fstab$/);
});

function fakes(playbook: string, roles: Role[]) {
  const dir = tempTree({ 'inv.yaml': 'all:\n  children:\n    a:\n      hosts:\n        h1: {host: 127.0.0.1}\n    b:\n      hosts:\n        h1:\n        h2: {host: 127.0.0.2}\n', 'pb.yaml': playbook });
  return prepare({ playbook: join(dir, 'pb.yaml'), inventory: join(dir, 'inv.yaml'), cwd: dir, env: {}, catalog: fakeCatalog(roles) });
}

test('only a host where both roles run is refused; one role twice is not a conflict; paths are compared normalized', async (t) => {
  const x = fakeRole('x', { files: () => ['/etc/shared.conf'] });
  const y = fakeRole('y', { files: (vars) => [String(vars.y_path ?? '/etc//shared.conf')] });
  const e = await t.throwsAsync(fakes('- hosts: a\n  roles: [x]\n- hosts: b\n  roles: [y]\n', [x, y]), { instanceOf: InputError });
  t.is(e!.message, "host h1: roles x (play 'a') and y (play 'b') both manage /etc/shared.conf");
  await t.notThrowsAsync(fakes('- hosts: a\n  roles: [x]\n- hosts: b\n  roles: [x]\n', [x, y]));
  await t.notThrowsAsync(fakes('- hosts: a\n  roles: [x]\n- hosts: b\n  vars: {y_path: /etc/other.conf}\n  roles: [y]\n', [x, y]));
  await t.notThrowsAsync(fakes('- hosts: a\n  roles: [x]\n- hosts: h2\n  roles: [y]\n', [x, y]));
});

test('a role whose plan writes a file it did not declare is a bug, reported as such', (t) => {
  const role = defineRole({
    name: 'sloppy',
    vars: () => ({}),
    files: () => ['/etc/a'],
    plan: () => [
      { kind: 'file', path: '/etc/a', content: 'a' },
      { kind: 'file', path: '/etc/b', content: 'b' },
    ],
  });
  const ctx = { host: { name: 'h1', groups: ['all'] }, vars: {}, hostvars: () => ({}), groups: {}, template: () => '' };
  t.throws(() => role.plan(ctx), { message: /role sloppy plans \/etc\/b but does not declare it in files\(\): a bug in the role/ });
});
