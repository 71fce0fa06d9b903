// Shell snippets that change files and directories on the host. Atomic writes: temp file in the
// directory of the file (of its final target, for a symlink) → chmod/chown → validate → optional
// backup → rename. Content arrives as a heredoc inside the script (which travels on stdin), never
// on a command line.
//
// Interrupted writes: the target is only ever replaced by the final rename, so a killed write
// leaves the old file intact. The write's own temp file is removed by a trap (EXIT, HUP, INT,
// TERM) — each write runs in its own subshell, where the apply script's traps do not apply. A
// SIGKILL (or a power loss) cannot be trapped: the next write into that directory first removes
// the temp files earlier runs left there (see staleTempCleanup).
import { parentDir } from '../paths.js';
import { quote, quoteArgv } from '../transports/shell.js';
import { cleanupTraps, heredocBase64 } from './script-util.js';

export interface AtomicWrite {
  path: string;
  content: string;
  mode: string;
  owner?: string;
  group?: string;
  /** argv; '%s' in an argument stands for the temp file. */
  validate?: string[];
  /** Suffix appended to the path for a backup of the old file. */
  backupSuffix?: string;
}

export function ownerSpec(owner?: string, group?: string): string | undefined {
  if (!owner && !group) return undefined;
  return `${owner ?? ''}${group ? `:${group}` : ''}`;
}

function validateCommand(argv: string[]): string {
  return argv.map((arg) => arg.split('%s').map((part) => (part === '' ? '' : quote(part))).join('"$tmp"')).join(' ');
}

/** mktemp's template for a write's temp file, beside its target: `.regplay.` + 6 random characters. */
const TEMP_PREFIX = '.regplay.';
const TEMP_TEMPLATE = `${TEMP_PREFIX}XXXXXX`;
/** A shell pattern matching exactly the names that template yields (mktemp fills in [A-Za-z0-9]). */
const TEMP_GLOB = `${TEMP_PREFIX}${'[[:alnum:]]'.repeat(6)}`;

/**
 * Removes, in directory "$d", the temp files an interrupted (killed) write left there: regular files
 * named exactly like TEMP_TEMPLATE's output, nothing else (no other names, no symlinks, no
 * directories, no subdirectories). Of any age: this runs only when a file in "$d" is written again,
 * which for a killed run is normally the very next run, seconds later — an age limit would leave the
 * common case's leftovers forever. No live data is ever at stake: a temp file is never the file,
 * targets change only by rename, and a writer whose temp file vanished fails its step at chmod,
 * validate or mv (the target untouched), never installs a partial file. Only a second run writing the
 * same directory at the same moment (unsupported: its read → write would race anyway) or the
 * orphaned shell of a killed run could have one in flight.
 */
function staleTempCleanup(dir: string): string {
  return `for f in ${dir}/${TEMP_GLOB}; do if [ -f "$f" ] && [ ! -L "$f" ]; then rm -f -- "$f"; fi; done`;
}

export function atomicWriteSnippet(w: AtomicWrite, marker: string): string {
  const p = quote(w.path);
  const own = ownerSpec(w.owner, w.group);
  const h = heredocBase64(w.content, marker);
  const backupDir = quote(parentDir(w.path));
  // A symlink is written through, as it was read: the temp file goes beside the link's final
  // target and is renamed onto it, so the link stays a link.
  const lines = [
    `target=$(readlink -f -- ${p}) && [ -n "$target" ] || target=${p}`,
    `d=$(dirname -- "$target")`,
    `[ -d "$d" ] || { echo ${quote(`directory ${parentDir(w.path)} does not exist: declare a directory resource before this file`)} >&2; exit 1; }`,
    // Before this write makes its own temp files, which match the same pattern.
    staleTempCleanup('"$d"'),
    ...(w.backupSuffix ? [`[ ${backupDir} -ef "$d" ] || ${staleTempCleanup(backupDir)}`] : []),
    `umask 077`,
    `tmp= bak=`,
    cleanupTraps('for f in "$tmp" "$bak"; do [ -z "$f" ] || rm -f -- "$f"; done', ['HUP', 'INT', 'TERM']),
    `tmp=$(mktemp "$d/${TEMP_TEMPLATE}") || exit 1`,
    `fail() { exit 1; }`,
    `base64 -d > "$tmp" ${h.redirect} || fail`,
    h.body,
    `chmod ${quote(w.mode)} "$tmp" || fail`,
  ];
  if (own) lines.push(`chown ${quote(own)} "$tmp" || fail`);
  if (w.validate) {
    const shown = quote(`validation failed: ${quoteArgv(w.validate)}`);
    lines.push(`${validateCommand(w.validate)} >&2 || { echo ${shown} >&2; fail; }`);
  }
  if (w.backupSuffix) {
    // The backup goes beside the path as given (the link, for a symlink), itself written atomically:
    // an interrupted copy leaves a temp file (removed like the others), never a truncated backup.
    const bakLines = [`bak=$(mktemp ${backupDir}/${TEMP_TEMPLATE}) || fail`, `cp -p "$target" "$bak" || fail`, `mv -f "$bak" ${quote(w.path + w.backupSuffix)} || fail`, `bak=`];
    lines.push(`if [ -e "$target" ]; then`, ...bakLines.map((l) => `  ${l}`), `fi`);
  }
  lines.push(`mv -f "$tmp" "$target" || fail`, `tmp=`);
  return lines.join('\n');
}

export function attributesSnippet(path: string, mode?: string, owner?: string, group?: string): string {
  const lines: string[] = [];
  if (mode) lines.push(`chmod ${quote(mode)} ${quote(path)}`);
  const own = ownerSpec(owner, group);
  if (own) lines.push(`chown ${quote(own)} ${quote(path)}`);
  return lines.join(' && ');
}

export function removeSnippet(path: string): string {
  return `rm -f -- ${quote(path)}`;
}

export function mkdirSnippet(path: string, mode?: string, owner?: string, group?: string): string {
  const mk = `(umask 022 && mkdir -p -- ${quote(path)})`;
  const attrs = attributesSnippet(path, mode, owner, group);
  return attrs ? `${mk} && ${attrs}` : mk;
}
