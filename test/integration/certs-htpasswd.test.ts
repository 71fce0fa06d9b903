// certs + htpasswd on a lab control-plane host through the real CLI: check → apply → apply
// (changed=0) → a fresh copy of the repository (changed=0), then renewal, a password change,
// a corrupt key refused and recovered with certs_force_renew. Asserts on the host's files.
import test from 'ava';
import { cpSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { labSupport, labUp, type Lab } from '../lab/index.js';
import { missing, serialUnless } from '../helpers/lab-test.js';
import { repoRoot, runPlay, runPlayReported, type PlayResult } from '../helpers/play.js';
import { fingerprint } from '../helpers/host-state.js';
import { issueCertificate, generateKey, publicKeyDer, subjectKeyId } from '../../roles/certs/x509.js';

const support = labSupport();
const serial = serialUnless(missing(support));

const DIR = '/registry/certs';
const HTPASSWD = '/registry/auth/htpasswd';
const PASSWORDS = { REG_ALICE_PW: 'alice-Pw-7f3e9a', REG_BOB_PW: 'bob-Pw-1c5d2b' };
const PLAYBOOK = `- name: registry PKI and users
  hosts: control_plane
  vars:
    registry_name: registry.lab
    registry_port: 5000
    registry_cert_extra_dns: [registry.registry.svc, registry.registry.svc.cluster.local]
    registry_cert_extra_ips: [10.96.0.50]
    registry_users:
      - name: alice
        password: !env REG_ALICE_PW
      - name: bob
        password: !env REG_BOB_PW
    bcrypt_cost: 5
  roles: [certs, htpasswd]
`;

let lab: Lab;
let work: string;
let env: NodeJS.ProcessEnv = { ...PASSWORDS };

interface Report {
  recap: Record<string, { changed: number; failed: number }>;
  events: Array<{ type: string; step?: string; status?: string; why?: string; error?: string }>;
}
interface Run extends PlayResult {
  report: Report;
}

function play(args: string[] = [], run: typeof runPlay = runPlay): Promise<Run> {
  const secrets = Object.values(env).filter((pw): pw is string => !!pw);
  return runPlayReported([join(work, 'pki.yaml'), '-i', lab.inventoryPath, ...args], { dir: work, env, secrets, empty: { recap: {}, events: [] } as Report, run });
}

const changed = (r: Run) => r.report.recap.cp1?.changed;
const step = (r: Run, name: string) => r.report.events.find((e) => e.type === 'step' && e.step?.includes(name));
const read = async (file: string) => (await lab.readFile('cp1', file)) ?? '';
/** The certificate is for the key beside it (the same public key). */
const keyMatchesCert = (files: Record<string, string | null>) =>
  new X509Certificate(files['tls.crt']!).publicKey.equals(createPublicKey(createPrivateKey(files['tls.key']!)));
const pki = async () => Object.fromEntries(await Promise.all(['ca.crt', 'ca.key', 'tls.crt', 'tls.key'].map(async (f) => [f, await read(`${DIR}/${f}`)])));
/** mtime, inode and sha256 of every file the roles manage: a rewrite of identical bytes shows too. */
const files = async () => fingerprint(lab, 'cp1', [DIR, ...['ca.crt', 'ca.key', 'tls.crt', 'tls.key'].map((f) => `${DIR}/${f}`), '/registry/auth', HTPASSWD]);
/** apache htpasswd on cp1: true if it verifies, false only for its own refusal (exit 3); anything else throws. */
async function verifies(user: string, password: string): Promise<boolean> {
  const r = await lab.exec('cp1', `htpasswd -iv ${HTPASSWD} ${user}`, { stdin: password });
  if (r.code === 0 && /^Password for user \S+ correct\.$/m.test(r.stderr)) return true;
  if (r.code === 3 && /^password verification failed$/m.test(r.stderr)) return false;
  throw new Error(`htpasswd -iv ${user} on cp1: exit ${r.code} ${r.stderr}`);
}

test.before(async () => {
  if (!support.ok) return;
  work = mkdtempSync(join(tmpdir(), 'certs-htpasswd-'));
  writeFileSync(join(work, 'pki.yaml'), PLAYBOOK);
  // Per process: two runs of this file at once must not tear down each other's lab.
  lab = await labUp({ name: `certs-htpasswd-${process.pid}`, hosts: { cp1: ['control_plane'] } });
});

test.after.always(async () => {
  await lab?.down();
  if (work) rmSync(work, { recursive: true, force: true });
});

serial('check mode on a fresh host reports the new CA, certificate and users, and writes nothing', async (t) => {
  const r = await play(['--check']);
  t.is(r.code, 0, r.stderr);
  t.truthy(changed(r));
  t.regex(step(r, 'registry CA and certificate')?.why ?? '', /no CA yet: new CA/);
  t.is(await lab.readFile('cp1', `${DIR}/ca.crt`), null);
  t.is(await lab.readFile('cp1', HTPASSWD), null);
});

serial('apply issues a CA and a certificate with the SANs, keys 0600 in a 0700 directory', async (t) => {
  const r = await play();
  t.is(r.code, 0, r.stderr + r.stdout);
  t.truthy(changed(r));
  const verify = await lab.exec('cp1', `openssl verify -purpose sslserver -CAfile ${DIR}/ca.crt ${DIR}/tls.crt`);
  t.is(verify.stdout.trim(), `${DIR}/tls.crt: OK`);
  const text = await lab.sh('cp1', `openssl x509 -in ${DIR}/tls.crt -noout -text`);
  t.regex(text, /DNS:registry\.lab, DNS:registry\.registry\.svc, DNS:registry\.registry\.svc\.cluster\.local, IP Address:10\.96\.0\.50/);
  t.regex(text, /Public-Key: \(4096 bit\)/);
  const modes = await lab.sh('cp1', `stat -c '%n %a' ${DIR} ${DIR}/ca.crt ${DIR}/ca.key ${DIR}/tls.crt ${DIR}/tls.key /registry/auth ${HTPASSWD}`);
  t.is(modes.trim(), [`${DIR} 700`, `${DIR}/ca.crt 644`, `${DIR}/ca.key 600`, `${DIR}/tls.crt 644`, `${DIR}/tls.key 600`, '/registry/auth 750', `${HTPASSWD} 640`].join('\n'));
});

serial('apply writes bcrypt $2y$ users that apache htpasswd verifies', async (t) => {
  const file = await read(HTPASSWD);
  t.deepEqual(file.split('\n').filter(Boolean).map((l) => l.slice(0, l.indexOf(':') + 8)), ['alice:$2y$05$', 'bob:$2y$05$']);
  t.true(await verifies('alice', PASSWORDS.REG_ALICE_PW));
  t.true(await verifies('bob', PASSWORDS.REG_BOB_PW));
  t.false(await verifies('bob', PASSWORDS.REG_ALICE_PW));
});

serial('a second apply changes nothing and leaves every file byte-identical, not even rewritten (same inode and mtime)', async (t) => {
  const before = { ...(await pki()), htpasswd: await read(HTPASSWD) };
  const stamp = await files();
  t.regex(stamp, /\/registry\/certs\/ca\.key \d+\.\S+ \S+ \S+ \d+\n/, 'mtime and inode are read');
  const r = await play();
  t.is(r.code, 0, r.stderr);
  t.is(changed(r), 0);
  t.deepEqual({ ...(await pki()), htpasswd: await read(HTPASSWD) }, before);
  t.is(await files(), stamp);
});

serial('a run from a fresh copy of the repository reuses the CA, certificate and hashes: changed=0', async (t) => {
  const copy = mkdtempSync(join(tmpdir(), 'regplay-fresh-clone-'));
  try {
    for (const part of ['package.json', 'tsconfig.json', 'bin', 'src', 'roles', 'templates', 'playbooks', 'test/helpers']) {
      cpSync(join(repoRoot, part), join(copy, part), { recursive: true });
    }
    symlinkSync(join(repoRoot, 'node_modules'), join(copy, 'node_modules'));
    const fresh = (await import(join(copy, 'test/helpers/play.ts'))) as { runPlay: typeof runPlay };
    const before = { ...(await pki()), htpasswd: await read(HTPASSWD) };
    t.regex(before['ca.crt']!, /BEGIN CERTIFICATE/);
    t.regex(before.htpasswd, /^alice:/);
    const stamp = await files();
    const r = await play([], fresh.runPlay);
    t.is(r.code, 0, r.stderr);
    t.is(changed(r), 0);
    t.deepEqual({ ...(await pki()), htpasswd: await read(HTPASSWD) }, before);
    t.is(await files(), stamp, 'not rewritten either');
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
});

serial('a certificate expiring within cert_renew_days is renewed under the same CA; check says why first', async (t) => {
  const before = await pki();
  const ca = new X509Certificate(before['ca.crt']!);
  const caKey = createPrivateKey(before['ca.key']!);
  const leaf = await generateKey('rsa4096');
  const now = Date.now();
  const short = issueCertificate({
    commonName: 'registry.lab',
    subjectKey: leaf.key,
    issuer: { commonName: 'regplay registry CA', key: caKey, keyId: subjectKeyId(publicKeyDer(ca.publicKey)) },
    notBefore: new Date(now - 3600_000),
    notAfter: new Date(now + 5 * 86400_000),
    ca: false,
    dnsNames: ['registry.lab', 'registry.registry.svc', 'registry.registry.svc.cluster.local'],
    ips: ['10.96.0.50'],
  });
  await lab.writeFile('cp1', `${DIR}/tls.crt`, short, 0o644);
  await lab.writeFile('cp1', `${DIR}/tls.key`, leaf.pem, 0o600);

  const check = await play(['--check']);
  t.is(check.code, 0, check.stderr);
  t.regex(step(check, 'registry CA and certificate')?.why ?? '', /expires in [45] days \(cert_renew_days=30\): renew/);
  t.is(await read(`${DIR}/tls.crt`), short);

  const r = await play();
  t.is(r.code, 0, r.stderr);
  t.is(changed(r), 1);
  const after = await pki();
  t.is(after['ca.crt'], before['ca.crt']);
  t.is(after['ca.key'], before['ca.key']);
  t.not(after['tls.crt'], short);
  t.not(after['tls.key'], leaf.pem);
  t.true(keyMatchesCert(after), 'the renewed certificate is for the new key');
  t.is((await lab.sh('cp1', `openssl verify -CAfile ${DIR}/ca.crt ${DIR}/tls.crt`)).trim(), `${DIR}/tls.crt: OK`);
  t.is(changed(await play()), 0);
});

serial('changing one password rewrites only that line', async (t) => {
  const before = (await read(HTPASSWD)).split('\n');
  env = { ...PASSWORDS, REG_BOB_PW: 'bob-New-Pw-9e8d7c' };
  const r = await play();
  t.is(r.code, 0, r.stderr);
  t.is(changed(r), 1);
  const after = (await read(HTPASSWD)).split('\n');
  t.is(after[0], before[0]);
  t.not(after[1], before[1]);
  t.true(await verifies('bob', 'bob-New-Pw-9e8d7c'));
  t.true(await verifies('alice', PASSWORDS.REG_ALICE_PW));
  t.is(changed(await play()), 0);
});

serial('an unset or empty password variable is bad input: exit 3, nothing touched', async (t) => {
  const before = await read(HTPASSWD);
  const saved = env;
  try {
    env = { REG_ALICE_PW: PASSWORDS.REG_ALICE_PW };
    const unset = await play();
    t.is(unset.code, 3);
    t.regex(unset.stdout + unset.stderr, /environment variable REG_BOB_PW is not set/);
    env = { REG_ALICE_PW: PASSWORDS.REG_ALICE_PW, REG_BOB_PW: '' };
    const empty = await play();
    t.is(empty.code, 3);
    t.regex(empty.stdout + empty.stderr, /environment variable REG_BOB_PW is empty/);
  } finally {
    env = saved;
  }
  t.is(await read(HTPASSWD), before);
});

serial('a corrupt key is refused with the way out, nothing written; certs_force_renew recovers and keeps the CA', async (t) => {
  const before = await pki();
  await lab.writeFile('cp1', `${DIR}/tls.key`, 'this is not a key\n', 0o600);
  const r = await play();
  t.is(r.code, 2);
  t.regex(r.stdout + r.stderr, /tls\.key is not a readable private key/);
  t.regex(r.stdout + r.stderr, /certs_force_renew=true/);
  t.is(await read(`${DIR}/tls.crt`), before['tls.crt']);
  t.is(await read(`${DIR}/tls.key`), 'this is not a key\n');

  const fixed = await play(['-e', 'certs_force_renew=true']);
  t.is(fixed.code, 0, fixed.stderr);
  const after = await pki();
  t.is(after['ca.crt'], before['ca.crt']);
  t.not(after['tls.key'], 'this is not a key\n');
  t.true(keyMatchesCert(after), 'the re-issued certificate is for the new key');
  t.is((await lab.sh('cp1', `openssl verify -CAfile ${DIR}/ca.crt ${DIR}/tls.crt`)).trim(), `${DIR}/tls.crt: OK`);
  t.is(changed(await play()), 0);
});

serial('the real registry serves the certificate and accepts the users; skopeo (Go) trusts the CA for the registry name', async (t) => {
  const address = lab.address('cp1');
  const config = `version: 0.1
storage:
  filesystem:
    rootdirectory: /tmp/certs-htpasswd-registry
http:
  addr: ${address}:5000
  tls:
    certificate: ${DIR}/tls.crt
    key: ${DIR}/tls.key
auth:
  htpasswd:
    realm: regplay
    path: ${HTPASSWD}
`;
  await lab.writeFile('cp1', '/tmp/registry-config.yml', config);
  await lab.sh('cp1', `echo '${address} registry.lab' >> /etc/hosts && mkdir -p /etc/containers/certs.d/registry.lab:5000 && cp ${DIR}/ca.crt /etc/containers/certs.d/registry.lab:5000/ca.crt`);
  await lab.sh('cp1', 'docker-registry serve /tmp/registry-config.yml >/tmp/registry.log 2>&1 & echo $! > /tmp/registry.pid');
  try {
    const login = (user: string, password: string) =>
      lab.exec('cp1', `for i in $(seq 50); do skopeo login --authfile /tmp/auth.json --username ${user} --password-stdin registry.lab:5000 && exit 0; grep -q 'listening on' /tmp/registry.log || { sleep 0.1; continue; }; exit 1; done; exit 1`, { stdin: password });
    const ok = await login('alice', PASSWORDS.REG_ALICE_PW);
    t.is(ok.code, 0, ok.stderr + (await read('/tmp/registry.log')));
    t.regex(ok.stdout, /Login Succeeded/);
    const wrong = await login('alice', 'not-the-password');
    t.not(wrong.code, 0);
    t.regex(wrong.stderr, /401|unauthorized|invalid username\/password/i);
    t.notRegex(wrong.stderr, /x509|certificate/i);
  } finally {
    await lab.exec('cp1', 'kill "$(cat /tmp/registry.pid)"');
  }
});
