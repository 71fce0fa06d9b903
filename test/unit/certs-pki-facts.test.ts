// roles/_shared/pki.ts: how trust and k8s roles on other hosts get the CA and the registry's TLS pair.
import test from 'ava';
import { StateError } from '../../src/errors.js';
import type { RoleContext, Vars } from '../../src/resources/role.js';
import { isSecret, Secret } from '../../src/secret.js';
import { registryCaPem, registryTls } from '../../roles/_shared/pki.js';
import { fakePem } from '../helpers/pem.js';

const CA = '-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n';
const CRT = '-----BEGIN CERTIFICATE-----\nLEAF\n-----END CERTIFICATE-----\n';
const KEY = new Secret(fakePem('PRIVATE KEY', 'K'));

function ctx(vars: Vars, facts: Record<string, Vars>, groups: Record<string, string[]> = { control_plane: ['cp1'], workers: ['w1'] }): RoleContext {
  return { host: { name: 'w1', groups: ['workers'] }, vars, hostvars: (h) => facts[h] ?? {}, groups, template: () => '' };
}
const pki = (dir = '/registry/certs') => ({ registry_pki: { [`${dir}/ca.crt`]: CA, [`${dir}/ca.key`]: KEY, [`${dir}/tls.crt`]: CRT, [`${dir}/tls.key`]: KEY } });

test('the CA comes from the registry_pki fact of the first control_plane host', (t) => {
  t.is(registryCaPem(ctx({}, { cp1: pki() }, { control_plane: ['cp1', 'cp2'] })), CA);
});

test('registry_ca_pem, when set, wins over the fact (a CA managed elsewhere)', (t) => {
  t.is(registryCaPem(ctx({ registry_ca_pem: 'PEM' }, {})), 'PEM');
  t.is(registryCaPem(ctx({ registry_ca_pem: new Secret('PEM2') }, {})), 'PEM2');
});

test('registry_pki_group and registry_cert_dir choose another host and directory', (t) => {
  t.is(registryCaPem(ctx({ registry_pki_group: 'pki', registry_cert_dir: '/etc/reg/' }, { pk1: pki('/etc/reg') }, { pki: ['pk1'] })), CA);
});

test('a certs run with another directory than this host knows is still found', (t) => {
  t.is(registryCaPem(ctx({}, { cp1: pki('/srv/pki') })), CA);
});

test('the TLS pair: certificate text and the key as a Secret', (t) => {
  const tls = registryTls(ctx({}, { cp1: pki() }));
  t.is(tls.crt, CRT);
  t.true(isSecret(tls.key));
  t.is(tls.key.reveal(), KEY.reveal());
});

test('a missing fact is a StateError saying the certs role must run first', (t) => {
  const err = t.throws(() => registryCaPem(ctx({}, { cp1: {} })), { instanceOf: StateError });
  t.regex(err!.message, /fact registry_pki from cp1 is not available/);
  t.regex((err as StateError).hint ?? '', /certs role must run on cp1/);
});

test('an empty control_plane group is a StateError', (t) => {
  t.throws(() => registryCaPem(ctx({}, {}, { control_plane: [] })), { instanceOf: StateError, message: /group control_plane has no hosts/ });
});
