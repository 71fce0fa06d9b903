// Planning a command: run unless its guard (read in the batched read) says it is done.
import type { GuardFact } from '../../facts/command.js';
import type { CommandState } from '../../resources/types.js';
import { reveal } from '../../secret.js';
import { quoteArgv } from '../../transports/shell.js';
import { withStdin } from './apply-script.js';
import type { PlanEnv, StepPlan } from './plan-types.js';

export function planCommand(r: CommandState, guard: GuardFact, env: PlanEnv): StepPlan {
  const shown = quoteArgv(r.argv);
  const label = r.name ?? `command ${shown}`;
  const base = { label, diffs: [], command: shown, script: '' };
  const done = (why: string, skipped = false): StepPlan => ({ ...base, actions: [], why, skipped, registered: () => ({ changed: false }) });
  if (r.creates !== undefined && guard.creates) return done(`${r.creates} exists`);
  if (r.unless && guard.unless === 0) return done(`unless: ${quoteArgv(r.unless)} succeeded`);
  if (r.onlyIf && guard.onlyIf !== 0) return done(`onlyIf: ${quoteArgv(r.onlyIf)} failed`, true);
  const stdin = r.stdin === undefined ? undefined : reveal(r.stdin);
  return {
    ...base,
    actions: [`run ${shown}`],
    script: stdin === undefined ? shown : withStdin(shown, stdin, env.marker),
    registered: (applied) => ({ changed: applied !== undefined }),
  };
}
