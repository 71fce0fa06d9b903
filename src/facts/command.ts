// Exit codes of command guards and fact queries, parsed from the read script's records.
import { fromBase64, type ReadRecord } from './records.js';

export interface GuardFact {
  unless?: number;
  onlyIf?: number;
  creates?: boolean;
}

export interface CapturedFact {
  code: number;
  stdout: string;
  stderr: string;
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

export function parseCaptured(rec: ReadRecord | undefined): CapturedFact {
  if (!rec) throw new Error('read script output is missing a command record');
  return { code: Number(rec.fields.code ?? 1), stdout: fromBase64(rec.fields.stdout), stderr: fromBase64(rec.fields.stderr) };
}
