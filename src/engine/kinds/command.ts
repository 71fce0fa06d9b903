// The command kind: run unless its guard says it is done. Read: one `guard` record with the exit
// codes of `unless` / `onlyIf` and whether `creates` exists (no record without a guard); plan: one
// run action or none; apply: the argv, its stdin (a Secret may only travel there) as a heredoc.
import type { ReadRecord } from '../../facts/records.js';
import type { CommandState, Content } from '../../resources/types.js';
import { reveal } from '../../secret.js';
import { quote, quoteArgv } from '../../transports/shell.js';
import { withStdin } from './apply-script.js';
import type { Plan, ResourceKind } from './kind.js';

export interface GuardRead {
  kind: 'guard';
  unless?: string[];
  onlyIf?: string[];
  creates?: string;
}

export interface GuardFact {
  unless?: number;
  onlyIf?: number;
  creates?: boolean;
}

export function guardReadSnippet(item: GuardRead): string {
  const lines: string[] = [];
  if (item.unless) lines.push(`(${quoteArgv(item.unless)}) </dev/null >/dev/null 2>&1; echo "unless $?"`);
  if (item.onlyIf) lines.push(`(${quoteArgv(item.onlyIf)}) </dev/null >/dev/null 2>&1; echo "onlyif $?"`);
  if (item.creates) lines.push(`if [ -e ${quote(item.creates)} ]; then echo 'creates 1'; else echo 'creates 0'; fi`);
  return lines.join('\n');
}

export function parseGuardFact(rec: ReadRecord | undefined): GuardFact {
  if (!rec) throw new Error('read script output is missing a guard record');
  const f = rec.fields;
  return {
    unless: f.unless === undefined ? undefined : Number(f.unless),
    onlyIf: f.onlyif === undefined ? undefined : Number(f.onlyif),
    creates: f.creates === undefined ? undefined : f.creates === '1',
  };
}

export type CommandAction = { do: 'run'; argv: string[]; stdin?: Content };

export type CommandPlan = Plan<CommandAction> & { argv: string[] };

export const command: ResourceKind<CommandState, CommandPlan, GuardFact[]> = {
  reads: (r) =>
    r.unless || r.onlyIf || r.creates !== undefined
      ? [{ kind: 'guard', ...(r.unless ? { unless: r.unless } : {}), ...(r.onlyIf ? { onlyIf: r.onlyIf } : {}), ...(r.creates !== undefined ? { creates: r.creates } : {}) }]
      : [],
  plan(r, [guard = {}]) {
    const base = { label: r.name ?? `command ${quoteArgv(r.argv)}`, argv: r.argv, diffs: [] };
    if (r.creates !== undefined && guard.creates) return { ...base, actions: [], why: `${r.creates} exists` };
    if (r.unless && guard.unless === 0) return { ...base, actions: [], why: `unless: ${quoteArgv(r.unless)} succeeded` };
    if (r.onlyIf && guard.onlyIf !== 0) return { ...base, actions: [], why: `onlyIf: ${quoteArgv(r.onlyIf)} failed`, skipped: true };
    return { ...base, actions: [{ do: 'run', argv: r.argv, ...(r.stdin === undefined ? {} : { stdin: r.stdin }) }] };
  },
  describe: (p) => p.actions.map((a) => `run ${quoteArgv(a.argv)}`),
  script: (p, env) =>
    p.actions.map((a) => (a.stdin === undefined ? quoteArgv(a.argv) : withStdin(quoteArgv(a.argv), reveal(a.stdin), env.marker))).join('\n'),
  command: (p) => quoteArgv(p.argv),
  registered: (p, applied) => ({ changed: p.actions.length > 0 && applied !== undefined }),
};
