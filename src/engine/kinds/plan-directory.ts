// Planning a directory: existence, mode, owner, group.
import { StateError } from '../../errors.js';
import { parseMode } from '../../facts/file.js';
import { parentDir } from '../../paths.js';
import type { DirectoryState } from '../../resources/types.js';
import { mkdirSnippet, ownerSpec } from './apply-file.js';
import type { PlanEnv, StepPlan } from './plan-types.js';

export function planDirectory(r: DirectoryState, env: PlanEnv): StepPlan {
  const label = r.name ?? `directory ${r.path}`;
  const cur = env.model.dirs.get(r.path);
  if (!cur) throw new Error(`internal: ${r.path} was not read`);
  if (cur.unsafe) throw new StateError(cur.unsafe);
  if (cur.exists === 'other') throw new StateError(`${r.path} exists but is not a directory`, 'remove it or change the path');
  const own = ownerSpec(r.owner, r.group);
  const ownDiffers = (r.owner !== undefined && r.owner !== cur.owner && r.owner !== cur.uid) || (r.group !== undefined && r.group !== cur.group && r.group !== cur.gid);
  const modeDiffers = r.mode !== undefined && parseMode(r.mode) !== cur.mode;
  const actions: string[] = [];
  if (!cur.exists) {
    actions.push('create');
    if (r.mode !== undefined) actions.push(`chmod ${r.mode}`);
    if (own) actions.push(`chown ${own}`);
  } else {
    if (modeDiffers) actions.push(`chmod ${r.mode}`);
    if (ownDiffers) actions.push(`chown ${own}`);
  }
  const script = actions.length
    ? mkdirSnippet(r.path, !cur.exists || modeDiffers ? r.mode : undefined, !cur.exists || ownDiffers ? r.owner : undefined, !cur.exists || ownDiffers ? r.group : undefined)
    : '';
  for (let p = r.path; p !== '/' && p !== ''; p = parentDir(p)) {
    if (env.model.dirs.get(p)?.exists !== true) env.model.dirs.set(p, { exists: true });
  }
  env.model.dirs.set(r.path, { exists: true, mode: r.mode ? parseMode(r.mode) : cur.mode, owner: r.owner ?? cur.owner, group: r.group ?? cur.group });
  return {
    label,
    actions,
    diffs: [],
    script,
    command: `mkdir -p ${r.path}`,
    registered: (applied) => ({ changed: applied !== undefined && actions.length > 0 }),
  };
}
