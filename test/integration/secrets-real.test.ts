// The whole job through the real CLI on a lab (stand-in cluster included), with every output a user
// could share: stdout, stderr, --json and --junit, under --diff and -v. None of them may contain the
// registry password, base64(user:password) (pull secret, docker login), a bcrypt hash from the
// host's htpasswd file, or a private key: not on the first run, the second, or a --check --diff.
import test, { type ExecutionContext } from 'ava';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { labSupport, labUp, type Lab } from '../lab/index.js';
import { missing, serialUnless } from '../helpers/lab-test.js';
import { runPlay, type PlayResult } from '../helpers/play.js';
import { registryVars } from '../helpers/lab-vars.js';

const support = labSupport({ standin: true });
const serial = serialUnless(missing(support));

const USER = 'alice';
const PASSWORD = 'alice-Secrets-pw-3c9e4b';
const env = { REG_ALICE_PW: PASSWORD };
// As test/integration/k8s-apply.test.ts, plus what the nodes' and build host's roles need in the lab.
const VARS = registryVars({
  name: 'registry.lab',
  port: 5000,
  user: USER,
  passwordEnv: 'REG_ALICE_PW',
  pullNamespaces: ['default', 'apps'],
  extra: 'containerd_restart_command: [service, containerd, restart]\n',
});
// The Service's cluster IP is cp1's bridge address, which the build host can reach.
const BUILD_VARS = 'dns_hosts_ip_source: cluster_ip\n';

let lab: Lab;
let work: string;

interface Outputs {
  result: PlayResult;
  texts: Record<string, string>;
}

async function play(name: string, args: string[]): Promise<Outputs> {
  const json = join(work, `${name}.json`);
  const junit = join(work, `${name}.xml`);
  const result = await runPlay(['site.yaml', '-i', 'inventory.yaml', '--diff', '--json', json, '--junit', junit, '-v', ...args], { cwd: work, env });
  const read = (f: string) => (existsSync(f) ? readFileSync(f, 'utf8') : '');
  return { result, texts: { stdout: result.stdout, stderr: result.stderr, json: read(json), junit: read(junit) } };
}

/** The bcrypt hashes in cp1's htpasswd file (the role wrote them; they must never be printed). */
async function htpasswdHashes(): Promise<string[]> {
  const text = (await lab.readFile('cp1', '/registry/auth/htpasswd')) ?? '';
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => line.slice(line.indexOf(':') + 1));
}

function assertNoSecrets(t: ExecutionContext, run: string, out: Outputs, hashes: string[]): void {
  const forbidden: Record<string, string> = {
    password: PASSWORD,
    'base64(user:password)': Buffer.from(`${USER}:${PASSWORD}`).toString('base64'),
    ...Object.fromEntries(hashes.map((h, i) => [`bcrypt hash ${i + 1}`, h])),
  };
  for (const [where, text] of Object.entries(out.texts)) {
    for (const [what, secret] of Object.entries(forbidden)) t.false(text.includes(secret), `${run}: ${what} in ${where}`);
    t.false(text.includes('PRIVATE KEY'), `${run}: a PRIVATE KEY block in ${where}`);
  }
}

test.before(async () => {
  if (!support.ok) return;
  work = mkdtempSync(join(tmpdir(), 'secrets-real-'));
  lab = await labUp({ name: 'secrets', hosts: { cp1: ['control_plane'], w1: ['workers'], b1: ['build'] }, standin: true });
  writeFileSync(join(work, 'inventory.yaml'), readFileSync(lab.inventoryPath, 'utf8'));
  mkdirSync(join(work, 'group_vars'));
  writeFileSync(join(work, 'group_vars', 'all.yaml'), VARS);
  writeFileSync(join(work, 'group_vars', 'build.yaml'), BUILD_VARS);
});

test.after.always(async () => {
  await lab?.down();
  if (work) rmSync(work, { recursive: true, force: true });
});

serial('site.yaml twice and once --check --diff, with --json, --junit and -v: no password, base64 credential, bcrypt hash or private key in any output', async (t) => {
  const first = await play('run1', []);
  t.is(first.result.code, 0, first.result.stdout + first.result.stderr);
  const hashes = await htpasswdHashes();
  t.is(hashes.length, 1, 'the htpasswd file on cp1 holds the user');
  t.regex(hashes[0]!, /^\$2[aby]\$/);
  t.truthy(first.texts.json && first.texts.junit, 'both reports were written');
  // the runs really handled the secrets: the credential is on the build host, in docker's config
  t.true(((await lab.readFile('b1', '/root/.docker/config.json')) ?? '').includes(Buffer.from(`${USER}:${PASSWORD}`).toString('base64')));
  assertNoSecrets(t, 'run 1', first, hashes);

  const second = await play('run2', []);
  t.is(second.result.code, 0, second.result.stdout + second.result.stderr);
  assertNoSecrets(t, 'run 2', second, hashes);

  const check = await play('check', ['--check']);
  t.is(check.result.code, 0, check.result.stdout + check.result.stderr);
  assertNoSecrets(t, '--check --diff', check, hashes);
});
