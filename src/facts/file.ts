// Facts about paths, parsed from the read script's records.
import { fromBase64, type ReadRecord } from './records.js';

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
  /** The refusal of a symlink on the way that the safe-path rule does not follow (src/engine/kinds/safe-path.ts). */
  unsafe?: string;
}

export interface DirFact {
  exists: boolean | 'other';
  /** As FileFact.unsafe. */
  unsafe?: string;
  mode?: number;
  owner?: string;
  group?: string;
  /** Numeric ids (an owner given as a number, e.g. a container's uid with no name on the host). */
  uid?: string;
  gid?: string;
}

function parseStat(stat: string | undefined): { mode?: number; owner?: string; group?: string; uid?: string; gid?: string } {
  if (!stat) return {};
  const [mode, owner, group, uid, gid] = stat.split(' ');
  return { mode: mode ? parseInt(mode, 8) : undefined, owner, group, ...(uid ? { uid } : {}), ...(gid ? { gid } : {}) };
}

function parseExists(v: string | undefined): boolean | 'other' {
  return v === '1' ? true : v === 'other' ? 'other' : false;
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

export function parseDirFact(rec: ReadRecord | undefined): DirFact {
  if (!rec) throw new Error('read script output is missing a directory record');
  return { exists: parseExists(rec.fields.exists), ...parseStat(rec.fields.stat), ...(rec.fields.unsafe ? { unsafe: fromBase64(rec.fields.unsafe) } : {}) };
}

/** Mode strings ('0644', '644', '2755') to numbers. */
export function parseMode(mode: string): number {
  return parseInt(mode, 8);
}

export function formatMode(mode: number): string {
  return mode.toString(8).padStart(4, '0');
}
