// The read phase: one exec reads every resource of a role plus its fact queries (and, in a run,
// what the host's later roles will read: read-ahead.ts).
import { parseCaptured, parseGuardFact, type CapturedFact, type GuardFact } from '../../facts/command.js';
import { parseDirFact, parseFileFact } from '../../facts/file.js';
import { parseRecords, type ReadRecord } from '../../facts/records.js';
import type { FactQuery, Resource } from '../../resources/types.js';
import { quoteArgv } from '../../transports/shell.js';
import type { Transport } from '../../transports/types.js';
import { CommandError } from '../../errors.js';
import { newMarker } from '../kinds/script-util.js';
import { parseMarkers } from './pending-handlers.js';
import { k8sReadCommands } from '../kinds/plan-k8s.js';
import type { HostModel } from '../kinds/plan-types.js';
import { readAheadOf } from './read-ahead.js';
import { buildReadScript, type ReadItem } from './read-script.js';

export interface HostRead {
  model: HostModel;
  guards: Map<number, GuardFact>;
  k8s: Map<number, CapturedFact[]>;
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

export function readItems(resources: Resource[], queries: Record<string, FactQuery>): { items: ReadItem[]; guards: Map<number, number>; k8s: Map<number, number[]>; queries: Map<string, number> } {
  const items: ReadItem[] = [];
  const seen = new Set<string>();
  const guards = new Map<number, number>();
  const k8s = new Map<number, number[]>();
  const byName = new Map<string, number>();
  const path = (kind: 'file' | 'dir', p: string) => {
    if (seen.has(`${kind}:${p}`)) return;
    seen.add(`${kind}:${p}`);
    items.push({ kind, path: p });
  };
  resources.forEach((r, i) => {
    if (r.kind === 'file') path('file', r.path);
    else if (r.kind === 'fileset') r.files.forEach((f) => path('file', f.path));
    else if (r.kind === 'directory') path('dir', r.path);
    else if (r.kind === 'command') {
      if (r.unless || r.onlyIf || r.creates !== undefined) {
        guards.set(i, items.length);
        items.push({ kind: 'guard', unless: r.unless, onlyIf: r.onlyIf, creates: r.creates });
      }
    } else {
      k8s.set(
        i,
        k8sReadCommands(r).map((c) => items.push({ kind: 'capture', ...c }) - 1),
      );
    }
  });
  for (const [name, q] of Object.entries(queries)) {
    byName.set(name, items.length);
    items.push({ kind: 'capture', command: quoteArgv(q.argv) });
  }
  return { items, guards, k8s, queries: byName };
}

/**
 * Markers are looked for only along with something else to read: a role with nothing to read has
 * nothing to change either, and costs no exec; its markers wait for a run that reads.
 */
export async function readHost(transport: Transport, resources: Resource[], queries: Record<string, FactQuery>, pending?: PendingQuery): Promise<HostRead> {
  const plan = readItems(resources, queries);
  const read: HostRead = { model: { files: new Map(), dirs: new Map() }, guards: new Map(), k8s: new Map(), queries: {}, pending: [] };
  if (plan.items.length === 0) return read;
  const markersAt = pending?.names.length ? plan.items.push({ kind: 'markers', ...pending }) - 1 : -1;
  const records = await (readAheadOf(transport)?.read(plan.items) ?? readNow(transport, plan.items));
  plan.items.forEach((item, idx) => {
    if (item.kind === 'file') read.model.files.set(item.path, parseFileFact(records.get(idx)));
    if (item.kind === 'dir') read.model.dirs.set(item.path, parseDirFact(records.get(idx)));
  });
  for (const [r, idx] of plan.guards) read.guards.set(r, parseGuardFact(records.get(idx)));
  for (const [r, idx] of plan.k8s) read.k8s.set(r, idx.map((i) => parseCaptured(records.get(i))));
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
