// Pending handlers, recorded on the host so that an interrupted run is finished by the next one.
// The apply of a role first creates a marker per handler its changed steps notify (before any of
// those changes), the role's read reports the markers of the handlers it defines, and a handler's
// marker is removed in the handlers' apply right after that handler succeeded. A run killed between
// a change and its handler leaves the marker: the next run's read finds it and runs the handler.
import { createHash } from 'node:crypto';
import { quote } from '../../transports/shell.js';

export const PENDING_DIR = '/var/lib/regplay/pending-handlers';
/** Where markers go when PENDING_DIR cannot be written (not root); `$HOME` expands on the host. */
const FALLBACK_DIR = '"$HOME"/.local/state/regplay/pending-handlers';

/** What converge does with markers: `dirs` are shell words, in order of preference. */
export interface Marks {
  dirs: string[];
  /** Handler names whose markers the read reports (ConvergeResult.pending). */
  read?: string[];
  /** Apply: record a marker for every handler the changed steps notify, before applying them. */
  record?: boolean;
  /** Apply: remove the markers of `names` right after resource `after` (and all before it) succeeded; -1: at once. */
  clear?: Array<{ after: number; names: string[] }>;
}

export function pendingDirs(stateDir?: string): string[] {
  return stateDir !== undefined ? [quote(stateDir)] : [quote(PENDING_DIR), FALLBACK_DIR];
}

/** The marker's file name: the handler name in hex (a hash when that is too long for a name). */
export function markerFile(name: string): string {
  const hex = Buffer.from(name, 'utf8').toString('hex');
  return hex.length <= 200 ? hex : `sha256-${createHash('sha256').update(name).digest('hex')}`;
}

/** Read-script snippet: a `<file> 1` line per marker present in any of the directories. */
export function readMarkersSnippet(dirs: string[], names: string[]): string {
  const files = names.map(markerFile).join(' ');
  return `for d in ${dirs.join(' ')}; do for f in ${files}; do if [ -e "$d/$f" ]; then echo "$f 1"; fi; done; done`;
}

/** The handler names whose marker the read record lists. */
export function parseMarkers(fields: Record<string, string> | undefined, names: string[]): string[] {
  return fields ? names.filter((n) => fields[markerFile(n)] === '1') : [];
}

/** Creates the markers in the first directory that takes them; the script stops if none does. */
export function recordSnippet(dirs: string[], names: string[]): string {
  const files = names.map(markerFile);
  const where = [PENDING_DIR, '~/.local/state/regplay/pending-handlers'].join(' or ');
  return `p=
for d in ${dirs.join(' ')}; do
  if mkdir -p "$d" 2>/dev/null && (cd "$d" && touch ${files.join(' ')}) 2>/dev/null; then p=1; break; fi
done
[ -n "$p" ] || { echo ${quote(`cannot record the pending handlers ${names.join(', ')} in ${dirs.length > 1 ? where : dirs[0]}`)} >&2; exit 1; }
`;
}

/** Removes the markers from every directory; fails (loudly) only when one exists and cannot be removed. */
export function clearSnippet(dirs: string[], names: string[]): string {
  return `rm -f -- ${dirs.flatMap((d) => names.map((n) => `${d}/${markerFile(n)}`)).join(' ')}\n`;
}

/**
 * The apply's prelude and its step scripts with the marker work in place. `planned[k]` is the plan of
 * resource k (planning stops at the first failure), `changed` the indices of those applied, in order.
 */
export function withMarks(marks: Marks | undefined, planned: Array<{ script: string; notify: string[] }>, changed: number[]): { prelude: string; scripts: string[] } {
  const scripts = changed.map((k) => planned[k]!.script);
  let prelude = '';
  if (!marks) return { prelude, scripts };
  if (marks.record) {
    const names = [...new Set(changed.flatMap((k) => planned[k]!.notify))];
    if (names.length) prelude += recordSnippet(marks.dirs, names);
  }
  for (const c of marks.clear ?? []) {
    if (c.after >= planned.length || !c.names.length) continue;
    // After the last applied step up to `after`: those before it need nothing, so they succeeded.
    let j = -1;
    for (const [i, k] of changed.entries()) if (k <= c.after) j = i;
    if (j < 0) prelude += clearSnippet(marks.dirs, c.names);
    else scripts[j] = `(\n${scripts[j]}\n) || exit $?\n${clearSnippet(marks.dirs, c.names)}`;
  }
  return { prelude, scripts };
}
