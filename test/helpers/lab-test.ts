// How a test that needs the lab (or a real sshd, or the stand-in) registers itself. Where the
// machine lacks what it needs, the test is skipped with the reason in its title — never a silent
// pass. In CI (CI set and not "false"/"0") a skip would let a green run prove nothing, so there the
// same test is registered as a failure naming the reason, unless REGPLAY_ALLOW_SKIP=1 says skips are
// accepted on this machine (.ci/run then still says so loudly).
import test, { type ExecutionContext } from 'ava';
import type { LabSupport } from '../lab/index.js';

export type TestBody = (t: ExecutionContext) => unknown;

export function inCi(env: NodeJS.ProcessEnv = process.env): boolean {
  const ci = env.CI?.trim().toLowerCase();
  return ci !== undefined && ci !== '' && ci !== 'false' && ci !== '0';
}

/** Whether a missing lab may skip tests here: everywhere but in CI, where REGPLAY_ALLOW_SKIP=1 must say so. */
export function skipAllowed(env: NodeJS.ProcessEnv = process.env): boolean {
  return !inCi(env) || env.REGPLAY_ALLOW_SKIP === '1';
}

/** Registers `title` as skipped (or, in CI without REGPLAY_ALLOW_SKIP=1, as failed) for `reason`. */
export function unavailable(title: string, reason: string): void {
  const titled = `${title} (lab unavailable: ${reason})`;
  if (skipAllowed()) test.skip(titled, () => {});
  else
    test.serial(titled, (t) => {
      t.fail(`CI=true and this machine cannot run the test: ${reason}. Fix the machine, or set REGPLAY_ALLOW_SKIP=1 to accept skipped lab tests`);
    });
}

/** `test.serial` when `reason` is undefined (everything is there), otherwise `unavailable`. */
export function serialUnless(reason: string | undefined): (title: string, fn: TestBody) => void {
  return (title, fn) => (reason === undefined ? test.serial(title, fn) : unavailable(title, reason));
}

/** The reason a lab cannot run here, if any. */
export function missing(support: LabSupport): string | undefined {
  return support.ok ? undefined : support.reason;
}
