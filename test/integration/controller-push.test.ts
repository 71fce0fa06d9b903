// play verify's canary pushed from the controller (src/verify/controller-push.ts) into the real
// registry (Debian's docker-registry 2.8, TLS with its own CA, htpasswd auth) listening on loopback:
// the image is there afterwards exactly as built (manifest and layer read back over the API), a wrong
// password and a foreign CA fail naming the layer, and the delete removes it.
import test from 'ava';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { Secret } from '../../src/secret.js';
import { makeCanary } from '../../src/verify/canary.js';
import { CANARY_REPO, deleteCanary, pushCanary, type ControllerEndpoint } from '../../src/verify/controller-push.js';
import { freePort } from '../helpers/net.js';
import { serialUnless } from '../helpers/lab-test.js';

function missingSupport(): string | undefined {
  for (const bin of ['docker-registry', 'openssl', 'htpasswd', 'curl']) {
    if (spawnSync('sh', ['-c', `command -v ${bin}`]).status !== 0) return `${bin} not installed`;
  }
  return undefined;
}
const serial = serialUnless(missingSupport());

const dir = mkdtempSync(join(tmpdir(), 'controller-push-'));
const PASSWORD = 'ctl-Push-pw-0b7e';
let port = 0;
let registry: ChildProcess | undefined;

const openssl = (args: string[]) => {
  const r = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
};
const endpoint = (o: Partial<ControllerEndpoint> = {}): ControllerEndpoint => ({ name: 'localhost', port, ca: readFileSync(join(dir, 'ca.crt'), 'utf8'), user: 'alice', password: new Secret(PASSWORD), ...o });
const curl = (path: string, accept = 'application/vnd.oci.image.manifest.v1+json') =>
  spawnSync('curl', ['-sS', '-u', `alice:${PASSWORD}`, '--cacert', join(dir, 'ca.crt'), '-H', `Accept: ${accept}`, '-w', '\n%{http_code}', `https://localhost:${port}${path}`], { encoding: 'utf8' }).stdout;

test.before(async () => {
  if (missingSupport()) return;
  port = await freePort();
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '1', '-subj', '/CN=test CA']);
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'tls.key', '-out', 'tls.csr', '-subj', '/CN=localhost']);
  writeFileSync(join(dir, 'san.ext'), 'subjectAltName=DNS:localhost\n');
  openssl(['x509', '-req', '-in', 'tls.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'tls.crt', '-days', '1', '-extfile', 'san.ext']);
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'other.key', '-out', 'other.crt', '-days', '1', '-subj', '/CN=other CA']);
  writeFileSync(join(dir, 'htpasswd'), spawnSync('htpasswd', ['-Bbn', 'alice', PASSWORD], { encoding: 'utf8' }).stdout);
  writeFileSync(
    join(dir, 'config.yml'),
    stringify({
      version: 0.1,
      storage: { filesystem: { rootdirectory: join(dir, 'data') }, delete: { enabled: true } },
      http: { addr: `127.0.0.1:${port}`, tls: { certificate: join(dir, 'tls.crt'), key: join(dir, 'tls.key') } },
      auth: { htpasswd: { realm: 'Registry', path: join(dir, 'htpasswd') } },
    }),
  );
  registry = spawn('docker-registry', ['serve', join(dir, 'config.yml')], { stdio: 'ignore' });
  for (let i = 0; i < 50 && !curl('/v2/').endsWith('200'); i++) await new Promise((r) => setTimeout(r, 100));
});

test.after.always(() => {
  registry?.kill();
  rmSync(dir, { recursive: true, force: true });
});

serial('the canary pushed from this process is in the registry as built (manifest and layer), then deleted', async (t) => {
  const canary = makeCanary('ctl-1');
  const ref = await pushCanary(endpoint(), canary);
  t.is(ref, `localhost:${port}/${CANARY_REPO}:ctl-1`);
  const manifest = curl(`/v2/${CANARY_REPO}/manifests/ctl-1`).split('\n');
  t.is(manifest.pop(), '200');
  const body = manifest.join('\n');
  t.is(body, canary.files.get(`blobs/sha256/${canary.manifestDigest.slice(7)}`)!.toString('utf8'));
  const layer = (JSON.parse(body) as { layers: Array<{ digest: string }> }).layers[0]!.digest;
  const blob = curl(`/v2/${CANARY_REPO}/blobs/${layer}`, '*/*').split('\n');
  t.is(blob.pop(), '200');
  t.true(blob.join('\n').includes('regplay verify canary ctl-1'));
  t.is(await deleteCanary(endpoint(), canary), 'removed from the registry');
  t.true(curl(`/v2/${CANARY_REPO}/manifests/ctl-1`).endsWith('404'));
});

serial('a wrong password, a foreign CA, a closed port: the push fails naming the layer; the password is never in the message', async (t) => {
  const canary = makeCanary('ctl-2');
  const auth = await t.throwsAsync(pushCanary(endpoint({ password: new Secret('not-it') }), canary));
  t.regex(auth!.message, /^auth: the registry refused the credential \(401\)/);
  const tls = await t.throwsAsync(pushCanary(endpoint({ ca: readFileSync(join(dir, 'other.crt'), 'utf8') }), canary));
  t.regex(tls!.message, /^TLS: .*\(verified with the site's CA only\)$/);
  const closed = await t.throwsAsync(pushCanary(endpoint({ port: await freePort() }), canary));
  t.regex(closed!.message, /^TCP: localhost:\d+ is not reachable from the controller \(ECONNREFUSED\)$/);
  for (const e of [auth, tls, closed]) t.false(e!.message.includes(PASSWORD));
  t.true(curl(`/v2/${CANARY_REPO}/manifests/ctl-2`).endsWith('404'), 'nothing pushed');
});
