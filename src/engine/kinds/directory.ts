// The directory kind: existence, mode, owner and group. Read: one `dir` record (after the
// safe-path probe); plan: create / chmod / chown; apply: one mkdir snippet doing what was planned.
import { StateError } from '../../errors.js';
import { parseExists, parseMode, parseStat } from '../../facts/file.js';
import { fromBase64, type ReadRecord } from '../../facts/records.js';
import { parentDir } from '../../paths.js';
import type { DirectoryState } from '../../resources/types.js';
import { quote } from '../../transports/shell.js';
import { mkdirSnippet, ownerSpec } from './apply-file.js';
import type { Plan, ResourceKind } from './kind.js';
import { probeSnippet } from './safe-path.js';

export interface DirRead {
  kind: 'dir';
  path: string;
}

export interface DirFact {
  exists: boolean | 'other';
  /** The refusal of a symlink on the way that the safe-path rule does not follow (safe-path.ts). */
  unsafe?: string;
  mode?: number;
  owner?: string;
  group?: string;
  /** Numeric ids (an owner given as a number, e.g. a container's uid with no name on the host). */
  uid?: string;
  gid?: string;
}

/** The read snippet (after the safe-path probe): `exists 1|0|other`, `stat MODE OWNER GROUP UID GID`. */
export function dirReadSnippet(item: DirRead): string {
  const p = quote(item.path);
  return `${probeSnippet(item.path)}
if [ -n "$rp_u" ]; then :
elif [ -d ${p} ]; then echo 'exists 1'; echo "stat $(stat -L -c '%a %U %G %u %g' ${p})"
elif [ -e ${p} ] || [ -L ${p} ]; then echo 'exists other'; else echo 'exists 0'; fi`;
}

export function parseDirFact(rec: ReadRecord | undefined): DirFact {
  if (!rec) throw new Error('read script output is missing a directory record');
  return { exists: parseExists(rec.fields.exists), ...parseStat(rec.fields.stat), ...(rec.fields.unsafe ? { unsafe: fromBase64(rec.fields.unsafe) } : {}) };
}

export type DirAction = { do: 'create' } | { do: 'chmod'; mode: string } | { do: 'chown'; owner?: string; group?: string };

export interface DirPlan extends Plan<DirAction> {
  path: string;
}

function describe(a: DirAction): string {
  if (a.do === 'create') return 'create';
  if (a.do === 'chmod') return `chmod ${a.mode}`;
  return `chown ${ownerSpec(a.owner, a.group)}`;
}

/** Plans against the host model (what was read, as earlier steps leave it) and updates it. */
export const directory: ResourceKind<DirectoryState, DirPlan> = {
  reads: (r) => [{ kind: 'dir', path: r.path }],
  plan(r, _read, env) {
    const cur = env.model.dirs.get(r.path);
    if (!cur) throw new Error(`internal: ${r.path} was not read`);
    if (cur.unsafe) throw new StateError(cur.unsafe);
    if (cur.exists === 'other') throw new StateError(`${r.path} exists but is not a directory`, 'remove it or change the path');
    const owns = ownerSpec(r.owner, r.group) !== undefined;
    const ownDiffers = (r.owner !== undefined && r.owner !== cur.owner && r.owner !== cur.uid) || (r.group !== undefined && r.group !== cur.group && r.group !== cur.gid);
    const modeDiffers = r.mode !== undefined && parseMode(r.mode) !== cur.mode;
    const actions: DirAction[] = [];
    if (!cur.exists) actions.push({ do: 'create' });
    if (r.mode !== undefined && (!cur.exists || modeDiffers)) actions.push({ do: 'chmod', mode: r.mode });
    if (owns && (!cur.exists || ownDiffers)) actions.push({ do: 'chown', owner: r.owner, group: r.group });
    for (let p = r.path; p !== '/' && p !== ''; p = parentDir(p)) {
      if (env.model.dirs.get(p)?.exists !== true) env.model.dirs.set(p, { exists: true });
    }
    env.model.dirs.set(r.path, { exists: true, mode: r.mode ? parseMode(r.mode) : cur.mode, owner: r.owner ?? cur.owner, group: r.group ?? cur.group });
    return { label: r.name ?? `directory ${r.path}`, path: r.path, actions, diffs: [] };
  },
  describe: (p) => p.actions.map(describe),
  script(p) {
    if (!p.actions.length) return '';
    const chmod = p.actions.find((a) => a.do === 'chmod');
    const chown = p.actions.find((a) => a.do === 'chown');
    return mkdirSnippet(p.path, chmod?.mode, chown?.owner, chown?.group);
  },
  command: (p) => `mkdir -p ${p.path}`,
  registered: (p, applied) => ({ changed: applied !== undefined && p.actions.length > 0 }),
};
