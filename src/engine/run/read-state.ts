// The read pass: one exec reads what every resource's kind needs plus the role's fact queries
// (and, in a run, what the host's later roles will read: read-ahead.ts); each kind's parser gets
// its own records only.
import { parseRecords, type ReadRecord } from '../../facts/records.js';
import type { FactQuery, Resource } from '../../resources/types.js';
import { quoteArgv } from '../../transports/shell.js';
import type { Transport } from '../../transports/types.js';
import { CommandError } from '../../errors.js';
import { parseCaptured, type CapturedFact } from '../kinds/capture.js';
import type { DirFact } from '../kinds/directory.js';
import type { FileFact } from '../kinds/file.js';
import type { HostModel } from '../kinds/kind.js';
import { newMarker } from '../kinds/script-util.js';
import { parseMarkers } from './pending-handlers.js';
import { kindOf } from './plan.js';
import { readAheadOf } from './read-ahead.js';
import { buildReadScript, parseRead, type ReadItem } from './read-script.js';

export interface HostRead {
  /** Files and directories as read (planning updates it step by step). */
  model: HostModel;
  /** Per resource (by index): the parsed results of its kind's reads, in order. */
  reads: Map<number, unknown[]>;
  /** Raw outputs of the role's fact queries. */
  queries: Record<string, CapturedFact>;
  /** Handlers with a pending marker (of those asked about). */
  pending: string[];
}

/** The handler names whose pending markers to look for, and where (shell words). */
export interface PendingQuery {
  dirs: string[];
  names: string[];
}

/** The items to read (each once), and where each resource's and each query's records are. */
export function readItems(resources: Resource[], queries: Record<string, FactQuery>): { items: ReadItem[]; resources: Map<number, number[]>; queries: Map<string, number> } {
  const items: ReadItem[] = [];
  const at = new Map<string, number>();
  const add = (item: ReadItem): number => {
    const key = JSON.stringify(item);
    let i = at.get(key);
    if (i === undefined) at.set(key, (i = items.push(item) - 1));
    return i;
  };
  const byResource = new Map(resources.map((r, i) => [i, kindOf(r).reads(r).map(add)]));
  const byName = new Map(Object.entries(queries).map(([name, q]) => [name, add({ kind: 'capture', command: quoteArgv(q.argv) })]));
  return { items, resources: byResource, queries: byName };
}

/**
 * Markers are looked for only along with something else to read: a role with nothing to read has
 * nothing to change either, and costs no exec; its markers wait for a run that reads.
 */
export async function readHost(transport: Transport, resources: Resource[], queries: Record<string, FactQuery>, pending?: PendingQuery): Promise<HostRead> {
  const plan = readItems(resources, queries);
  const read: HostRead = { model: { files: new Map(), dirs: new Map() }, reads: new Map(), queries: {}, pending: [] };
  if (plan.items.length === 0) return read;
  const markersAt = pending?.names.length ? plan.items.push({ kind: 'markers', ...pending }) - 1 : -1;
  const records = await (readAheadOf(transport)?.read(plan.items) ?? readNow(transport, plan.items));
  const parsed = plan.items.map((item, idx) => (item.kind === 'markers' ? undefined : parseRead(item, records.get(idx))));
  plan.items.forEach((item, idx) => {
    if (item.kind === 'file') read.model.files.set(item.path, parsed[idx] as FileFact);
    if (item.kind === 'dir') read.model.dirs.set(item.path, parsed[idx] as DirFact);
  });
  for (const [r, idx] of plan.resources) read.reads.set(r, idx.map((i) => parsed[i]));
  for (const [name, idx] of plan.queries) read.queries[name] = parseCaptured(records.get(idx));
  if (markersAt >= 0) read.pending = parseMarkers(records.get(markersAt)?.fields, pending!.names);
  return read;
}

async function readNow(transport: Transport, items: ReadItem[]): Promise<Map<number, ReadRecord>> {
  const marker = newMarker();
  const res = await transport.exec('sh -s', { stdin: buildReadScript(items, marker) });
  if (res.code !== 0) throw new CommandError(transport.host, transport.user, 'sh -s (read state)', res.code, res.stderr);
  return parseRecords(res.stdout, marker);
}
