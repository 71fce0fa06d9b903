// Bad-input errors never echo a value that may be a secret: no mapping or list is shown, no scalar
// reached through a secret-sounding name, and `-e` errors show at most the key.
import test from 'ava';
import { z } from 'zod';
import { parseExtraVars } from '../../src/engine/load/extra-vars.js';
import { InputError } from '../../src/errors.js';
import { parseVars, secret } from '../../roles/_shared/vars.js';

const users = z.object({ registry_users: z.array(z.object({ name: z.string(), password: secret })) });

function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof InputError) return e.describe();
    throw e;
  }
  throw new Error('no InputError');
}

test('a mapping given where a list was expected is not echoed (it holds a password)', (t) => {
  const msg = messageOf(() => parseVars('htpasswd', users, { registry_users: { ci: 'Hunter2secret' } }));
  t.false(msg.includes('Hunter2secret'), msg);
  t.regex(msg, /variable registry_users = \(a mapping\)/);
});

test('a list is not echoed either', (t) => {
  const schema = z.object({ names: z.string() });
  const msg = messageOf(() => parseVars('r', schema, { names: ['Hunter2secret'] }));
  t.false(msg.includes('Hunter2secret'), msg);
  t.regex(msg, /variable names = \(a list\)/);
});

test('a value of a variable the secret table declares is masked; a name that only sounds secret is shown', (t) => {
  for (const name of ['docker_login_password', 'become_password', 'http_proxy', 'https_proxy']) {
    const m = messageOf(() => parseVars('r', z.object({ [name]: z.boolean() }), { [name]: 'http://u:424242@proxy:3128' }));
    t.false(m.includes('424242'), m);
    t.regex(m, new RegExp(`variable ${name} = \\*\\*\\*`));
  }
  const pw = messageOf(() => parseVars('htpasswd', users, { registry_users: [{ name: 'ci', password: 987654321 }] }));
  t.false(pw.includes('987654321'), pw);
  const auth = messageOf(() => parseVars('htpasswd', z.object({ registry_auth_dir: z.string().regex(/^\//, 'must be an absolute path') }), { registry_auth_dir: 'registry/auth' }));
  t.regex(auth, /variable registry_auth_dir = "registry\/auth": must be an absolute path/);
});

test('a harmless scalar is still shown, so the error stays useful', (t) => {
  const msg = messageOf(() => parseVars('r', z.object({ registry_port: z.number() }), { registry_port: 'five' }));
  t.regex(msg, /variable registry_port = "five"/);
});

test('-e errors never print the value, only the key', (t) => {
  const bad = messageOf(() => parseExtraVars(['registry_password= Hunter2secret'], '/'));
  t.false(bad.includes('Hunter2secret'), bad);
  t.regex(bad, /expected key=value/);
  const badKey = messageOf(() => parseExtraVars(['bad-key=Hunter2secret'], '/'));
  t.false(badKey.includes('Hunter2secret'), badKey);
  t.regex(badKey, /'bad-key' is not a valid variable name/);
});
