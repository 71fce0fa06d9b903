// Pure pieces under the executor and transports: quoting, known_hosts, output parsers.
import test from 'ava';
import { createHmac } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { blobKeyType, checkHostKey, knownHostName, knownKeyTypes, parseKnownHosts } from '../../src/facts/known-hosts.js';
import { parseRecords } from '../../src/facts/records.js';
import { parseStepOutput } from '../../src/facts/step-output.js';
import { parseKubectlObjects } from '../../src/facts/kubectl.js';
import { becomeRoot, quote, quoteArgv } from '../../src/transports/shell.js';

test('quote: a shell gets back exactly the words given, whatever they contain', (t) => {
  const words = ["it's", 'a b', '$(rm -rf /)', '`x`', '"q"', '', 'back\\slash', 'new\nline', 'plain-word_1.0'];
  const r = spawnSync('sh', ['-c', `printf '%s\\0' ${quoteArgv(words)}`], { encoding: 'utf8' });
  t.deepEqual(r.stdout.split('\0').slice(0, -1), words);
  t.is(quote('plain-word_1.0'), 'plain-word_1.0');
});

test('become wraps the whole command for sudo without a password prompt', (t) => {
  t.deepEqual(becomeRoot("echo 'hi' && id"), { line: `sudo -n sh -c 'echo '\\''hi'\\'' && id'`, stdinPrefix: '' });
});

test('known_hosts: [host]:port form, plain names, wildcards, negation, hashed entries', (t) => {
  const salt = Buffer.from('0123456789abcdef0123');
  const hashed = `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update('10.0.0.7').digest('base64')}`;
  const entries = parseKnownHosts(
    [
      '# comment',
      '[127.0.0.1]:2222 ssh-ed25519 KEYA',
      'cp1,10.0.0.1 ecdsa-sha2-nistp256 KEYB',
      '*.lab,!bad.lab ssh-ed25519 KEYC',
      `${hashed} ssh-ed25519 KEYD`,
      '@revoked * ssh-ed25519 KEYBAD',
      '@cert-authority *.lab ssh-ed25519 CA',
    ].join('\n'),
  );
  t.is(knownHostName('127.0.0.1', 2222), '[127.0.0.1]:2222');
  t.is(knownHostName('cp1', 22), 'cp1');
  t.is(checkHostKey(entries, '[127.0.0.1]:2222', 'ssh-ed25519', 'KEYA'), 'match');
  t.is(checkHostKey(entries, '127.0.0.1', 'ssh-ed25519', 'KEYA'), 'unknown');
  t.is(checkHostKey(entries, '10.0.0.1', 'ecdsa-sha2-nistp256', 'KEYX'), 'mismatch');
  t.is(checkHostKey(entries, 'w1.lab', 'ssh-ed25519', 'KEYC'), 'match');
  t.is(checkHostKey(entries, 'bad.lab', 'ssh-ed25519', 'KEYC'), 'unknown');
  t.is(checkHostKey(entries, '10.0.0.7', 'ssh-ed25519', 'KEYD'), 'match');
  t.is(checkHostKey(entries, 'anything', 'ssh-ed25519', 'KEYBAD'), 'revoked');
  t.deepEqual(knownKeyTypes(entries, 'cp1'), ['ecdsa-sha2-nistp256']);
});

// Found by mutation testing (npm run mutate -- known-hosts).
test('known_hosts parsing: indented lines, comments, tabs, short lines and markers are read as OpenSSH reads them', (t) => {
  const entries = parseKnownHosts(['   # indented comment', '  cp1 ssh-ed25519 KEYA  ', 'w1\t\tssh-ed25519\tKEYB', 'b1 ssh-ed25519', 'x#y ssh-ed25519 KEYH', '@cert-authority *.lab ssh-ed25519 CA', '', 'nothing'].join('\n'));
  t.deepEqual(entries, [
    { patterns: ['cp1'], keyType: 'ssh-ed25519', key: 'KEYA', marker: undefined },
    { patterns: ['w1'], keyType: 'ssh-ed25519', key: 'KEYB', marker: undefined },
    { patterns: ['x#y'], keyType: 'ssh-ed25519', key: 'KEYH', marker: undefined },
    { patterns: ['*.lab'], keyType: 'ssh-ed25519', key: 'CA', marker: '@cert-authority' },
  ]);
  // A CA line is not a host key: a host it covers with no key of its own is unknown.
  t.is(checkHostKey(entries, 'w9.lab', 'ssh-ed25519', 'CA'), 'unknown');
});

test('known_hosts matching: ? is one character, case does not matter, dots are literal, only |1| hashes count', (t) => {
  const salt = Buffer.from('0123456789abcdef0123');
  const mac = createHmac('sha1', salt).update('w1').digest('base64');
  const entries = parseKnownHosts(['w? ssh-ed25519 K1', 'CP1.LAB ssh-ed25519 K2', `|2|${salt.toString('base64')}|${mac} ssh-ed25519 K3`, `|1||${mac} ssh-ed25519 K4`, `|1|${salt.toString('base64')}| ssh-ed25519 K5`].join('\n'));
  t.is(checkHostKey(entries, 'w1', 'ssh-ed25519', 'K1'), 'match');
  t.is(checkHostKey(entries, 'w12', 'ssh-ed25519', 'K1'), 'unknown');
  t.is(checkHostKey(entries, 'cp1.lab', 'ssh-ed25519', 'K2'), 'match');
  t.is(checkHostKey(entries, 'cp1xlab', 'ssh-ed25519', 'K2'), 'unknown');
  t.deepEqual(knownKeyTypes(parseKnownHosts(`|2|${salt.toString('base64')}|${mac} ssh-ed25519 K3`), 'w1'), []);
  t.is(checkHostKey(entries.slice(2), 'w1', 'ssh-ed25519', 'K3'), 'unknown');
});

test('blobKeyType reads the first length-prefixed string of an SSH key blob', (t) => {
  const type = Buffer.from('ssh-ed25519', 'latin1');
  const blob = Buffer.concat([Buffer.from([0, 0, 0, type.length]), type, Buffer.from([0, 0, 0, 32]), Buffer.alloc(32, 7)]);
  t.is(blobKeyType(blob), 'ssh-ed25519');
  const odd = Buffer.from([0, 0, 0, 2, 0xe9, 0x41, 0, 0]);
  t.is(blobKeyType(odd), '\u00e9A');
});

test('read records: fields per record, marker lines only open records', (t) => {
  const out = 'noise\n@@m 0 file\nexists 1\nstat 644 root root\ncontent aGk=\n@@m 1 dir\nexists 0\n';
  const recs = parseRecords(out, '@@m');
  t.deepEqual(recs.get(0)?.fields, { exists: '1', stat: '644 root root', content: 'aGk=' });
  t.deepEqual(recs.get(1), { idx: 1, kind: 'dir', fields: { exists: '0' } });
});

test('step output: each step gets its own stdout, stderr and exit code; unreached steps are undefined', (t) => {
  const stdout = '@@m step 0\nout0\n@@m done 0 0\n@@m step 1\n{"a":1}\n@@m done 1 3\n';
  const stderr = '@@m step 0\n\n@@m done 0 0\n@@m step 1\nboom\n\n@@m done 1 3\n';
  t.deepEqual(parseStepOutput(stdout, stderr, '@@m', 0), { code: 0, stdout: 'out0', stderr: '' });
  t.deepEqual(parseStepOutput(stdout, stderr, '@@m', 1), { code: 3, stdout: '{"a":1}', stderr: 'boom\n' });
  t.is(parseStepOutput(stdout, stderr, '@@m', 2), undefined);
});

test('kubectl output: a List, a single object, or nothing', (t) => {
  const o = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'a' } };
  t.deepEqual(parseKubectlObjects(JSON.stringify({ kind: 'List', items: [o, o] })), [o, o]);
  t.deepEqual(parseKubectlObjects(JSON.stringify(o)), [o]);
  t.deepEqual(parseKubectlObjects('\n'), []);
});
