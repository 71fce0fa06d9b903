// The file set kind: one pure edit over all current contents (a key and its certificate), then
// each file planned and applied like a file. Read: one `file` record per file (file.ts).
import { StateError } from '../../errors.js';
import type { FileSetState } from '../../resources/types.js';
import { isSecret, reveal } from '../../secret.js';
import { currentFile, describeFileAction, fileChangeScript, planFileChange, registeredContent, type FileAction, type FileChange } from './file.js';
import type { Plan, ResourceKind } from './kind.js';

export type FileSetAction = FileAction & { path: string };

export interface FileSetPlan extends Plan<FileSetAction> {
  paths: string[];
  changes: FileChange[];
  sensitive: Record<string, boolean>;
  before: Record<string, string | null>;
  after: Record<string, string | null>;
}

export const fileset: ResourceKind<FileSetState, FileSetPlan> = {
  reads: (r) => r.files.map((f) => ({ kind: 'file', path: f.path })),
  async plan(r, _read, env) {
    const before: Record<string, string | null> = {};
    for (const f of r.files) {
      const cur = currentFile(env.model, f.path);
      if (cur.tooBig) throw new StateError(`${f.path} is larger than 4 MiB: too big to edit`);
      before[f.path] = cur.exists === true ? cur.content : null;
    }
    const { content, why } = await r.edit(before, env.facts);
    const changes: FileChange[] = [];
    const sensitive: Record<string, boolean> = {};
    const after: Record<string, string | null> = { ...before };
    for (const f of r.files) {
      const desired = content[f.path];
      sensitive[f.path] = !!f.sensitive || isSecret(desired);
      if (desired === undefined) continue;
      const text = reveal(desired);
      changes.push(planFileChange({ ...f, sensitive: sensitive[f.path]! }, text, env));
      after[f.path] = text;
    }
    const actions = changes.flatMap((c) => c.actions.map((a) => ({ ...a, path: c.path })));
    const whys = changes.flatMap((c) => (c.why ? [c.why] : []));
    return {
      label: r.name ?? `fileset ${r.files.map((f) => f.path).join(', ')}`,
      paths: r.files.map((f) => f.path),
      actions,
      why: actions.length ? [why, ...whys].filter(Boolean).join('; ') || undefined : undefined,
      diffs: changes.flatMap((c) => c.diffs),
      changes,
      sensitive,
      before,
      after,
    };
  },
  describe: (p) => p.actions.map((a) => `${describeFileAction(a)} ${a.path}`),
  script: (p, env) =>
    p.changes
      .filter((c) => c.actions.length)
      .map((c) => `(\n${fileChangeScript(c, env.marker)}\n)`)
      .join(' &&\n'),
  command: (p) => `write ${p.paths.join(', ')}`,
  registered: (p, applied) => Object.fromEntries(p.paths.map((path) => [path, registeredContent((applied ? p.after : p.before)[path] ?? null, p.sensitive[path] ?? false)])),
};
