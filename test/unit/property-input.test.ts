// Property: whatever inventory, playbook and -e values a user (or an attacker) writes, loading and
// validating them ends in exit 0 or exit 3 (an InputError) within a time bound — never an internal
// error (exit 1), never a hang, never a secret in the output. Thousands of generated and mutated
// projects in-process, and a sample through the real CLI (--syntax-check: no host is contacted; every
// generated host is 127.0.0.1 anyway).
import test from 'ava';
import fc from 'fast-check';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { prepare } from '../../src/engine/load/prepare.js';
import { roleCatalog } from '../../src/engine/load/roles.js';
import { InputError } from '../../src/errors.js';
import { hostileProject, PLAIN_SECRET, PLAYBOOK, type Project } from '../helpers/hostile-input.js';
import { repoRoot, runPlay } from '../helpers/play.js';
import { SITE, SITE_ENV, SITE_PASSWORD, siteProject } from '../helpers/site-project.js';

const IN_PROCESS_RUNS = Number(process.env.REGPLAY_PROPERTY_RUNS ?? 2500);
const CLI_RUNS = Number(process.env.REGPLAY_PROPERTY_CLI_RUNS ?? 8);
const BOUND_MS = 5000;
// Locally every run explores new inputs; CI replays one fixed seed so a landing is never decided by chance
// (REGPLAY_PROPERTY_SEED overrides both, e.g. to replay a counterexample's seed).
const SEED = process.env.REGPLAY_PROPERTY_SEED ? Number(process.env.REGPLAY_PROPERTY_SEED) : process.env.CI ? 20261203 : undefined;
const catalog = roleCatalog([repoRoot]);

function materialize(p: Project): string {
  const dir = mkdtempSync(join(tmpdir(), 'regplay-prop-'));
  for (const [rel, content] of Object.entries(p.files)) {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), content);
  }
  return dir;
}

function leaks(text: string): string | undefined {
  if (text.includes(SITE_PASSWORD)) return 'the !env password';
  if (text.includes(PLAIN_SECRET)) return 'a plain-text secret';
  return undefined;
}

test('in-process: every generated project prepares (exit 0) or is an InputError (exit 3), fast, without a secret in the message', async (t) => {
  const outcomes = { ok: 0, input: 0 };
  await fc.assert(
    fc.asyncProperty(hostileProject, async (p) => {
      const dir = materialize(p);
      const started = Date.now();
      try {
        await prepare({ playbook: join(dir, PLAYBOOK), inventory: join(dir, 'inventory.yaml'), extraVars: p.extraVars, cwd: dir, env: SITE_ENV, catalog });
        outcomes.ok++;
      } catch (e) {
        if (!(e instanceof InputError)) throw new Error(`exit 1: ${(e as Error).stack ?? String(e)}`);
        const leak = leaks(e.describe());
        if (leak) throw new Error(`${leak} in: ${e.describe()}`);
        outcomes.input++;
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
      const took = Date.now() - started;
      if (took > BOUND_MS) throw new Error(`took ${took} ms`);
    }),
    { numRuns: IN_PROCESS_RUNS, interruptAfterTimeLimit: 240_000, markInterruptAsFailure: true, ...(SEED === undefined ? {} : { seed: SEED }) },
  );
  t.log(`${IN_PROCESS_RUNS} projects: ${outcomes.ok} valid, ${outcomes.input} bad input`);
  // Both outcomes occur, or the generators would prove nothing.
  t.true(outcomes.ok > IN_PROCESS_RUNS / 50, `${outcomes.ok} valid`);
  t.true(outcomes.input > IN_PROCESS_RUNS / 2, `${outcomes.input} bad input`);
});

test('through the real CLI: exit 0 or 3 within the bound, no secret on stdout or stderr', async (t) => {
  const samples = fc.sample(hostileProject, { numRuns: CLI_RUNS, seed: 4711 });
  const codes: number[] = [];
  for (const p of samples) {
    const dir = materialize(p);
    const started = Date.now();
    const r = await runPlay([PLAYBOOK, '-i', 'inventory.yaml', '--syntax-check', ...p.extraVars.flatMap((e) => ['-e', e])], { cwd: dir, env: SITE_ENV });
    rmSync(dir, { recursive: true, force: true });
    const output = r.stdout + r.stderr;
    t.true([0, 3].includes(r.code), `exit ${r.code}: ${output}\n${JSON.stringify(p)}`);
    t.is(leaks(output), undefined, output);
    t.true(Date.now() - started < 120_000, `took ${Date.now() - started} ms`);
    codes.push(r.code);
  }
  t.log(`exit codes: ${codes.join(' ')}`);
  // The control: the unmutated project passes the same command (so exit 3 above is the inputs' doing).
  const control = await runPlay([SITE, '-i', 'inventory.yaml', '--syntax-check'], { cwd: siteProject(), env: SITE_ENV });
  t.is(control.code, 0, control.stderr);
});
