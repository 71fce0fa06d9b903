import test from 'ava';
import { runCli } from '../../src/cli/cli.js';
import { StateError } from '../../src/errors.js';
import { fakeCatalog, fakeRole, fakeWorld, labInventory, tempTree, type Script } from '../helpers/fakes.js';

async function run(args: string[], o: { script?: Script; unreachable?: string[] } = {}) {
  const dir = tempTree({ 'inventory.yaml': labInventory, 'playbooks/site.yaml': '- hosts: all\n  roles: [r]\n' });
  let stdout = '';
  let stderr = '';
  const w = fakeWorld(o);
  const code = await runCli(args, { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: (s: string) => (stderr += s) }, cwd: dir, env: {} }, { ...w.deps, catalog: fakeCatalog([fakeRole('r')]) });
  return { code, stdout, stderr, world: w };
}

test('exit 0 when every host is ok, and the recap is printed Ansible-style', async (t) => {
  const r = await run(['site.yaml'], { script: (o) => (o.ctx.host.name === 'cp1' ? { ok: 3, changed: 1 } : { ok: 1 }) });
  t.is(r.code, 0);
  t.regex(r.stdout, /PLAY RECAP \*+\ncp1 : ok=3 changed=1 unreachable=0 failed=0 skipped=0 blocked=0\nw1 : ok=1 changed=0 unreachable=0 failed=0 skipped=0 blocked=0\n/);
});

test('exit 2 when a host failed', async (t) => {
  t.is((await run(['site.yaml'], { script: (o) => (o.ctx.host.name === 'w1' ? { failed: 1, error: new StateError('no') } : { ok: 1 }) })).code, 2);
});

test('exit 4 when a host is unreachable, 6 with a failure too', async (t) => {
  t.is((await run(['site.yaml'], { unreachable: ['b1'] })).code, 4);
  t.is((await run(['site.yaml'], { unreachable: ['b1'], script: (o) => (o.ctx.host.name === 'w1' ? { failed: 1, error: new Error('x') } : { ok: 1 }) })).code, 6);
});

test('exit 8 for --check --detailed-exitcode with pending changes; plain --check is 0', async (t) => {
  const changed: Script = () => ({ changed: 1 });
  t.is((await run(['site.yaml', '--check', '--detailed-exitcode'], { script: changed })).code, 8);
  t.is((await run(['site.yaml', '--check'], { script: changed })).code, 0);
});

test('--render implies check mode', async (t) => {
  const r = await run(['site.yaml', '--render', 'out'], { script: () => ({ changed: 1 }) });
  t.true(r.world.calls.every((c) => c.check));
  t.is(r.code, 0);
});

test('exit 1 with "internal error" when the engine itself breaks', async (t) => {
  const dir = tempTree({ 'inventory.yaml': labInventory, 'site.yaml': '- hosts: all\n  roles: [r]\n' });
  let stderr = '';
  const w = fakeWorld();
  const code = await runCli(['site.yaml'], { stdout: { write: () => {} }, stderr: { write: (s: string) => (stderr += s) }, cwd: dir, env: {} }, {
    ...w.deps,
    connect: () => {
      throw new TypeError('bug in transport factory');
    },
    catalog: { known: () => [], load: () => Promise.reject(new TypeError('bug in loader')) },
  });
  t.is(code, 1);
  t.regex(stderr, /internal error: bug in loader/);
});

test('--help exits 0 and lists the flags', async (t) => {
  const r = await run(['--help']);
  t.is(r.code, 0);
  for (const flag of ['--inventory', '--limit', '--check', '--diff', '--detailed-exitcode', '--tags', '--skip-tags', '--forks', '--extra-vars', '--json', '--junit', '--verbose', '--render', '--render-secrets']) {
    t.true(r.stdout.includes(flag), flag);
  }
});
