// No silent skips in CI. A lab test that this machine cannot run is skipped with the reason outside
// CI, fails under CI=true unless REGPLAY_ALLOW_SKIP=1 (test/helpers/lab-test.ts; a nested ava run on
// a fixture shows it), and .ci/verdict — the end of .ci/run — fails any run with a skipped test
// unless lab support is really absent and REGPLAY_ALLOW_SKIP=1 accepts it.
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../helpers/play.js';
import { inCi, skipAllowed } from '../helpers/lab-test.js';

const dir = mkdtempSync(join(tmpdir(), 'regplay-ci-skips-'));
test.after.always(() => rmSync(dir, { recursive: true, force: true }));

const baseEnv = (): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' };
  delete env.CI;
  delete env.REGPLAY_ALLOW_SKIP;
  delete env.LAB_MISSING;
  return env;
};

/** The fixture's one lab test, "unavailable here", through a real nested ava run. */
function nestedAva(env: NodeJS.ProcessEnv): { code: number; out: string } {
  const r = spawnSync('npx', ['ava', '--config', 'test/unit/fixtures/lab-skip/ava.config.mjs'], { cwd: repoRoot, env: { ...baseEnv(), ...env }, encoding: 'utf8' });
  return { code: r.status ?? -1, out: r.stdout + r.stderr };
}

let n = 0;
function verdict(log: string, avaCode: number, env: NodeJS.ProcessEnv = {}): { code: number; stdout: string; stderr: string } {
  const path = join(dir, `log${n++}`);
  writeFileSync(path, log);
  const r = spawnSync('bash', ['.ci/verdict', path, String(avaCode)], { cwd: repoRoot, env: { ...baseEnv(), ...env }, encoding: 'utf8' });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

const GREEN = '  ✔ unit › a\n  ✔ lab › b\n  ─\n\n  519 tests passed\n';
const SKIPPED = '  - [skip] lab › b (lab unavailable: not root)\n  ✔ unit › a\n  ─\n\n  436 tests passed\n  83 tests skipped\n';

test('CI is recognised from CI=true (and not from CI=false or an empty CI)', (t) => {
  t.true(inCi({ CI: 'true' }));
  t.true(inCi({ CI: '1' }));
  t.false(inCi({ CI: 'false' }));
  t.false(inCi({ CI: '' }));
  t.false(inCi({}));
  t.true(skipAllowed({}));
  t.false(skipAllowed({ CI: 'true' }));
  t.false(skipAllowed({ CI: 'true', REGPLAY_ALLOW_SKIP: 'yes' }));
  t.true(skipAllowed({ CI: 'true', REGPLAY_ALLOW_SKIP: '1' }));
});

test('a lab test the machine cannot run: skipped with the reason outside CI, failed under CI=true, skipped again with REGPLAY_ALLOW_SKIP=1', (t) => {
  const local = nestedAva({});
  t.is(local.code, 0, local.out);
  t.regex(local.out, /- \[skip\] a lab test \(lab unavailable: no lab on this machine \(fixture\)\)/);
  t.regex(local.out, /^ *1 test skipped$/m);

  const ci = nestedAva({ CI: 'true' });
  t.is(ci.code, 1, ci.out);
  t.regex(ci.out, /^ *1 test failed$/m);
  t.regex(ci.out, /CI=true and this machine cannot run the test: no lab on this machine \(fixture\)\. Fix the machine, or set REGPLAY_ALLOW_SKIP=1/);
  t.notRegex(ci.out, /\[skip\]|tests? skipped/);

  const allowed = nestedAva({ CI: 'true', REGPLAY_ALLOW_SKIP: '1' });
  t.is(allowed.code, 0, allowed.out);
  t.regex(allowed.out, /^ *1 test skipped$/m);
});

test('verdict: a green run with nothing skipped passes with the closing line', (t) => {
  const r = verdict(GREEN, 0);
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout, 'ava: 519 passed, 0 failed, 0 skipped\n');
  t.is(r.stderr, '');
});

test('verdict: a skip on a machine that supports the lab fails, even with REGPLAY_ALLOW_SKIP=1', (t) => {
  for (const env of [{}, { REGPLAY_ALLOW_SKIP: '1' }]) {
    const r = verdict(SKIPPED, 0, env);
    t.is(r.code, 1);
    t.is(r.stdout, 'ava: 436 passed, 0 failed, 83 skipped\n');
    t.regex(r.stderr, /skipped: lab › b \(lab unavailable: not root\)/);
    t.regex(r.stderr, /83 tests skipped although this machine supports the lab/);
  }
});

test('verdict: without lab support skips fail loudly unless REGPLAY_ALLOW_SKIP=1, which passes still loudly', (t) => {
  const missing = { LAB_MISSING: 'not root: the lab needs root' };
  const refused = verdict(SKIPPED, 0, missing);
  t.is(refused.code, 1);
  t.is(refused.stdout, 'ava: 436 passed, 0 failed, 83 skipped\n');
  t.regex(refused.stderr, /!!! THIS MACHINE CANNOT RUN THE LAB: not root: the lab needs root/);
  t.regex(refused.stderr, /83 tests skipped \(lab unavailable\): failing; set REGPLAY_ALLOW_SKIP=1/);

  const allowed = verdict(SKIPPED, 0, { ...missing, REGPLAY_ALLOW_SKIP: '1' });
  t.is(allowed.code, 0, allowed.stderr);
  t.regex(allowed.stderr, /!!! THIS MACHINE CANNOT RUN THE LAB/);
  t.regex(allowed.stderr, /!!! 83 tests SKIPPED, accepted because REGPLAY_ALLOW_SKIP=1/);
});

test('verdict: the real ava output of a skipped fixture lab test fails CI; under CI=true the test itself fails', (t) => {
  const local = nestedAva({});
  const r = verdict(local.out, local.code);
  t.is(r.code, 1);
  t.is(r.stdout, 'ava: 0 passed, 0 failed, 1 skipped\n');

  const ci = nestedAva({ CI: 'true' });
  const v = verdict(ci.out, ci.code, { LAB_MISSING: 'no lab on this machine (fixture)' });
  t.is(v.code, 1);
  t.is(v.stdout, 'ava: 0 passed, 1 failed, 0 skipped\n');
  t.regex(v.stderr, /the lab is unavailable here \(no lab on this machine \(fixture\)\): failing/);
});

test('verdict: a failed run keeps its exit code; output without ava\'s summary fails', (t) => {
  const failed = verdict('  ✘ [fail]: x\n  ─\n\n  3 tests passed\n  1 test failed\n', 1);
  t.is(failed.code, 1);
  t.is(failed.stdout, 'ava: 3 passed, 1 failed, 0 skipped\n');
  const cut = verdict('  ✔ unit › a\n', 0);
  t.is(cut.code, 1);
  t.regex(cut.stderr, /no ava summary in the output/);
});
