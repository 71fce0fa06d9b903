// The executor over real SSH: a throwaway OpenSSH sshd on 127.0.0.1 (random port, temp host key,
// temp authorized key). Three-run idempotency per resource kind, host key checking, unreachable.
import test from 'ava';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UnreachableError } from '../../src/errors.js';
import { Secret } from '../../src/secret.js';
import { SshTransport, type SshTransportOptions } from '../../src/transports/ssh.js';
import { threeRunsOn } from '../unit/executor-helpers.js';
import { freePort } from '../helpers/net.js';
import { keygen, sshdSkipReason as skipReason, startSshd, type Sshd } from '../helpers/throwaway-sshd.js';
import { unavailable } from '../helpers/lab-test.js';

let sshd: Sshd | undefined;
const transports: SshTransport[] = [];

function transport(extra: Partial<SshTransportOptions> = {}): SshTransport {
  const t = new SshTransport({
    host: 'lab1',
    address: '127.0.0.1',
    port: sshd!.port,
    user: 'root',
    keyPath: sshd!.key,
    knownHostsPath: sshd!.knownHosts,
    sshConfigPath: join(sshd!.dir, 'no-ssh-config'),
    ...extra,
  });
  transports.push(t);
  return t;
}

if (skipReason) {
  console.log(`resources-ssh: skipped (${skipReason})`);
  unavailable('executor over SSH', skipReason);
} else {
  test.before(async () => {
    delete process.env.SSH_AUTH_SOCK;
    sshd = await startSshd({ extra: ['MaxSessions 20', 'MaxStartups 100'] });
  });
  test.after.always(async () => {
    await Promise.all(transports.map((t) => t.close()));
    sshd?.stop();
    for (const d of workDirs) rmSync(d, { recursive: true, force: true });
  });

  const workDirs: string[] = [];
  const work = () => {
    const dir = mkdtempSync(join(tmpdir(), 'regplay-ssh-work-'));
    workDirs.push(dir);
    return dir;
  };

  test('over SSH, file: check touches nothing, apply writes with mode, second apply changes nothing', async (t) => {
    const dir = work();
    const path = join(dir, 'f.conf');
    await threeRunsOn(t, transport(), [{ kind: 'file', path, content: 'x=1\n', mode: '0640', owner: 'nobody' }], () => t.false(existsSync(path)), () => {
      t.is(readFileSync(path, 'utf8'), 'x=1\n');
      t.is(statSync(path).mode & 0o777, 0o640);
      t.is(statSync(path).uid, 65534);
    });
  });

  test('over SSH, directory: three runs', async (t) => {
    const dir = work();
    const path = join(dir, 'a', 'b');
    await threeRunsOn(t, transport(), [{ kind: 'directory', path, mode: '0700' }], () => t.false(existsSync(path)), () => t.is(statSync(path).mode & 0o777, 0o700));
  });

  test('over SSH, fileset: three runs', async (t) => {
    const dir = work();
    const files = [join(dir, 'k'), join(dir, 'c')];
    await threeRunsOn(
      t,
      transport(),
      [{ kind: 'fileset', files: files.map((path) => ({ path, mode: '0600' })), edit: (cur) => ({ content: Object.fromEntries(files.map((f) => [f, cur[f] ?? `new ${f}`])) }) }],
      () => t.false(existsSync(files[0]!)),
      () => t.is(readFileSync(files[1]!, 'utf8'), `new ${files[1]}`),
    );
  });

  test('over SSH, command with a guard and a stdin: three runs', async (t) => {
    const dir = work();
    const out = join(dir, 'out');
    await threeRunsOn(t, transport(), [{ kind: 'command', argv: ['sh', '-c', `cat > ${out}`], stdin: 'from stdin\n', creates: out }], () => t.false(existsSync(out)), () => t.is(readFileSync(out, 'utf8'), 'from stdin\n'));
  });

  test('over SSH, k8s objects (fake kubectl on the host): three runs, secrets only on stdin', async (t) => {
    const dir = work();
    const state = join(dir, 'state.json');
    const kubectl = join(dir, 'kubectl');
    const fake = fileURLToPath(new URL('../unit/fixtures/fake-kubectl.mjs', import.meta.url));
    writeFileSync(kubectl, `#!/bin/sh\nFAKE_KUBECTL_STATE=${state} exec ${process.execPath} ${fake} "$@"\n`, { mode: 0o755 });
    const password = 'ssh-k8s-secret-value';
    await threeRunsOn(
      t,
      transport(),
      [
        {
          kind: 'k8s',
          kubectl: { path: kubectl },
          objects: [
            { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'registry' } },
            { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'auth', namespace: 'registry' }, stringData: { password: new Secret(password) } },
          ],
        },
      ],
      () => t.false(existsSync(state)),
      () => t.is(JSON.parse(readFileSync(state, 'utf8'))['Secret/registry/auth'].data.password, Buffer.from(password).toString('base64')),
    );
    t.false(readFileSync(`${state}.log`, 'utf8').includes(password));
  });

  test('over SSH, every exec is a channel on one persistent connection', async (t) => {
    const tr = transport();
    const a = await tr.exec('echo $SSH_CONNECTION');
    const b = await tr.exec('cat; echo " $SSH_CONNECTION"', { stdin: 'in' });
    t.is(a.code, 0);
    t.is(b.stdout.trim(), `in ${a.stdout.trim()}`);
    t.is(tr.roundTrips, 2);
    const failed = await tr.exec('echo err >&2; exit 3');
    t.deepEqual(failed, { code: 3, stdout: '', stderr: 'err\n' });
  });

  test('an unknown host key is refused by default', async (t) => {
    const empty = join(sshd!.dir, 'empty_known_hosts');
    writeFileSync(empty, '');
    const err = await t.throwsAsync(transport({ knownHostsPath: empty }).connect(), { instanceOf: UnreachableError });
    t.regex(err!.message, /lab1: host key for \[127\.0\.0\.1\]:\d+ is not in .*empty_known_hosts/);
    t.is(readFileSync(empty, 'utf8'), '');
  });

  test('accept-new accepts an unknown host key and records it; strict then accepts it', async (t) => {
    const fresh = join(sshd!.dir, 'fresh', 'known_hosts');
    await transport({ knownHostsPath: fresh, hostKeyChecking: 'accept-new' }).connect();
    t.is(readFileSync(fresh, 'utf8'), sshd!.hostKeyLine);
    await t.notThrowsAsync(transport({ knownHostsPath: fresh }).connect());
  });

  test('a changed host key is refused even with accept-new', async (t) => {
    const other = join(sshd!.dir, 'other_key');
    keygen(other);
    const [type, key] = readFileSync(`${other}.pub`, 'utf8').split(' ');
    const wrong = join(sshd!.dir, 'wrong_known_hosts');
    writeFileSync(wrong, `[127.0.0.1]:${sshd!.port} ${type} ${key}\n`);
    const err = await t.throwsAsync(transport({ knownHostsPath: wrong, hostKeyChecking: 'accept-new' }).connect(), { instanceOf: UnreachableError });
    t.regex(err!.message, /HOST KEY MISMATCH/);
  });

  test('host_key_checking off accepts any key', async (t) => {
    await t.notThrowsAsync(transport({ knownHostsPath: join(sshd!.dir, 'none'), hostKeyChecking: 'off' }).connect());
  });

  test('a ~/.ssh/config host alias resolves to its HostName, Port, User and IdentityFile', async (t) => {
    const config = join(sshd!.dir, 'ssh_config');
    writeFileSync(config, `Host labalias\n  HostName 127.0.0.1\n  Port ${sshd!.port}\n  User root\n  IdentityFile ${sshd!.key}\n`);
    const tr = new SshTransport({ host: 'lab1', address: 'labalias', sshConfigPath: config, knownHostsPath: sshd!.knownHosts });
    transports.push(tr);
    const r = await tr.exec('id -u');
    t.is(r.stdout.trim(), '0');
    t.is(tr.user, 'root');
  });

  test('a refused connection is an UnreachableError naming host and address', async (t) => {
    const port = await freePort();
    const err = await t.throwsAsync(transport({ port }).connect(), { instanceOf: UnreachableError });
    t.regex(err!.message, new RegExp(`^lab1: connection refused at 127\\.0\\.0\\.1:${port}$`));
  });

  test('a wrong key is an UnreachableError saying authentication failed', async (t) => {
    const other = join(sshd!.dir, 'stranger_key');
    keygen(other);
    const err = await t.throwsAsync(transport({ keyPath: other }).connect(), { instanceOf: UnreachableError });
    t.regex(err!.message, /authentication failed for root@127\.0\.0\.1/);
  });
}
