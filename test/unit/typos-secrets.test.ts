// Typos are caught (a near miss of a documented variable is bad input with "did you mean"), names far
// from every known one stay allowed, and the variables the secret table declares are refused as
// plain text (never echoed) unless written `!plain`. In-process prepare() over the built-in site.yaml.
import test from 'ava';
import { join } from 'node:path';
import { checkVariables, meantVariable } from '../../src/engine/load/check-vars.js';
import { CONNECTION_VARIABLES } from '../../src/engine/load/inventory.js';
import { knownVariables } from '../../src/engine/load/prepare.js';
import { roleCatalog } from '../../src/engine/load/roles.js';
import { isNearMiss } from '../../src/engine/load/suggest.js';
import { InputError } from '../../src/errors.js';
import { SECRET_VARIABLES } from '../../src/secret-vars.js';
import { isSecret } from '../../src/secret.js';
import { repoRoot } from '../helpers/play.js';
import { prepareSite, siteProject } from '../helpers/site-project.js';

const catalog = roleCatalog([repoRoot]);
const known = knownVariables(catalog);
const documented = [...catalog.documentedVariables!(), ...CONNECTION_VARIABLES];

async function refused(t: import('ava').ExecutionContext, dir: string, message: RegExp, o: Parameters<typeof prepareSite>[1] = {}): Promise<string> {
  const e = await t.throwsAsync(prepareSite(dir, o), { instanceOf: InputError });
  const text = e!.describe();
  t.regex(text, message);
  return text;
}

test('the control: the base project prepares', async (t) => {
  const p = await prepareSite(siteProject());
  t.deepEqual(p.hosts, ['cp1', 'w1', 'b1']);
});

test('every documented variable (every key of every roles/*/defaults.yaml, every connection key) is known; a slip of two neighbouring letters in it is caught', (t) => {
  t.true(documented.length > 80, `${documented.length} documented`);
  for (const name of ['registry_name', 'registry_port', 'registry_users', 'bcrypt_cost', 'ssh_key', 'fstab_nfs_server', 'registry_ca_pem', 'become_password']) t.true(known.has(name), name);
  for (const name of documented) {
    t.is(meantVariable(name, known), undefined, `${name} itself is fine`);
    const i = Math.max(1, Math.floor(name.length / 2) - 1);
    const slip = name.slice(0, i) + name[i + 1] + name[i] + name.slice(i + 2);
    if (slip === name || known.has(slip)) continue;
    const meant = meantVariable(slip, known);
    t.truthy(meant, `${slip} (for ${name}) is caught`);
    t.true(meant === name || isNearMiss(slip, meant!), `${slip} → ${meant}`);
    const e = t.throws(() => checkVariables([{ vars: { [slip]: 1 }, origins: { [slip]: { file: 'inv.yaml', line: 3 } } }], known), { instanceOf: InputError });
    t.regex(e!.describe(), new RegExp(`^inv\\.yaml:3: unknown variable \`${slip}\`: did you mean \`${meant}\`\\?`));
  }
});

test('the typos of the review: registry_prot, bcrypt_cots, ssh_kye are bad input naming file:line and the meant name', async (t) => {
  await refused(t, siteProject({ allVars: 'registry_prot: 5000' }), /inventory\.yaml:8:5: unknown variable `registry_prot`: did you mean `registry_port`\?/);
  await refused(t, siteProject({ hostVars: 'ssh_kye: keys/id' }), /inventory\.yaml:\d+:11: unknown variable `ssh_kye`: did you mean `ssh_key`\?/);
  const dir = siteProject({ files: { 'site.yaml': '- hosts: control_plane\n  vars: {bcrypt_cots: 12}\n  roles: [htpasswd]\n' } });
  await refused(t, dir, /site\.yaml:2:10: unknown variable `bcrypt_cots`: did you mean `bcrypt_cost`\?/, { playbook: join(dir, 'site.yaml') });
  await refused(t, siteProject(), /-e registry_nmae: unknown variable `registry_nmae`: did you mean `registry_name`\?/, { extraVars: ['registry_nmae=x'] });
  await refused(t, siteProject(), /unknown variable `Registry_Port`: did you mean `registry_port`\?/, { extraVars: ['{Registry_Port: 5000}'] });
});

test('a playbook without the role still knows its variables: a near miss of one is caught, the name itself allowed', async (t) => {
  const dir = siteProject({ files: { 'nodes.yaml': '- hosts: all\n  roles: [dns-hosts]\n' } });
  const playbook = join(dir, 'nodes.yaml');
  await refused(t, siteProject({ allVars: 'bcrypt_cots: 12' }), /unknown variable `bcrypt_cots`: did you mean `bcrypt_cost`\?/, { playbook });
  await t.notThrowsAsync(prepareSite(siteProject({ allVars: 'bcrypt_cost: 12\nregistry_namespace: registry' }), { playbook }));
});

test('names far from every known one are the user\'s own variables: allowed', async (t) => {
  await t.notThrowsAsync(prepareSite(siteProject({ allVars: 'team_owner: platform\nsite_region: eu-west\nregistry_mirror_note: x\nrack1: a' }), { extraVars: ['build_number=42'] }));
});

test('every variable of the secret table is refused as plain text, naming it and the !env form, never echoing the value', async (t) => {
  const value = 'Plain-Hunter2-Value';
  const cases: Array<[string, RegExp]> = [
    [`registry_users:\n  - name: ci\n    password: ${value}`, /inventory\.yaml:\d+:\d+: registry_users\[0\]\.password is a registry user password, given as plain text \(its value is not shown\)\n\s+-> write `password: !env NAME`/],
    [`docker_login_password: ${value}`, /docker_login_password is the docker login password, given as plain text/],
    [`become_password: ${value}`, /become_password/],
    [`http_proxy: http://ci:${value}@proxy.lab:3128`, /http_proxy is a proxy URL with credentials, given as plain text/],
    [`https_proxy: ci:${value}@proxy.lab:3128`, /https_proxy is a proxy URL with credentials/],
    [`registry_storage_s3:\n  bucket: b\n  region: r\n  accesskey: !env HOME\n  secretkey: ${value}`, /registry_storage_s3\.secretkey is an S3 access key, given as plain text \(its value is not shown\)\n\s+-> write `secretkey: !env NAME`/],
    [`registry_storage_gcs:\n  bucket: b\n  keyfile: ${value}`, /registry_storage_gcs\.keyfile is a GCS service account key, given as plain text/],
    [`registry_storage_azure:\n  accountname: a\n  accountkey: ${value}`, /registry_storage_azure\.accountkey is an Azure storage account key, given as plain text/],
    [`registry_redis_password: ${value}`, /registry_redis_password is the Redis password, given as plain text/],
  ];
  t.is(cases.length, Object.keys(SECRET_VARIABLES).length - 2, 'every entry but the two Ansible aliases of become_password');
  for (const [hostVars, message] of cases) {
    const text = await refused(t, siteProject({ hostVars }), message);
    t.false(text.includes(value), text);
  }
  const e = await refused(t, siteProject(), /-e docker_login_password: docker_login_password is the docker login password, given as plain text[\s\S]*-e '\{docker_login_password: !env NAME\}'/, { extraVars: [`docker_login_password=${value}`] });
  t.false(e.includes(value));
  await refused(t, siteProject(), /ansible_become_pass/, { extraVars: [`{ansible_become_pass: ${value}}`] });
});

test('a proxy URL without credentials is not secret; !plain is the explicit opt-out and still masks the value', async (t) => {
  await t.notThrowsAsync(prepareSite(siteProject({ allVars: 'http_proxy: http://proxy.lab:3128' })));
  const p = await prepareSite(siteProject({ hostVars: 'docker_login_password: !plain Plain-On-Purpose\nregistry_users:\n  - {name: ci, password: !plain Also-On-Purpose}' }));
  const v = p.inventory.hosts.get('cp1')!.vars.vars;
  t.true(isSecret(v.docker_login_password));
  t.true(isSecret((v.registry_users as Array<{ password: unknown }>)[0]!.password));
});
