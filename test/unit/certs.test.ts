// certs role: the pure decision over the four PKI files, case by case (pyinfra style), and the
// issued certificates checked with openssl.
import test from 'ava';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StateError } from '../../src/errors.js';
import { isSecret } from '../../src/secret.js';
import type { Content } from '../../src/resources/types.js';
import { decidePki, pkiPaths, type PkiSpec } from '../../roles/certs/pki.js';
import { generateKey, issueCertificate } from '../../roles/certs/x509.js';
import { fakePem } from '../helpers/pem.js';

const DAY = 24 * 60 * 60 * 1000;
const NOW = new Date('2026-03-01T12:00:00Z');
const AT = String(NOW.getTime() / 1000);
const DIR = '/registry/certs';
const P = pkiPaths(DIR);

const SPEC: PkiSpec = {
  dir: DIR,
  registryName: 'registry.local',
  extraDns: ['registry.registry.svc', 'registry.registry.svc.cluster.local'],
  ips: ['10.213.0.10'],
  keyType: 'ecdsa-p256',
  caDays: 3650,
  certDays: 365,
  renewDays: 30,
  forceRenew: false,
};

type Files = Record<string, string | null>;

function reveal(content: Record<string, Content>): Files {
  return Object.fromEntries(Object.entries(content).map(([k, v]) => [k, isSecret(v) ? v.reveal() : v]));
}

const EMPTY: Files = { [P.caCrt]: null, [P.caKey]: null, [P.tlsCrt]: null, [P.tlsKey]: null };
const first = await decidePki(SPEC, EMPTY, NOW);
const HOST: Files = reveal(first.content);
const other = reveal((await decidePki(SPEC, EMPTY, NOW)).content);

function openssl(files: Files, ...args: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'certs-test-'));
  try {
    for (const [path, text] of Object.entries(files)) if (text !== null) writeFileSync(join(dir, path.split('/').pop()!), text);
    return execFileSync('openssl', args, { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('a fresh host gets a CA and a registry certificate, keys as Secrets, with a reason', (t) => {
  t.deepEqual(Object.keys(first.content).sort(), [P.caCrt, P.caKey, P.tlsCrt, P.tlsKey].sort());
  t.true(isSecret(first.content[P.caKey]));
  t.true(isSecret(first.content[P.tlsKey]));
  t.is(typeof first.content[P.caCrt], 'string');
  t.regex(first.why ?? '', /no CA yet: new CA/);
  t.regex(first.why ?? '', /registry certificate/);
});

test('openssl verifies the registry certificate against the CA for TLS server use', (t) => {
  t.is(openssl(HOST, 'verify', '-attime', AT, '-x509_strict', '-purpose', 'sslserver', '-CAfile', 'ca.crt', 'tls.crt').trim(), 'tls.crt: OK');
});

test('openssl shows every SAN: the registry name, the extra DNS names and the IPs', (t) => {
  const text = openssl(HOST, 'x509', '-in', 'tls.crt', '-noout', '-text');
  t.regex(text, /DNS:registry\.local, DNS:registry\.registry\.svc, DNS:registry\.registry\.svc\.cluster\.local, IP Address:10\.213\.0\.10/);
  t.regex(text, /Signature Algorithm: ecdsa-with-SHA256/);
  t.regex(text, /CA:FALSE/);
  t.regex(text, /TLS Web Server Authentication/);
});

test('the CA is a CA for certificate signing, with the configured lifetime', (t) => {
  const text = openssl(HOST, 'x509', '-in', 'ca.crt', '-noout', '-text', '-enddate');
  t.regex(text, /CA:TRUE/);
  t.regex(text, /Certificate Sign, CRL Sign/);
  t.regex(text, /notAfter=Feb 27 12:00:00 2036 GMT/);
});

test('openssl accepts the private keys and they match their certificates', (t) => {
  const pub = (args: string[]) => openssl(HOST, ...args);
  t.is(pub(['pkey', '-in', 'tls.key', '-pubout']), pub(['x509', '-in', 'tls.crt', '-noout', '-pubkey']));
  t.is(pub(['pkey', '-in', 'ca.key', '-pubout']), pub(['x509', '-in', 'ca.crt', '-noout', '-pubkey']));
});

test('rsa4096 keys give an RSA 4096 CA and certificate signed with SHA-256 that openssl verifies', async (t) => {
  const files = reveal((await decidePki({ ...SPEC, keyType: 'rsa4096' }, EMPTY, NOW)).content);
  t.is(openssl(files, 'verify', '-attime', AT, '-purpose', 'sslserver', '-CAfile', 'ca.crt', 'tls.crt').trim(), 'tls.crt: OK');
  const text = openssl(files, 'x509', '-in', 'tls.crt', '-noout', '-text');
  t.regex(text, /Public-Key: \(4096 bit\)/);
  t.regex(text, /sha256WithRSAEncryption/);
  t.regex(text, /Key Encipherment/);
});

interface Case {
  title: string;
  files?: (host: Files) => Files;
  spec?: Partial<PkiSpec>;
  now?: Date;
  expect: { ca: 'kept' | 'new'; leaf: 'kept' | 'new'; why?: RegExp } | { error: RegExp; hint?: RegExp };
}

const cases: Case[] = [
  { title: 'valid existing files are returned byte-identical: no change, no reason', expect: { ca: 'kept', leaf: 'kept' } },
  { title: 'a run from a fresh clone ten months later (still outside the window) keeps everything', now: new Date(NOW.getTime() + 300 * DAY), expect: { ca: 'kept', leaf: 'kept' } },
  { title: 'a certificate expiring within cert_renew_days is renewed under the same CA', now: new Date(NOW.getTime() + 340 * DAY), expect: { ca: 'kept', leaf: 'new', why: /expires in 25 days \(cert_renew_days=30\): renew/ } },
  { title: 'an expired certificate is renewed under the same CA', now: new Date(NOW.getTime() + 400 * DAY), expect: { ca: 'kept', leaf: 'new', why: /expired 35 days ago/ } },
  { title: 'a larger renew window renews earlier', spec: { renewDays: 200 }, now: new Date(NOW.getTime() + 200 * DAY), expect: { ca: 'kept', leaf: 'new', why: /cert_renew_days=200/ } },
  { title: 'an added DNS name re-issues the certificate, naming the change', spec: { extraDns: [...SPEC.extraDns, 'reg.example.org'] }, expect: { ca: 'kept', leaf: 'new', why: /\+DNS:reg\.example\.org/ } },
  { title: 'a removed IP re-issues the certificate, naming the change', spec: { ips: [] }, expect: { ca: 'kept', leaf: 'new', why: /-IP:10\.213\.0\.10/ } },
  { title: 'a renamed registry re-issues the certificate', spec: { registryName: 'reg.lab' }, expect: { ca: 'kept', leaf: 'new', why: /\+DNS:reg\.lab, -DNS:registry\.local/ } },
  { title: 'the same SANs in another order or spelling keep the certificate', spec: { extraDns: [...SPEC.extraDns].reverse(), ips: ['10.213.0.10'] }, expect: { ca: 'kept', leaf: 'kept' } },
  { title: 'another key type re-issues the certificate and keeps the CA', spec: { keyType: 'rsa4096' }, expect: { ca: 'kept', leaf: 'new', why: /key type ecdsa-p256 -> rsa4096/ } },
  { title: 'certs_force_renew re-issues the certificate of a healthy host and keeps the CA', spec: { forceRenew: true }, expect: { ca: 'kept', leaf: 'new', why: /certs_force_renew=true/ } },
  { title: 'a CA expiring within the window is replaced, with a new certificate', now: new Date(NOW.getTime() + 3640 * DAY), expect: { ca: 'new', leaf: 'new', why: /CA expires in 10 days .*: new CA/ } },
  { title: 'a missing certificate key is re-issued under the same CA', files: (h) => ({ ...h, [P.tlsKey]: null }), expect: { ca: 'kept', leaf: 'new', why: /tls\.key is missing/ } },
  { title: 'missing certificate files are issued under the same CA', files: (h) => ({ ...h, [P.tlsKey]: null, [P.tlsCrt]: null }), expect: { ca: 'kept', leaf: 'new', why: /none yet/ } },
  { title: 'a corrupt certificate key is refused with the recovery hint', files: (h) => ({ ...h, [P.tlsKey]: fakePem('PRIVATE KEY', 'not base64!') }), expect: { error: /registry certificate on the host is unusable: \/registry\/certs\/tls\.key is not a readable private key/, hint: /-e certs_force_renew=true/ } },
  { title: 'a corrupt CA certificate is refused with the recovery hint', files: (h) => ({ ...h, [P.caCrt]: 'garbage\n' }), expect: { error: /registry CA on the host is unusable: \/registry\/certs\/ca\.crt is not a readable PEM certificate/, hint: /certs_force_renew=true/ } },
  { title: 'a CA key that is not the CA certificate\'s is refused', files: (h) => ({ ...h, [P.caKey]: other[P.caKey]! }), expect: { error: /ca\.key does not belong to \/registry\/certs\/ca\.crt/ } },
  { title: 'a CA certificate without its key is refused', files: (h) => ({ ...h, [P.caKey]: null }), expect: { error: /ca\.crt exists but \/registry\/certs\/ca\.key is missing/ } },
  { title: 'a CA that does not sign the existing certificate is refused', files: (h) => ({ ...h, [P.tlsCrt]: other[P.tlsCrt]!, [P.tlsKey]: other[P.tlsKey]! }), expect: { error: /tls\.crt is not signed by \/registry\/certs\/ca\.crt/, hint: /certs_force_renew=true.*the CA is kept/ } },
  { title: 'a "CA" that is a leaf certificate is refused', files: (h) => ({ ...h, [P.caCrt]: h[P.tlsCrt]!, [P.caKey]: h[P.tlsKey]! }), expect: { error: /is not a CA certificate/ } },
  { title: 'certs_force_renew recovers from a corrupt key: new certificate, same CA', spec: { forceRenew: true }, files: (h) => ({ ...h, [P.tlsKey]: 'junk' }), expect: { ca: 'kept', leaf: 'new', why: /certs_force_renew: .*tls\.key is not a readable private key: re-issue/ } },
  { title: 'certs_force_renew recovers from a foreign certificate: new certificate, same CA', spec: { forceRenew: true }, files: (h) => ({ ...h, [P.tlsCrt]: other[P.tlsCrt]!, [P.tlsKey]: other[P.tlsKey]! }), expect: { ca: 'kept', leaf: 'new' } },
  { title: 'certs_force_renew recovers from a corrupt CA: new CA and certificate', spec: { forceRenew: true }, files: (h) => ({ ...h, [P.caKey]: 'junk' }), expect: { ca: 'new', leaf: 'new', why: /certs_force_renew: .*ca\.key is not a readable private key: new CA/ } },
];

for (const c of cases) {
  test(`edit: ${c.title}`, async (t) => {
    const current = c.files ? c.files(HOST) : HOST;
    const run = () => decidePki({ ...SPEC, ...c.spec }, current, c.now ?? NOW);
    if ('error' in c.expect) {
      const err = await t.throwsAsync(run, { instanceOf: StateError });
      t.regex(err!.message, c.expect.error);
      if (c.expect.hint) t.regex((err as StateError).hint ?? '', c.expect.hint);
      t.notRegex(`${err!.message} ${(err as StateError).hint}`, /PRIVATE KEY|MII/);
      return;
    }
    const result = await run();
    const got = reveal(result.content);
    const same = (path: string) => got[path] === current[path];
    t.is(same(P.caCrt) && same(P.caKey), c.expect.ca === 'kept', 'CA');
    t.is(same(P.tlsCrt) && same(P.tlsKey), c.expect.leaf === 'kept', 'certificate');
    if (c.expect.ca === 'kept' && c.expect.leaf === 'kept') t.is(result.why, undefined);
    else t.regex(result.why ?? '', c.expect.why ?? /\S/, 'a change says why');
    if (c.expect.leaf === 'new') {
      t.not(got[P.tlsKey], current[P.tlsKey], 'a renewed certificate gets a new key');
      const at = String(Math.floor((c.now ?? NOW).getTime() / 1000));
      t.is(openssl(got, 'verify', '-attime', at, '-CAfile', 'ca.crt', 'tls.crt').trim(), 'tls.crt: OK');
      // The renewed certificate is kept on the next run.
      t.is((await decidePki({ ...SPEC, ...c.spec, forceRenew: false }, got, c.now ?? NOW)).why, undefined);
    }
  });
}

test('a certificate never outlives its CA', async (t) => {
  const files = reveal((await decidePki({ ...SPEC, caDays: 100, certDays: 365 }, EMPTY, NOW)).content);
  const end = (f: string) => openssl(files, 'x509', '-in', f, '-noout', '-enddate').trim();
  t.is(end('tls.crt'), end('ca.crt'));
});

test('a leaf signed with a hand-made short lifetime by the same CA is renewed, and the CA bytes stay', async (t) => {
  const ca = await generateKey('ecdsa-p256');
  const caPem = issueCertificate({ commonName: 'CA', subjectKey: ca.key, issuer: 'self', notBefore: NOW, notAfter: new Date(NOW.getTime() + 1000 * DAY), ca: true });
  const leaf = await generateKey('ecdsa-p256');
  const leafPem = issueCertificate({
    commonName: 'registry.local',
    subjectKey: leaf.key,
    issuer: { commonName: 'CA', key: ca.key },
    notBefore: NOW,
    notAfter: new Date(NOW.getTime() + 5 * DAY),
    ca: false,
    dnsNames: ['registry.local', ...SPEC.extraDns],
    ips: SPEC.ips,
  });
  const current = { [P.caCrt]: caPem, [P.caKey]: ca.pem, [P.tlsCrt]: leafPem, [P.tlsKey]: leaf.pem };
  const result = await decidePki(SPEC, current, NOW);
  const got = reveal(result.content);
  t.is(got[P.caCrt], caPem);
  t.is(got[P.caKey], ca.pem);
  t.not(got[P.tlsCrt], leafPem);
  t.regex(result.why ?? '', /expires in 5 days/);
});

test('an IPv6 SAN written another way is the same SAN: the certificate is kept', async (t) => {
  const spec = { ...SPEC, ips: ['fd00::1', '10.0.0.1'] };
  const files = reveal((await decidePki(spec, EMPTY, NOW)).content);
  t.is((await decidePki({ ...spec, ips: ['10.0.0.1', 'FD00:0:0::0001'] }, files, NOW)).why, undefined);
  t.regex((await decidePki({ ...spec, ips: ['fd00::2', '10.0.0.1'] }, files, NOW)).why ?? '', /\+IP:fd00:0:0:0:0:0:0:2, -IP:fd00:0:0:0:0:0:0:1/);
});

test('PEM files use LF line endings and end with a newline, like openssl writes them', (t) => {
  for (const text of Object.values(HOST)) {
    t.false(text!.includes('\r'));
    t.true(text!.endsWith('-----\n'));
  }
});
