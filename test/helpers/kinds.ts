// A kind's plan as the apply pass and the reporters see it: the actions as shown, the apply
// snippet, the command named in errors and the registered values (unit tests, no host).
import type { ApplyEnv, Plan, ResourceKind } from '../../src/engine/kinds/kind.js';
import type { Resource } from '../../src/resources/types.js';

export function shown<R extends Resource, P extends Plan<unknown>, Read>(kind: ResourceKind<R, P, Read>, plan: P, env: ApplyEnv = { marker: '@@regplay-test' }) {
  return {
    plan,
    actions: kind.describe(plan),
    why: plan.why,
    diffs: plan.diffs,
    skipped: plan.skipped,
    script: kind.script(plan, env),
    command: kind.command(plan),
    registered: (applied?: { stdout: string }) => kind.registered(plan, applied),
  };
}
