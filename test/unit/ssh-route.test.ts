// Where the SSH transport connects: ~/.ssh/config aliases, a single ProxyJump hop, refusals for
// what is not supported yet, and host_key_checking spellings. No connection is made here.
import test from 'ava';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError, UnreachableError } from '../../src/errors.js';
import { normalizeChecking } from '../../src/transports/ssh-connect.js';
import { parseJumpSpec, resolveRoute } from '../../src/transports/ssh-route.js';
import { SshTransport } from '../../src/transports/ssh.js';

function sshConfig(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'regplay-sshcfg-')), 'config');
  writeFileSync(path, text);
  return path;
}

test('host_key_checking: unknown values are refused, nothing given means strict', (t) => {
  t.is(normalizeChecking(undefined), 'strict');
  t.is(normalizeChecking('yes'), 'strict');
  t.is(normalizeChecking(false), 'off');
  t.is(normalizeChecking('accept-new'), 'accept-new');
  t.throws(() => normalizeChecking('acept-new' as never), { instanceOf: InputError, message: /host_key_checking must be strict, accept-new or off .*\(got "acept-new"\)/ });
  t.throws(() => new SshTransport({ host: 'x', address: '127.0.0.1', hostKeyChecking: 'maybe' as never, sshConfigPath: '/nonexistent' }), { instanceOf: InputError, message: /host_key_checking must be strict, accept-new or off .*\(got "maybe"\)/ });
});

test('ProxyJump specs: user@host:port, an alias, [v6]:port, ssh:// URIs', (t) => {
  t.deepEqual(parseJumpSpec('root@10.0.0.1:2222'), { host: '10.0.0.1', user: 'root', port: 2222 });
  t.deepEqual(parseJumpSpec('bastion'), { host: 'bastion', user: undefined });
  t.deepEqual(parseJumpSpec('[fd00::1]:22'), { host: 'fd00::1', user: undefined, port: 22 });
  t.deepEqual(parseJumpSpec('ssh://ops@bastion:2200'), { host: 'bastion', user: 'ops', port: 2200 });
});

test('a ProxyJump alias resolves through its own ssh_config block; its keyword case does not matter', (t) => {
  const config = sshConfig(`Host node1
  hostname 10.1.0.5
  proxyjump bastion
Host bastion
  HostName 192.0.2.7
  Port 2200
  User ops
  IdentityFile /keys/bastion
`);
  const r = resolveRoute({ host: 'node1', user: 'root', keyPath: '/keys/lab', knownHostsPath: '/kh', sshConfigPath: config });
  t.like(r.target, { address: '10.1.0.5', port: 22, user: 'root', keyPath: '/keys/lab' });
  t.deepEqual(r.jump, { address: '192.0.2.7', port: 2200, user: 'ops', keyPath: '/keys/bastion', knownHostsPath: '/kh' });
  t.is(r.refusal, undefined);
});

test('a user@host:port jump without its own block uses the target key and known_hosts', (t) => {
  const config = sshConfig('Host node1\n  ProxyJump admin@192.0.2.9:2022\n');
  const r = resolveRoute({ host: 'node1', address: 'node1', keyPath: '/keys/lab', knownHostsPath: '/kh', sshConfigPath: config });
  t.deepEqual(r.jump, { address: '192.0.2.9', port: 2022, user: 'admin', keyPath: '/keys/lab', knownHostsPath: '/kh' });
});

test('ProxyCommand, several hops and a jump host behind a jump are refused as not supported yet', async (t) => {
  const config = sshConfig(`Host pc
  ProxyCommand nc %h %p
Host multi
  ProxyJump a,b
Host chained
  ProxyJump hop1
Host hop1
  ProxyJump hop2
`);
  t.regex(resolveRoute({ host: 'pc', sshConfigPath: config }).refusal ?? '', /ProxyCommand .* is not supported yet/);
  t.regex(resolveRoute({ host: 'multi', sshConfigPath: config }).refusal ?? '', /several hops: only a single hop is supported yet/);
  t.regex(resolveRoute({ host: 'chained', sshConfigPath: config }).refusal ?? '', /jump host hop1 is itself behind a proxy/);
  const tr = new SshTransport({ host: 'pc', sshConfigPath: config });
  await t.throwsAsync(tr.connect(), { instanceOf: UnreachableError, message: /^pc: ProxyCommand .* is not supported yet/ });
});

test('ProxyJump none means a direct connection', (t) => {
  const config = sshConfig('Host direct\n  ProxyJump none\n');
  t.is(resolveRoute({ host: 'direct', sshConfigPath: config }).jump, undefined);
});
