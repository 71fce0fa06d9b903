// ProxyJump over real OpenSSH: two throwaway sshd on 127.0.0.1, the target reached through the
// jump host's direct-tcpip forwarding; host keys are checked on both hops.
import test from 'ava';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UnreachableError } from '../../src/errors.js';
import { SshTransport, type SshTransportOptions } from '../../src/transports/ssh.js';
import { sshdSkipReason, startSshd, type Sshd } from '../helpers/throwaway-sshd.js';
import { unavailable } from '../helpers/lab-test.js';

let jump: Sshd;
let target: Sshd;
let dir: string;
const opened: SshTransport[] = [];

function knownHosts(name: string, lines: string[]): string {
  const path = join(dir, name);
  writeFileSync(path, lines.join(''));
  return path;
}

function transport(o: Partial<SshTransportOptions>): SshTransport {
  const t = new SshTransport({ host: 'node1', address: 'node1', sshConfigPath: join(dir, 'ssh_config'), connectTimeoutMs: 5000, ...o });
  opened.push(t);
  return t;
}

if (sshdSkipReason) {
  unavailable('ProxyJump over real sshd', sshdSkipReason);
} else {
  test.before(async () => {
    delete process.env.SSH_AUTH_SOCK;
    jump = await startSshd({ extra: ['LogLevel DEBUG1'] });
    target = await startSshd({ clientKey: jump.key });
    dir = mkdtempSync(join(tmpdir(), 'regplay-jump-'));
    writeFileSync(
      join(dir, 'ssh_config'),
      `Host node1
  HostName 127.0.0.1
  Port ${target.port}
  User root
  IdentityFile ${jump.key}
  ProxyJump bastion
Host node2
  HostName 127.0.0.1
  Port ${target.port}
  User root
  ProxyJump root@127.0.0.1:${jump.port}
Host bastion
  HostName 127.0.0.1
  Port ${jump.port}
  User root
  IdentityFile ${jump.key}
`,
    );
  });
  test.after.always(async () => {
    await Promise.all(opened.map((t) => t.close()));
    target?.stop();
    jump?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test.serial('a ProxyJump alias: commands run on the target, through the jump host', async (t) => {
    const tr = transport({ knownHostsPath: knownHosts('both', [jump.hostKeyLine, target.hostKeyLine]) });
    const r = await tr.exec('echo "$SSH_CONNECTION"');
    t.is(r.code, 0);
    t.is(r.stdout.trim().split(' ')[3], String(target.port));
    t.regex(jump.log(), new RegExp(`server_request_direct_tcpip: .*target 127\\.0\\.0\\.1 port ${target.port}\\b`));
  });

  test.serial('a user@host:port ProxyJump uses the target key for the jump host', async (t) => {
    const tr = transport({ address: 'node2', keyPath: jump.key, knownHostsPath: knownHosts('both2', [jump.hostKeyLine, target.hostKeyLine]) });
    t.is((await tr.exec('id -u')).stdout.trim(), '0');
  });

  test.serial("the jump host's key is checked: unknown is refused", async (t) => {
    const tr = transport({ knownHostsPath: knownHosts('target-only', [target.hostKeyLine]) });
    const e = await t.throwsAsync(tr.connect(), { instanceOf: UnreachableError });
    t.regex(e!.message, new RegExp(`^node1: jump host root@127\\.0\\.0\\.1:${jump.port}: host key for \\[127\\.0\\.0\\.1\\]:${jump.port} is not in`));
  });

  test.serial("the target's key is checked too: a mismatch is refused", async (t) => {
    const wrong = target.hostKeyLine.replace(/ \S+\n$/, ` ${jump.hostKeyLine.trim().split(' ')[2]}\n`);
    const tr = transport({ knownHostsPath: knownHosts('wrong-target', [jump.hostKeyLine, wrong]) });
    const e = await t.throwsAsync(tr.connect(), { instanceOf: UnreachableError });
    t.regex(e!.message, new RegExp(`via jump host .*HOST KEY MISMATCH for \\[127\\.0\\.0\\.1\\]:${target.port}`));
  });
}
