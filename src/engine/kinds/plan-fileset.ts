// Planning a fileset: one pure edit over all current contents, then each file like a file.
import { StateError } from '../../errors.js';
import type { FileSetState } from '../../resources/types.js';
import { isSecret, reveal } from '../../secret.js';
import { currentFile, planFileChange, registeredContent } from './plan-file.js';
import type { PlanEnv, StepPlan } from './plan-types.js';

export async function planFileSet(r: FileSetState, env: PlanEnv): Promise<StepPlan> {
  const label = r.name ?? `fileset ${r.files.map((f) => f.path).join(', ')}`;
  const current: Record<string, string | null> = {};
  for (const f of r.files) {
    const cur = currentFile(env.model, f.path);
    if (cur.tooBig) throw new StateError(`${f.path} is larger than 4 MiB: too big to edit`);
    current[f.path] = cur.exists === true ? cur.content : null;
  }
  const { content, why } = await r.edit(current, env.facts);
  const actions: string[] = [];
  const diffs: StepPlan['diffs'] = [];
  const scripts: string[] = [];
  const whys: string[] = [];
  const sensitive: Record<string, boolean> = {};
  const after: Record<string, string | null> = { ...current };
  for (const f of r.files) {
    const desired = content[f.path];
    sensitive[f.path] = !!f.sensitive || isSecret(desired);
    if (desired === undefined) continue;
    const text = reveal(desired);
    const change = planFileChange({ ...f, sensitive: sensitive[f.path] }, text, env);
    actions.push(...change.actions.map((a) => `${a} ${f.path}`));
    diffs.push(...change.diffs);
    if (change.why) whys.push(change.why);
    if (change.script) scripts.push(`(\n${change.script}\n)`);
    after[f.path] = text;
  }
  const toFacts = (values: Record<string, string | null>) =>
    Object.fromEntries(r.files.map((f) => [f.path, registeredContent(values[f.path] ?? null, sensitive[f.path] ?? false)]));
  return {
    label,
    actions,
    why: actions.length ? [why, ...whys].filter(Boolean).join('; ') || undefined : undefined,
    diffs,
    script: scripts.join(' &&\n'),
    command: `write ${r.files.map((f) => f.path).join(', ')}`,
    registered: (applied) => toFacts(applied ? after : current),
  };
}
