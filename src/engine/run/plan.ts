// The plan pass's dispatch: each resource kind's module (kinds/*.ts), and a resource's label.
import type { Resource } from '../../resources/types.js';
import { quoteArgv } from '../../transports/shell.js';
import { command } from '../kinds/command.js';
import { directory } from '../kinds/directory.js';
import { file } from '../kinds/file.js';
import { fileset } from '../kinds/fileset.js';
import { k8s, objectName } from '../kinds/k8s.js';
import type { Plan, PlanEnv, Planned, ResourceKind } from '../kinds/kind.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const KINDS: { [K in Resource['kind']]: ResourceKind<Extract<Resource, { kind: K }>, any, any> } = { file, directory, fileset, command, k8s };

export function kindOf(r: Resource): ResourceKind<Resource, Plan<unknown>, unknown[]> {
  return KINDS[r.kind] as ResourceKind<Resource, Plan<unknown>, unknown[]>;
}

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

/** A resource whose `when` is false for this host's facts: nothing planned, skipped, registers null. */
const whenFalse: ResourceKind<Resource, Plan<never>> = {
  reads: () => [],
  plan: (r) => ({ label: resourceLabel(r), actions: [], why: 'when: false for the facts of this host', skipped: true, diffs: [] }),
  describe: () => [],
  script: () => '',
  command: (p) => p.label,
  registered: () => null,
};

/** `reads`: the parsed results of the resource's own reads (kindOf(r).reads(r)), in order. */
export async function planResource(r: Resource, reads: unknown[], env: PlanEnv): Promise<Planned> {
  if (r.when && !r.when(env.facts)) return { kind: whenFalse, plan: await whenFalse.plan(r, [], env) };
  const kind = kindOf(r);
  return { kind, plan: await kind.plan(r, reads, env) };
}
