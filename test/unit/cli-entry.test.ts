// bin/play.js, the installed entry point: a missing build is a setup problem (exit 1), a stale
// build is warned about; and flags that only make sense together are checked.
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../../src/cli/cli.js';
import { fakeCatalog, fakeRole, fakeWorld, labInventory, tempTree } from '../helpers/fakes.js';
import { repoRoot } from '../helpers/play.js';

/** A copy of bin/play.js in a temp tree with a stub dist/ entry (or none). */
function entryTree(o: { dist: boolean; sourceNewer?: boolean; installed?: boolean }): string {
  const dir = tempTree({ 'src/cli/main.ts': '', 'roles/r/index.ts': '', 'roles/r/defaults.yaml': '' });
  mkdirSync(join(dir, 'bin'));
  copyFileSync(join(repoRoot, 'bin', 'play.js'), join(dir, 'bin', 'play.js'));
  writeFileSync(join(dir, 'package.json'), '{"type": "module"}');
  const old = new Date(Date.now() - 3600_000);
  for (const f of ['src/cli/main.ts', 'roles/r/index.ts', 'roles/r/defaults.yaml']) utimesSync(join(dir, f), old, old);
  if (o.dist) {
    mkdirSync(join(dir, 'dist', 'src', 'cli'), { recursive: true });
    writeFileSync(join(dir, 'dist', 'src', 'cli', 'main.js'), "process.stdout.write('cli ran\\n');\n");
  }
  if (o.sourceNewer) utimesSync(join(dir, 'roles/r/index.ts'), new Date(), new Date(Date.now() + 60_000));
  if (o.installed) rmSync(join(dir, 'src'), { recursive: true });
  return dir;
}

function play(dir: string) {
  return spawnSync(process.execPath, [join(dir, 'bin', 'play.js'), '--help'], { encoding: 'utf8' });
}

test('bin/play.js: without dist/ it exits 1 (setup), not 3 (bad input)', (t) => {
  const r = play(entryTree({ dist: false }));
  t.is(r.status, 1);
  t.regex(r.stderr, /dist\/ is missing; run `npm run build`/);
});

test('bin/play.js: a source newer than the build gives a one-line warning, then runs', (t) => {
  const r = play(entryTree({ dist: true, sourceNewer: true }));
  t.is(r.status, 0);
  t.is(r.stdout, 'cli ran\n');
  t.regex(r.stderr, /^play: warning: dist\/ is older than the sources: run npm run build\n$/);
});

test('bin/play.js: the installed package (no src/) skips the staleness check: no warning', (t) => {
  const r = play(entryTree({ dist: true, sourceNewer: true, installed: true }));
  t.is(r.status, 0);
  t.is(r.stdout, 'cli ran\n');
  t.is(r.stderr, '');
});

test('bin/play.js: an up-to-date build runs without a warning', (t) => {
  const r = play(entryTree({ dist: true }));
  t.is(r.status, 0);
  t.is(r.stderr, '');
});

test('--detailed-exitcode without --check is bad input (exit 3) with a hint; no host is contacted', async (t) => {
  const dir = tempTree({ 'inventory.yaml': labInventory, 'site.yaml': '- hosts: all\n  roles: [r]\n' });
  let stderr = '';
  const w = fakeWorld();
  const code = await runCli(['site.yaml', '--detailed-exitcode'], { stdout: { write: () => {} }, stderr: { write: (s: string) => (stderr += s) }, cwd: dir, env: {} }, { ...w.deps, catalog: fakeCatalog([fakeRole('r')]) });
  t.is(code, 3);
  t.regex(stderr, /--detailed-exitcode needs --check\n\s+-> add --check/);
  t.deepEqual(w.connects, []);
});

test('--version (and -V) prints the version in package.json and exits 0', async (t) => {
  const { version } = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string };
  for (const flag of ['--version', '-V']) {
    let stdout = '';
    const code = await runCli([flag], { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: () => {} }, cwd: repoRoot, env: {} });
    t.is(code, 0);
    t.is(stdout, `${version}\n`);
  }
});
