// host_key_checking: off is said once per run (not per host, not per play), naming every such host.
import test from 'ava';
import { runCli } from '../../src/cli/cli.js';
import { fakeCatalog, fakeRole, fakeWorld, tempTree } from '../helpers/fakes.js';

function run(inventory: string) {
  const dir = tempTree({ 'inventory.yaml': inventory, 'site.yaml': '- hosts: all\n  roles: [a]\n- hosts: workers\n  roles: [a]\n' });
  let stdout = '';
  const io = { stdout: { write: (s: string) => (stdout += s), isTTY: false }, stderr: { write: () => true }, cwd: dir, env: {} };
  return runCli(['site.yaml'], io, { ...fakeWorld().deps, catalog: fakeCatalog([fakeRole('a')]) }).then((code) => ({ code, stdout }));
}

test('off on two hosts: one warning naming both, at the start of the run', async (t) => {
  const r = await run('all:\n  children:\n    workers:\n      hosts:\n        w1: {host_key_checking: off}\n        w2: {host_key_checking: false}\n        w3: {}\n');
  t.is(r.code, 0);
  const warnings = r.stdout.split('\n').filter((l) => l.includes('[WARNING]'));
  t.deepEqual(warnings, ['[WARNING]: host_key_checking is off for w1, w2: their host keys are not verified, so a man-in-the-middle would go unnoticed (use strict or accept-new)']);
  t.true(r.stdout.indexOf('[WARNING]') < r.stdout.indexOf('PLAY'));
});

test('strict, accept-new and local hosts: no warning', async (t) => {
  const r = await run('all:\n  children:\n    workers:\n      hosts:\n        w1: {host_key_checking: accept-new}\n        w2: {}\n        w3: {transport: local, host_key_checking: off}\n');
  t.is(r.code, 0);
  t.false(r.stdout.includes('WARNING'), r.stdout);
});
