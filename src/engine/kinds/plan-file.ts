// Planning files: compare desired content, mode, owner and group with what was read.
import { createHash } from 'node:crypto';
import { StateError } from '../../errors.js';
import { formatMode, parseMode, type FileFact } from '../../facts/file.js';
import { parentDir } from '../../paths.js';
import type { FileState } from '../../resources/types.js';
import { isSecret, reveal, Secret } from '../../secret.js';
import type { Diff } from '../events.js';
import { atomicWriteSnippet, attributesSnippet, ownerSpec, removeSnippet } from './apply-file.js';
import { contentDiff } from './diff-text.js';
import type { HostModel, PlanEnv, StepPlan } from './plan-types.js';

export interface FileSpec {
  path: string;
  mode?: string;
  owner?: string;
  group?: string;
  sensitive: boolean;
  validate?: string[];
  backup?: boolean;
}

export interface FileChange {
  actions: string[];
  why?: string;
  diffs: Diff[];
  script: string;
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export function currentFile(model: HostModel, path: string): FileFact {
  const cur = model.files.get(path);
  if (!cur) throw new Error(`internal: ${path} was not read`);
  if (cur.unsafe) throw new StateError(cur.unsafe);
  if (cur.exists === 'other') throw new StateError(`${path} exists but is not a regular file`, 'remove it or change the path');
  return cur;
}

function parentWillExist(model: HostModel, path: string, cur: FileFact): boolean {
  return cur.parentExists || model.dirs.get(parentDir(path))?.exists === true;
}

/** Plans one file towards `text` (undefined: content not managed), and updates the model. */
export function planFileChange(spec: FileSpec, text: string | undefined, env: PlanEnv): FileChange {
  const { model } = env;
  const cur = currentFile(model, spec.path);
  const header = `file ${spec.path}`;
  const wantMode = spec.mode === undefined ? undefined : parseMode(spec.mode);
  const own = ownerSpec(spec.owner, spec.group);
  const ownDiffers = (spec.owner !== undefined && spec.owner !== cur.owner) || (spec.group !== undefined && spec.group !== cur.group);
  const actions: string[] = [];
  const diffs: Diff[] = [];
  let why: string | undefined;

  if (cur.exists === false) {
    // Apply fails clearly if it is still missing then; check mode cannot know what earlier roles create.
    if (!parentWillExist(model, spec.path, cur)) why = `directory ${parentDir(spec.path)} does not exist yet: declare a directory resource before this file`;
    actions.push('create');
    if (spec.mode !== undefined) actions.push(`chmod ${spec.mode}`);
    if (own) actions.push(`chown ${own}`);
  } else {
    if (text !== undefined && cur.unreadable) throw new StateError(`${spec.path} is not readable by the remote user`, 'set become: true for this host');
    if (text !== undefined && (cur.tooBig ? sha256(text) !== cur.sha256 : text !== cur.content)) actions.push('write content');
    if (wantMode !== undefined && wantMode !== cur.mode) actions.push(`chmod ${spec.mode}`);
    if (ownDiffers) actions.push(`chown ${own}`);
  }
  if (actions.length === 0) return { actions, diffs, script: '' };

  const content = text ?? cur.content ?? '';
  const writes = cur.exists === false || actions.includes('write content');
  if (writes && (cur.content ?? '') !== content) diffs.push(contentDiff(header, cur.exists ? cur.content : null, content, spec.sensitive));
  const mode = spec.mode ?? (cur.exists && cur.mode !== undefined ? formatMode(cur.mode) : '0644');
  const script = writes
    ? atomicWriteSnippet(
        {
          path: spec.path,
          content,
          mode,
          owner: spec.owner ?? (cur.exists ? cur.owner : undefined),
          group: spec.group ?? (cur.exists ? cur.group : undefined),
          validate: spec.validate,
          backupSuffix: spec.backup && cur.exists ? env.backupSuffix : undefined,
        },
        env.marker,
      )
    : attributesSnippet(spec.path, wantMode !== cur.mode ? spec.mode : undefined, ownDiffers ? spec.owner : undefined, ownDiffers ? spec.group : undefined);

  model.files.set(spec.path, {
    exists: true,
    mode: parseMode(mode),
    owner: spec.owner ?? cur.owner,
    group: spec.group ?? cur.group,
    content,
    parentExists: true,
  });
  return { actions, why, diffs, script };
}

export function registeredContent(text: string | null, sensitive: boolean): string | Secret | null {
  return text !== null && sensitive ? new Secret(text, 'file content') : text;
}

export async function planFile(r: FileState, env: PlanEnv): Promise<StepPlan> {
  const label = r.name ?? `file ${r.path}`;
  const cur = currentFile(env.model, r.path);
  const readValue = { path: r.path, exists: cur.exists === true, content: registeredContent(cur.content, !!r.sensitive || isSecret(r.content)) };

  if (r.state === 'absent') {
    const present = cur.exists === true;
    env.model.files.set(r.path, { exists: false, content: null, parentExists: cur.parentExists });
    return {
      label,
      actions: present ? ['remove'] : [],
      diffs: present ? [contentDiff(`file ${r.path}`, cur.content, null, !!r.sensitive)] : [],
      script: present ? removeSnippet(r.path) : '',
      command: `rm -f ${r.path}`,
      registered: (applied) => (applied ? { path: r.path, exists: false, content: null } : readValue),
    };
  }

  if (r.content === undefined && r.edit && cur.tooBig) throw new StateError(`${r.path} is larger than 4 MiB: too big to edit`);
  const desired = r.content ?? (r.edit ? await r.edit(cur.exists === true ? cur.content : null, env.facts) : undefined);
  const sensitive = !!r.sensitive || isSecret(desired) || isSecret(r.content);
  const text = desired === undefined ? undefined : reveal(desired);
  const change = planFileChange({ path: r.path, mode: r.mode, owner: r.owner, group: r.group, sensitive, validate: r.validate, backup: r.backup }, text, env);
  const after = env.model.files.get(r.path)?.content ?? text ?? '';
  return {
    label,
    ...change,
    command: `write ${r.path}${r.validate ? ` (validate: ${r.validate.join(' ')})` : ''}`,
    registered: (applied) =>
      applied ? { path: r.path, exists: true, content: registeredContent(after, sensitive) } : { ...readValue, content: registeredContent(cur.content, sensitive) },
  };
}
