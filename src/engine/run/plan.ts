// Dispatch: one planner per resource kind.
import type { Resource } from '../../resources/types.js';
import { planCommand } from '../kinds/plan-command.js';
import { planDirectory } from '../kinds/plan-directory.js';
import { planFile } from '../kinds/plan-file.js';
import { planFileSet } from '../kinds/plan-fileset.js';
import { planK8s, objectName } from '../kinds/plan-k8s.js';
import type { PlanEnv, StepPlan } from '../kinds/plan-types.js';
import type { HostRead } from './read-state.js';
import { quoteArgv } from '../../transports/shell.js';

export function resourceLabel(r: Resource): string {
  if (r.name) return r.name;
  switch (r.kind) {
    case 'file':
      return `file ${r.path}`;
    case 'directory':
      return `directory ${r.path}`;
    case 'fileset':
      return `fileset ${r.files.map((f) => f.path).join(', ')}`;
    case 'command':
      return `command ${quoteArgv(r.argv)}`;
    case 'k8s':
      return `k8s ${r.objects.map(objectName).join(', ')}`;
  }
}

export async function planResource(r: Resource, index: number, read: HostRead, env: PlanEnv): Promise<StepPlan> {
  if (r.when && !r.when(env.facts)) return skippedByWhen(r);
  switch (r.kind) {
    case 'file':
      return planFile(r, env);
    case 'directory':
      return planDirectory(r, env);
    case 'fileset':
      return planFileSet(r, env);
    case 'command':
      return planCommand(r, read.guards.get(index) ?? {}, env);
    case 'k8s': {
      const got = read.k8s.get(index);
      if (!got) throw new Error(`internal: k8s resource ${index} was not read`);
      return planK8s(r, got, env);
    }
  }
}

function skippedByWhen(r: Resource): StepPlan {
  const label = resourceLabel(r);
  return { label, actions: [], why: 'when: false for the facts of this host', skipped: true, diffs: [], script: '', command: label, registered: () => null };
}
