// The file kind (whole content, or a pure edit of the current content; or absent). Read: one `file`
// record (after the safe-path probe): existence, stat, content as base64 up to a cap (a SHA-256
// beyond it), whether the parent exists. Plan: create / write content / chmod / chown / remove.
// Apply: an atomic write, an attribute change, or a removal (apply-file.ts).
import { createHash } from 'node:crypto';
import { StateError } from '../../errors.js';
import { formatMode, parseExists, parseMode, parseStat } from '../../facts/file.js';
import { fromBase64, type ReadRecord } from '../../facts/records.js';
import { parentDir } from '../../paths.js';
import type { FileState } from '../../resources/types.js';
import { isSecret, reveal, Secret } from '../../secret.js';
import { quote } from '../../transports/shell.js';
import type { Diff } from '../events.js';
import { atomicWriteSnippet, attributesSnippet, ownerSpec, removeSnippet, type AtomicWrite } from './apply-file.js';
import { contentDiff } from './diff-text.js';
import type { HostModel, Plan, PlanEnv, ResourceKind } from './kind.js';
import { probeSnippet } from './safe-path.js';

export const CONTENT_CAP = 4 * 1024 * 1024;

export interface FileRead {
  kind: 'file';
  path: string;
}

export interface FileFact {
  /** 'other' when the path exists but is not a regular file. */
  exists: boolean | 'other';
  /** Permission bits as a number (stat %a). */
  mode?: number;
  owner?: string;
  group?: string;
  /** null when absent, unreadable or too big (see flags). */
  content: string | null;
  tooBig?: boolean;
  /** Hex SHA-256 of a file too big to read whole. */
  sha256?: string;
  unreadable?: boolean;
  parentExists: boolean;
  /** The refusal of a symlink on the way that the safe-path rule does not follow (safe-path.ts). */
  unsafe?: string;
}

// A path that the safe-path rule refuses is reported as such and not read further: nothing is read
// as root through a link another user planted.
export function fileReadSnippet(item: FileRead): string {
  const p = quote(item.path);
  return `${probeSnippet(item.path)}
if [ -n "$rp_u" ]; then :
elif [ -f ${p} ]; then echo 'exists 1'; echo "stat $(stat -L -c '%a %U %G' ${p})"
  if [ ! -r ${p} ]; then echo 'unreadable 1'
  elif [ "$(stat -L -c %s ${p})" -gt ${CONTENT_CAP} ]; then echo 'toobig 1'; echo "sha256 $(sha256sum < ${p} | cut -d ' ' -f 1)"
  else printf 'content '; base64 < ${p} | tr -d '\\n'; echo; fi
elif [ -e ${p} ] || [ -L ${p} ]; then echo 'exists other'; else echo 'exists 0'; fi
if [ -d ${quote(parentDir(item.path))} ]; then echo 'parent 1'; else echo 'parent 0'; fi`;
}

export function parseFileFact(rec: ReadRecord | undefined): FileFact {
  if (!rec) throw new Error('read script output is missing a file record');
  const f = rec.fields;
  const exists = parseExists(f.exists);
  const readable = exists === true && f.content !== undefined;
  return {
    exists,
    ...parseStat(f.stat),
    content: readable ? fromBase64(f.content) : null,
    tooBig: f.toobig === '1' || undefined,
    sha256: f.sha256 || undefined,
    unreadable: f.unreadable === '1' || undefined,
    parentExists: f.parent === '1',
    ...(f.unsafe ? { unsafe: fromBase64(f.unsafe) } : {}),
  };
}

export type FileAction =
  | { do: 'create' }
  | { do: 'write' }
  | { do: 'chmod'; mode: string }
  | { do: 'chown'; owner?: string; group?: string }
  | { do: 'remove' };

export function describeFileAction(a: FileAction): string {
  switch (a.do) {
    case 'create':
    case 'remove':
      return a.do;
    case 'write':
      return 'write content';
    case 'chmod':
      return `chmod ${a.mode}`;
    case 'chown':
      return `chown ${ownerSpec(a.owner, a.group)}`;
  }
}

/** One file's change: the actions, and for a create or a write the whole atomic write (content revealed). */
export interface FileChange {
  path: string;
  actions: FileAction[];
  why?: string;
  diffs: Diff[];
  write?: Omit<AtomicWrite, 'path'>;
}

export interface FileSpec {
  path: string;
  mode?: string;
  owner?: string;
  group?: string;
  sensitive: boolean;
  validate?: string[];
  backup?: boolean;
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
  const wantMode = spec.mode === undefined ? undefined : parseMode(spec.mode);
  const owns = ownerSpec(spec.owner, spec.group) !== undefined;
  const ownDiffers = (spec.owner !== undefined && spec.owner !== cur.owner) || (spec.group !== undefined && spec.group !== cur.group);
  const chmod: FileAction[] = spec.mode === undefined ? [] : [{ do: 'chmod', mode: spec.mode }];
  const chown: FileAction[] = [{ do: 'chown', owner: spec.owner, group: spec.group }];
  const actions: FileAction[] = [];
  const diffs: Diff[] = [];
  let why: string | undefined;

  if (cur.exists === false) {
    // Apply fails clearly if it is still missing then; check mode cannot know what earlier roles create.
    if (!parentWillExist(model, spec.path, cur)) why = `directory ${parentDir(spec.path)} does not exist yet: declare a directory resource before this file`;
    actions.push({ do: 'create' }, ...chmod, ...(owns ? chown : []));
  } else {
    if (text !== undefined && cur.unreadable) throw new StateError(`${spec.path} is not readable by the remote user`, 'set become: true for this host');
    if (text !== undefined && (cur.tooBig ? sha256(text) !== cur.sha256 : text !== cur.content)) actions.push({ do: 'write' });
    if (wantMode !== undefined && wantMode !== cur.mode) actions.push(...chmod);
    if (ownDiffers) actions.push(...chown);
  }
  if (actions.length === 0) return { path: spec.path, actions, diffs };

  const content = text ?? cur.content ?? '';
  const writes = cur.exists === false || actions.some((a) => a.do === 'write');
  if (writes && (cur.content ?? '') !== content) diffs.push(contentDiff(`file ${spec.path}`, cur.exists ? cur.content : null, content, spec.sensitive));
  const mode = spec.mode ?? (cur.exists && cur.mode !== undefined ? formatMode(cur.mode) : '0644');
  const write = writes
    ? {
        content,
        mode,
        owner: spec.owner ?? (cur.exists ? cur.owner : undefined),
        group: spec.group ?? (cur.exists ? cur.group : undefined),
        validate: spec.validate,
        backupSuffix: spec.backup && cur.exists ? env.backupSuffix : undefined,
      }
    : undefined;
  model.files.set(spec.path, { exists: true, mode: parseMode(mode), owner: spec.owner ?? cur.owner, group: spec.group ?? cur.group, content, parentExists: true });
  return { path: spec.path, actions, why, diffs, write };
}

/** The apply snippet of one file's change ('' for none). */
export function fileChangeScript(c: Pick<FileChange, 'path' | 'actions' | 'write'>, marker: string): string {
  if (!c.actions.length) return '';
  if (c.actions.some((a) => a.do === 'remove')) return removeSnippet(c.path);
  if (c.write) return atomicWriteSnippet({ path: c.path, ...c.write }, marker);
  const chmod = c.actions.find((a) => a.do === 'chmod');
  const chown = c.actions.find((a) => a.do === 'chown');
  return attributesSnippet(c.path, chmod?.mode, chown?.owner, chown?.group);
}

export function registeredContent(text: string | null, sensitive: boolean): string | Secret | null {
  return text !== null && sensitive ? new Secret(text, 'file content') : text;
}

/** What the file is, as registered: before (as read) and after the plan. */
interface FileValue {
  exists: boolean;
  content: string | null;
}

export interface FilePlan extends Plan<FileAction>, Omit<FileChange, 'actions' | 'why' | 'diffs'> {
  state: 'present' | 'absent';
  validate?: string[];
  sensitive: boolean;
  before: FileValue;
  after: FileValue;
}

export const file: ResourceKind<FileState, FilePlan> = {
  reads: (r) => [{ kind: 'file', path: r.path }],
  async plan(r, _read, env) {
    const label = r.name ?? `file ${r.path}`;
    const cur = currentFile(env.model, r.path);
    const before = { exists: cur.exists === true, content: cur.content };
    if (r.state === 'absent') {
      const present = cur.exists === true;
      env.model.files.set(r.path, { exists: false, content: null, parentExists: cur.parentExists });
      return {
        label,
        path: r.path,
        state: 'absent',
        actions: present ? [{ do: 'remove' }] : [],
        diffs: present ? [contentDiff(`file ${r.path}`, cur.content, null, !!r.sensitive)] : [],
        sensitive: !!r.sensitive || isSecret(r.content),
        before,
        after: { exists: false, content: null },
      };
    }
    if (r.content === undefined && r.edit && cur.tooBig) throw new StateError(`${r.path} is larger than 4 MiB: too big to edit`);
    const desired = r.content ?? (r.edit ? await r.edit(cur.exists === true ? cur.content : null, env.facts) : undefined);
    const sensitive = !!r.sensitive || isSecret(desired) || isSecret(r.content);
    const text = desired === undefined ? undefined : reveal(desired);
    const change = planFileChange({ path: r.path, mode: r.mode, owner: r.owner, group: r.group, sensitive, validate: r.validate, backup: r.backup }, text, env);
    const after = env.model.files.get(r.path)?.content ?? text ?? '';
    return { label, ...change, state: 'present', validate: r.validate, sensitive, before, after: { exists: true, content: after } };
  },
  describe: (p) => p.actions.map(describeFileAction),
  script: (p, env) => fileChangeScript(p, env.marker),
  command: (p) => (p.state === 'absent' ? `rm -f ${p.path}` : `write ${p.path}${p.validate ? ` (validate: ${p.validate.join(' ')})` : ''}`),
  registered(p, applied) {
    const v = applied ? p.after : p.before;
    return { path: p.path, exists: v.exists, content: registeredContent(v.content, p.sensitive) };
  },
};
