// The batched read script: one record per item, all in one exec. Each kind owns its read snippet
// and the parser of its record (kinds/*.ts); this file only frames them: `<marker> <idx> <kind>`
// opens a record. The whole script is one `{ ... }` group so sh parses it entirely before running
// anything: no command can swallow the rest of the script from stdin.
import type { ReadRecord } from '../../facts/records.js';
import { captureReadSnippet, parseCaptured } from '../kinds/capture.js';
import { guardReadSnippet, parseGuardFact } from '../kinds/command.js';
import { dirReadSnippet, parseDirFact } from '../kinds/directory.js';
import { fileReadSnippet, parseFileFact } from '../kinds/file.js';
import type { KindRead } from '../kinds/kind.js';
import { SAFE_PATH_PROBE } from '../kinds/safe-path.js';
import { readMarkersSnippet } from './pending-handlers.js';

export type ReadItem = KindRead | { kind: 'markers'; dirs: string[]; names: string[] };

function snippet(item: ReadItem, marker: string): string {
  switch (item.kind) {
    case 'file':
      return fileReadSnippet(item);
    case 'dir':
      return dirReadSnippet(item);
    case 'guard':
      return guardReadSnippet(item);
    case 'capture':
      return captureReadSnippet(item, marker);
    case 'markers':
      return readMarkersSnippet(item.dirs, item.names);
  }
}

/** The parsed record of one of a kind's reads (its own record only). */
export function parseRead(item: KindRead, rec: ReadRecord | undefined): unknown {
  switch (item.kind) {
    case 'file':
      return parseFileFact(rec);
    case 'dir':
      return parseDirFact(rec);
    case 'guard':
      return parseGuardFact(rec);
    case 'capture':
      return parseCaptured(rec);
  }
}

export function buildReadScript(items: ReadItem[], marker: string): string {
  const body = items.map((item, i) => `printf '%s %s %s\\n' "$M" ${i} ${item.kind}\n${snippet(item, marker)}\n`).join('');
  const probe = items.some((item) => item.kind === 'file' || item.kind === 'dir') ? `${SAFE_PATH_PROBE}\n` : '';
  return `{\nM='${marker}'\n${probe}${body}exit 0\n} </dev/null\n`;
}
