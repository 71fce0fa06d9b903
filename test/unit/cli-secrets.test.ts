// A secret given through `!env` never appears in stdout, stderr, --json, --junit or --diff
// output, even when an executor (here a fake one) leaks it into a diff or an error.
import test from 'ava';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../../src/cli/cli.js';
import { InputError } from '../../src/errors.js';
import { isSecret } from '../../src/secret.js';
import type { Vars } from '../../src/resources/role.js';
import { fakeCatalog, fakeRole, fakeWorld, tempTree } from '../helpers/fakes.js';

const SECRET = 'hunter2-very-secret-value';

function io(dir: string) {
  let stdout = '';
  let stderr = '';
  return {
    io: { stdout: { write: (s: string) => (stdout += s), isTTY: false }, stderr: { write: (s: string) => (stderr += s) }, cwd: dir, env: { REGPLAY_TEST_SECRET: SECRET } },
    out: () => stdout,
    err: () => stderr,
  };
}

const inventory = `all:
  vars:
    registry_password: !env REGPLAY_TEST_SECRET
  children:
    workers:
      hosts:
        w1: {host: 127.0.0.1, port: 1}
        w2: {host: 127.0.0.1, port: 1}
`;

test('a !env secret leaked by the executor into diffs, errors and actions shows as *** everywhere', async (t) => {
  const dir = tempTree({ 'inventory.yaml': inventory, 'site.yaml': '- hosts: workers\n  roles: [sensitive]\n' });
  let received: unknown;
  const w = fakeWorld({
    script(o) {
      received = o.ctx.vars.registry_password;
      const leaked = (o.ctx.vars.registry_password as { reveal(): string }).reveal();
      o.emit({
        type: 'step',
        play: o.play,
        role: o.role.name,
        host: o.ctx.host.name,
        step: `file /etc/secret-${leaked}`,
        status: o.ctx.host.name === 'w1' ? 'changed' : 'failed',
        actions: [`write ${leaked}`],
        why: `password is ${leaked}`,
        diffs: [{ header: '/etc/registry/htpasswd', before: 'ci:old\n', after: `ci:${leaked}\n` }],
        error: o.ctx.host.name === 'w2' ? `command failed: echo ${leaked}` : undefined,
        durationMs: 1,
      });
      return o.ctx.host.name === 'w1' ? { changed: 1 } : { failed: 1, error: new Error(`exit 1: ${leaked}`) };
    },
  });
  const c = io(dir);
  const code = await runCli(['site.yaml', '--diff', '-v', '--json', 'out.json', '--junit', 'out.xml'], c.io, { ...w.deps, catalog: fakeCatalog([fakeRole('sensitive')]) });
  t.is(code, 2);
  t.true(isSecret(received));
  const outputs = { stdout: c.out(), stderr: c.err(), json: readFileSync(join(dir, 'out.json'), 'utf8'), junit: readFileSync(join(dir, 'out.xml'), 'utf8') };
  for (const [name, text] of Object.entries(outputs)) t.false(text.includes(SECRET), `${name} contains the secret`);
  t.regex(outputs.stdout, /\+ci:\*\*\*/);
  t.regex(outputs.json, /file \/etc\/secret-\*\*\*/);
  t.regex(outputs.junit, /exit 1: \*\*\*|echo \*\*\*/);
});

test('a secret in a bad-input error message is masked on stderr', async (t) => {
  const dir = tempTree({ 'inventory.yaml': inventory, 'site.yaml': '- hosts: workers\n  roles: [strict]\n' });
  const strict = fakeRole('strict', {
    validate(vars: Vars) {
      throw new InputError(`role strict: variable registry_password = ${(vars.registry_password as { reveal(): string }).reveal()}: too short`);
    },
  });
  const c = io(dir);
  const code = await runCli(['site.yaml'], c.io, { ...fakeWorld().deps, catalog: fakeCatalog([strict]) });
  t.is(code, 3);
  t.false(c.err().includes(SECRET));
  t.regex(c.err(), /inventory\.yaml:3:5: .*variable registry_password = \*\*\*: too short/);
});
