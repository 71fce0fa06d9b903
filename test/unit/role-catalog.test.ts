// Where roles come from: the playbook's roles/, then the project's (where play runs), then the
// built-in ones; the first found wins. A module that exports no role is bad input.
import test from 'ava';
import { join } from 'node:path';
import { InputError } from '../../src/errors.js';
import { roleCatalog } from '../../src/engine/load/roles.js';
import { tempTree } from '../helpers/fakes.js';

const role = (label: string) => `export default { name: 'dns-hosts', plan: () => [{ kind: 'directory', path: '/${label}' }] };\n`;
const firstPath = async (dirs: string[]) => {
  const loaded = await roleCatalog(dirs).load('dns-hosts');
  const ctx = { host: { name: 'h', groups: [] }, vars: {}, hostvars: () => ({}), groups: {}, template: () => '' };
  return (loaded!.role.plan(ctx)[0] as { path: string }).path;
};

test('a roles/<name> of the project wins over the built-in role of that name; its defaults.yaml comes with it', async (t) => {
  const project = tempTree({ 'roles/dns-hosts/index.js': role('project'), 'roles/dns-hosts/defaults.yaml': 'own_default: 1\n' });
  t.is(await firstPath([project]), '/project');
  t.deepEqual((await roleCatalog([project]).load('dns-hosts'))!.defaults.vars, { own_default: 1 });
});

test('the playbook directory comes before the project directory', async (t) => {
  const project = tempTree({ 'roles/dns-hosts/index.mjs': role('project'), 'playbooks/roles/dns-hosts/index.ts': role('playbook') });
  t.is(await firstPath([join(project, 'playbooks'), project]), '/playbook');
  t.is(await firstPath([join(project, 'elsewhere'), project]), '/project');
});

test('known() lists the project roles with the built-in ones', (t) => {
  const project = tempTree({ 'roles/my-motd/index.js': role('x') });
  const known = roleCatalog([project]).known();
  t.true(known.includes('my-motd'));
  t.true(known.includes('containerd-trust'));
});

test('a role module without a default-exported role (name and plan) is bad input naming the file', async (t) => {
  const project = tempTree({ 'roles/broken/index.js': 'export const plan = () => [];\n' });
  const e = await t.throwsAsync(() => roleCatalog([project]).load('broken'), { instanceOf: InputError });
  t.is(e!.origin?.file, join(project, 'roles/broken/index.js'));
  t.regex(e!.hint ?? '', /export default an object with name and plan/);
});
