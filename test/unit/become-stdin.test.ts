// The become framing (transports/shell.ts becomeRoot): the password and the command's own stdin
// share one stream. Whatever sudo does with the first lines — reads the password (it asked),
// reads nothing (NOPASSWD or cached), or reads its tries and gives up (wrong password) — the
// command gets exactly its own stdin, and the password is on no command line. A fake `sudo`
// (first on PATH) emulates sudo -S's reading; the lab test (integration/become.test.ts) uses the real one.
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { chmodSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { becomeRoot, withStdinPrefix } from '../../src/transports/shell.js';
import { tempTree } from '../helpers/fakes.js';

const PASSWORD = "pw with 'quotes' $HOME and spaces";
const PAYLOAD = '{\nprintf "payload\\n"\n} </dev/null\nsecret-data-line\n';

// mode: ask (reads one line, checks it), nopasswd (reads nothing), wrong (reads 3 lines, exits 1).
const FAKE_SUDO = `#!/bin/sh
while [ "$#" -gt 0 ]; do case "$1" in -p) shift 2;; -*) shift;; *) break;; esac; done
case "$SUDO_MODE" in
  ask) IFS= read -r pw; printf '%s\\n' "$pw" > "$SUDO_SEEN"; [ "$pw" = "$SUDO_EXPECT" ] || exit 1;;
  wrong) i=0; while [ "$i" -lt "$SUDO_TRIES" ]; do IFS= read -r pw; printf '%s\\n' "$pw" >> "$SUDO_SEEN"; i=$((i + 1)); done; echo "sudo: $SUDO_TRIES incorrect password attempts" >&2; exit 1;;
esac
exec "$@"
`;

function runWrapped(mode: string, password: string | undefined, stdin: string, tries = 3) {
  const dir = tempTree({ 'bin/sudo': FAKE_SUDO, seen: '' });
  chmodSync(join(dir, 'bin/sudo'), 0o755);
  // `cat`: the command's stdin comes back byte for byte.
  const { line, stdinPrefix } = becomeRoot('cat', password);
  const r = spawnSync('sh', ['-c', line], {
    input: withStdinPrefix(stdinPrefix, stdin),
    env: { PATH: `${join(dir, 'bin')}:/usr/bin:/bin`, SUDO_MODE: mode, SUDO_TRIES: String(tries), SUDO_EXPECT: PASSWORD, SUDO_SEEN: join(dir, 'seen') },
    encoding: 'utf8',
  });
  return { ...r, line, seen: readFileSync(join(dir, 'seen'), 'utf8') };
}

test('no password: sudo -n, stdin untouched', (t) => {
  const w = becomeRoot('sh -s');
  t.is(w.line, "sudo -n sh -c 'sh -s'");
  t.is(w.stdinPrefix, '');
});

test('sudo asks: it reads exactly the password line; the command gets exactly its own stdin', (t) => {
  const r = runWrapped('ask', PASSWORD, PAYLOAD);
  t.is(r.status, 0, r.stderr);
  t.is(r.seen, `${PASSWORD}\n`);
  t.is(r.stdout, PAYLOAD);
  t.false(r.line.includes('quotes'), 'the password is not on the command line');
  t.false((r.stdout + r.stderr).includes('quotes'));
});

test('sudo does not ask (NOPASSWD, cached): the root shell skips the password; the command gets its own stdin', (t) => {
  const r = runWrapped('nopasswd', PASSWORD, PAYLOAD);
  t.is(r.status, 0, r.stderr);
  t.is(r.seen, '');
  t.is(r.stdout, PAYLOAD);
  t.false((r.stdout + r.stderr).includes('quotes'));
});

test('wrong password: sudo spends its three tries on the password and the filler lines, never on the payload', (t) => {
  const r = runWrapped('wrong', 'not the password', PAYLOAD);
  t.is(r.status, 1);
  t.regex(r.stderr, /incorrect password attempts/);
  t.is(r.seen.split('\n')[0], 'not the password');
  t.false(r.seen.includes('payload') || r.seen.includes('secret-data-line'));
  t.is(r.stdout, '', 'nothing ran');
});

test('wrong password with passwd_tries raised to 10: still never a line of the payload', (t) => {
  const r = runWrapped('wrong', 'not the password', PAYLOAD, 10);
  t.is(r.status, 1);
  t.is(r.seen.split('\n').filter(Boolean).length, 10);
  t.false(r.seen.includes('payload') || r.seen.includes('secret-data-line') || r.seen.includes('{'));
  t.is(r.stdout, '');
});

test('a password with a line break is refused (sudo reads one line)', (t) => {
  t.throws(() => becomeRoot('sh -s', 'a\nb'), { message: /one line/ });
});
