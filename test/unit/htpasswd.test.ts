// htpasswd role: bcrypt entries that apache's htpasswd accepts, and a file that only changes
// where a user or a password changed.
import test from 'ava';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { InputError } from '../../src/errors.js';
import type { RoleContext, Vars } from '../../src/resources/role.js';
import type { DirectoryState, FileState } from '../../src/resources/types.js';
import { Secret } from '../../src/secret.js';
import htpasswd from '../../roles/htpasswd/index.js';
import { editHtpasswd, type User } from '../../roles/htpasswd/htpasswd.js';

const COST = 4;
const users = (pairs: Record<string, string>): User[] => Object.entries(pairs).map(([name, pw]) => ({ name, password: new Secret(pw) }));
const edit = async (current: string | null, pairs: Record<string, string>) => (await editHtpasswd(current, users(pairs), COST)).reveal();
const lines = (text: string) => text.split('\n').filter(Boolean);

/**
 * apache `htpasswd -vb`: true when it verifies the password, false only for its own refusal (exit 3,
 * "password verification failed"). Anything else — no htpasswd binary, user not found (exit 6), an
 * unreadable file — throws, so it can never pass for a refusal.
 */
function htpasswdVerifies(file: string, user: string, password: string): boolean {
  const dir = mkdtempSync(join(tmpdir(), 'htpasswd-test-'));
  try {
    writeFileSync(join(dir, 'htpasswd'), file);
    const r = spawnSync('htpasswd', ['-vb', join(dir, 'htpasswd'), user, password], { encoding: 'utf8' });
    if (r.status === 0 && /^Password for user \S+ correct\.$/m.test(r.stderr)) return true;
    if (r.status === 3 && /^password verification failed$/m.test(r.stderr)) return false;
    throw new Error(`htpasswd -vb ${user}: ${r.error?.message ?? `exit ${r.status}`} ${r.stderr}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const FIRST = await edit(null, { alice: 'wonderland', bob: 'builder' });

test('a new file has one $2y$ bcrypt entry per user with the configured cost', (t) => {
  t.deepEqual(lines(FIRST).map((l) => l.slice(0, l.indexOf(':') + 8)), ['alice:$2y$04$', 'bob:$2y$04$']);
  t.true(FIRST.endsWith('\n'));
});

test('apache htpasswd -vb verifies every entry, and refuses a wrong password', (t) => {
  t.true(htpasswdVerifies(FIRST, 'alice', 'wonderland'));
  t.true(htpasswdVerifies(FIRST, 'bob', 'builder'));
  t.false(htpasswdVerifies(FIRST, 'bob', 'wonderland'));
  // Only that refusal counts as one: a user who is not in the file is another failure.
  t.throws(() => htpasswdVerifies(FIRST, 'mallory', 'wonderland'), { message: /exit 6 User mallory not found/ });
});

test('unchanged passwords keep the file byte-identical (no re-salting)', async (t) => {
  t.is(await edit(FIRST, { alice: 'wonderland', bob: 'builder' }), FIRST);
});

test('users listed in another order keep the file byte-identical', async (t) => {
  t.is(await edit(FIRST, { bob: 'builder', alice: 'wonderland' }), FIRST);
});

test('changing one password rewrites only that line, in place', async (t) => {
  const next = await edit(FIRST, { alice: 'looking-glass', bob: 'builder' });
  const [a0, b0] = lines(FIRST);
  const [a1, b1] = lines(next);
  t.not(a1, a0);
  t.is(b1, b0);
  t.true(htpasswdVerifies(next, 'alice', 'looking-glass'));
  t.false(htpasswdVerifies(next, 'alice', 'wonderland'));
});

test('a removed user is removed, the others kept byte-for-byte', async (t) => {
  t.deepEqual(lines(await edit(FIRST, { bob: 'builder' })), [lines(FIRST)[1]]);
});

test('an added user is appended, the others kept byte-for-byte', async (t) => {
  const next = lines(await edit(FIRST, { alice: 'wonderland', bob: 'builder', carol: 'singer' }));
  t.deepEqual(next.slice(0, 2), lines(FIRST));
  t.true(htpasswdVerifies(next.join('\n') + '\n', 'carol', 'singer'));
});

test('a hash written by apache htpasswd -B is kept when the password matches', async (t) => {
  const apache = execFileSync('htpasswd', ['-nbB', '-C', '4', 'alice', 'wonderland'], { encoding: 'utf8' }).trim() + '\n';
  t.is(await edit(apache, { alice: 'wonderland' }), apache);
});

test('entries the registry cannot use (MD5, plain) are replaced by bcrypt ones', async (t) => {
  const apr1 = execFileSync('htpasswd', ['-nbm', 'alice', 'wonderland'], { encoding: 'utf8' }).trim();
  const next = await edit(`${apr1}\nbob:builder\n`, { alice: 'wonderland', bob: 'builder' });
  t.deepEqual(lines(next).map((l) => l.slice(0, l.indexOf(':') + 5)), ['alice:$2y$', 'bob:$2y$']);
});

test('duplicate entries, blank lines and junk are dropped', async (t) => {
  const [a] = lines(FIRST);
  t.is(await edit(`\n${a}\n${a}\ngarbage\n:x\n`, { alice: 'wonderland' }), `${a}\n`);
});

test('a line without a colon never stands for a user, even one whose name it starts with', async (t) => {
  const [a] = lines(FIRST);
  t.is(await edit(`alicex\n${a}\n`, { alice: 'wonderland' }), `${a}\n`);
});

test('a 60-character value that is not a bcrypt hash is replaced, not handed to bcrypt', async (t) => {
  for (const junk of ['$2x$05$' + 'a'.repeat(53), 'p'.repeat(60)]) {
    const next = lines(await edit(`alice:${junk}\n`, { alice: 'wonderland' }));
    t.is(next.length, 1);
    t.regex(next[0]!, /^alice:\$2y\$04\$/);
    t.true(htpasswdVerifies(`${next[0]}\n`, 'alice', 'wonderland'));
  }
});

test('the file content is a Secret labelled htpasswd (what inspect() shows)', async (t) => {
  t.is(inspect(await editHtpasswd(null, users({ alice: 'wonderland' }), COST)), 'Secret(htpasswd: ***)');
});

test('a changed bcrypt cost leaves matching entries alone (only new hashes use it)', async (t) => {
  t.is((await editHtpasswd(FIRST, users({ alice: 'wonderland', bob: 'builder' }), 5)).reveal(), FIRST);
});

const defaults = { registry_auth_dir: '/registry/auth', bcrypt_cost: 10 };
const ctx = (vars: Vars): RoleContext => ({ host: { name: 'cp1', groups: [] }, vars, hostvars: () => ({}), groups: {}, template: () => '' });

test('plan: a 0750 directory and a sensitive 0640 file registered as registry_htpasswd', (t) => {
  const [dir, file] = htpasswd.plan(ctx({ ...defaults, registry_users: [{ name: 'ci', password: new Secret('s3cret-pw') }] })) as [DirectoryState, FileState];
  t.like(dir, { kind: 'directory', path: '/registry/auth', mode: '0750' });
  t.like(file, { kind: 'file', path: '/registry/auth/htpasswd', mode: '0640', sensitive: true, register: 'registry_htpasswd' });
});

test('neither the password nor the hash appears in JSON, String() or inspect() of the plan output', (t) => {
  const [, file] = htpasswd.plan(ctx({ ...defaults, bcrypt_cost: 4, registry_users: [{ name: 'ci', password: new Secret('s3cret-pw') }] })) as [DirectoryState, FileState];
  const out = file.edit!(null, {});
  for (const shown of [JSON.stringify({ file, out }), String(out), inspect({ file, out }, { depth: 5 })]) {
    t.notRegex(shown, /s3cret-pw|\$2y\$/);
  }
});

const bad: Array<[string, Vars, RegExp]> = [
  ['an empty password', { registry_users: [{ name: 'ci', password: '' }] }, /variable registry_users\.0\.password = \*\*\*: is empty/],
  ['an empty Secret password', { registry_users: [{ name: 'ci', password: new Secret('') }] }, /registry_users\.0\.password = \*\*\*: is empty/],
  ['a password of the wrong type, without echoing it', { registry_users: [{ name: 'ci', password: 12345678 }] }, /variable registry_users\.0\.password = \*\*\*:/],
  ['an unset password', { registry_users: [{ name: 'ci' }] }, /variable registry_users\.0\.password is not set/],
  ['no users', { registry_users: [] }, /variable registry_users = \(a list\): must list at least one/],
  ['a user name with a colon', { registry_users: [{ name: 'a:b', password: 'x' }] }, /registry_users\.0\.name = "a:b": must not contain ":"/],
  ['a user listed twice', { registry_users: [{ name: 'ci', password: 'x' }, { name: 'ci', password: 'y' }] }, /registry_users\.1\.name = "ci": user ci is listed twice/],
  ['a bcrypt cost out of range', { bcrypt_cost: 40, registry_users: [{ name: 'ci', password: 'x' }] }, /variable bcrypt_cost = 40: must be 4-15/],
];
for (const [what, extra, message] of bad) {
  test(`validate refuses ${what} with an InputError naming the variable, never the password`, (t) => {
    const err = t.throws(() => htpasswd.validate!({ ...defaults, ...extra }), { instanceOf: InputError });
    t.regex(err!.message, message);
  });
}
