// certs role: variables (bad input is an InputError naming the variable) and the planned resources.
import test from 'ava';
import { inspect } from 'node:util';
import { InputError } from '../../src/errors.js';
import type { RoleContext, Vars } from '../../src/resources/role.js';
import type { DirectoryState, FileSetState } from '../../src/resources/types.js';
import { redact } from '../../src/secret.js';
import certs, { pkiSpec } from '../../roles/certs/index.js';
import { loadYamlFile } from '../../src/engine/load/yaml.js';
import { markCliStrings } from '../../src/cli-strings.js';


const defaults = loadYamlFile(new URL('../../roles/certs/defaults.yaml', import.meta.url).pathname) as Vars;
// registry_name and registry_port have no default (one inventory variable for every role).
const vars = (extra: Vars = {}): Vars => ({ ...defaults, registry_name: 'registry.local', registry_port: 5000, registry_key_type: 'ecdsa-p256', ...extra });
const ctx = (extra: Vars = {}): RoleContext => ({
  host: { name: 'cp1', groups: ['control_plane'] },
  vars: vars(extra),
  hostvars: () => ({}),
  groups: { control_plane: ['cp1'] },
  template: () => '',
});

test('the defaults are valid and documented values', (t) => {
  const spec = pkiSpec(vars());
  t.is(spec.dir, '/registry/certs');
  t.is(spec.caDays, 3650);
  t.is(spec.certDays, 365);
  t.is(spec.renewDays, 30);
  t.false(spec.forceRenew);
  t.is(pkiSpec({ ...defaults, registry_name: 'registry.local', registry_port: 5000 }).keyType, 'rsa4096');
});

const bad: Array<[string, Vars, RegExp]> = [
  ['a registry name that is not a DNS name', { registry_name: 'My_Registry' }, /variable registry_name = "My_Registry": must be a lower-case RFC 1123 DNS name/],
  ['a registry name with a port in it', { registry_name: 'registry.local:5000' }, /variable registry_name/],
  ['a port out of range', { registry_port: 70000 }, /variable registry_port = 70000: must be 1-65535/],
  ['a port of 0', { registry_port: 0 }, /variable registry_port = 0: must be 1-65535/],
  ['an extra DNS name that is not one', { registry_cert_extra_dns: ['ok.svc', 'not ok'] }, /variable registry_cert_extra_dns\.1/],
  ['an extra IP that is not one', { registry_cert_extra_ips: ['10.0.0.300'] }, /variable registry_cert_extra_ips\.0 = "10\.0\.0\.300": must be IPv4 or IPv6/],
  // a name with "key" in it may hold a secret: its value is not echoed
  ['an unknown key type', { registry_key_type: 'dsa' }, /variable registry_key_type = "dsa"/],
  ['a relative certificate directory', { registry_cert_dir: 'certs' }, /variable registry_cert_dir = "certs": must be an absolute path/],
  ['a renew window as long as the lifetime', { cert_renew_days: 365 }, /variable cert_renew_days = 365: must be less than registry_cert_days \(365\)/],
  ['a certificate lifetime beyond the CA', { registry_cert_days: 4000 }, /variable registry_cert_days = 4000: must not exceed registry_ca_days/],
  ['a force-renew that is not a boolean', { certs_force_renew: 'maybe' }, /variable certs_force_renew = "maybe": must be true or false/],
  ['an unset registry name', { registry_name: undefined }, /variable registry_name is not set/],
];
for (const [what, extra, message] of bad) {
  test(`validate refuses ${what} with an InputError naming the variable`, (t) => {
    const err = t.throws(() => certs.validate!(vars(extra)), { instanceOf: InputError });
    t.regex(err!.message, message);
  });
}

test('values from -e key=value arrive as strings and are read as the number, boolean or list they spell', (t) => {
  const cli = (extra: Vars) => markCliStrings(vars(extra), Object.keys(extra));
  const spec = pkiSpec(cli({ certs_force_renew: 'true', cert_renew_days: '10', registry_cert_extra_dns: 'a.svc,b.svc', registry_cert_extra_ips: '10.0.0.1' }));
  t.true(spec.forceRenew);
  t.is(spec.renewDays, 10);
  t.deepEqual(spec.extraDns, ['a.svc', 'b.svc']);
  t.deepEqual(spec.ips, ['10.0.0.1']);
  t.false(pkiSpec(cli({ certs_force_renew: 'false' })).forceRenew);
});

test('the same strings written in YAML are refused: no coercion of strings, booleans or lists into numbers', (t) => {
  const cases: Array<[Vars, RegExp]> = [
    [{ cert_renew_days: '10' }, /variable cert_renew_days = "10": must be a whole number/],
    [{ registry_port: true }, /variable registry_port = true: must be a whole number/],
    [{ registry_port: [5000] }, /variable registry_port = \(a list\): must be a whole number/],
    [{ registry_port: '5000' }, /variable registry_port = "5000": must be a whole number/],
    [{ registry_ca_days: 3650.5 }, /variable registry_ca_days = 3650\.5: must be a whole number/],
    [{ registry_cert_extra_dns: 'a.svc,b.svc' }, /variable registry_cert_extra_dns = "a\.svc,b\.svc": must be a list/],
    [{ certs_force_renew: 1 }, /variable certs_force_renew = 1: must be true or false/],
  ];
  for (const [extra, message] of cases) {
    const err = t.throws(() => certs.validate!(vars(extra)), { instanceOf: InputError });
    t.regex(err!.message, message);
  }
});

test('plan: a 0700 directory, then one fileset registered as registry_pki with 0600 sensitive keys', (t) => {
  const [dir, set] = certs.plan(ctx()) as [DirectoryState, FileSetState];
  t.like(dir, { kind: 'directory', path: '/registry/certs', mode: '0700' });
  t.is(set.kind, 'fileset');
  t.is(set.register, 'registry_pki');
  t.deepEqual(set.files, [
    { path: '/registry/certs/ca.crt', mode: '0644' },
    { path: '/registry/certs/ca.key', mode: '0600', sensitive: true },
    { path: '/registry/certs/tls.crt', mode: '0644' },
    { path: '/registry/certs/tls.key', mode: '0600', sensitive: true },
  ]);
});

test('private keys never appear in JSON, String() or inspect() of the plan output, and are redacted', async (t) => {
  const [, set] = certs.plan(ctx()) as [DirectoryState, FileSetState];
  const result = await set.edit({}, {});
  const keys = [result.content['/registry/certs/ca.key'], result.content['/registry/certs/tls.key']];
  for (const shown of [JSON.stringify(result), String(keys[0]), `${keys[1]}`, inspect(result, { depth: 5 })]) {
    t.notRegex(shown, /PRIVATE KEY/);
  }
  const plaintext = (keys[0] as { reveal(): string }).reveal();
  t.regex(plaintext, /BEGIN [A-Z ]*KEY/);
  t.notRegex(redact(`leaked: ${plaintext}`), /PRIVATE KEY/);
  t.regex(JSON.stringify(result), /BEGIN CERTIFICATE/, 'certificates are public and shown');
});
