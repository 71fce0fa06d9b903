// Shell snippets that change files and directories on the host. Every path is reached by the rule
// of safe-path.ts (a symlink is followed only where only root can have put it) and every change is
// made relative to the directory checked, or through the checked open file. Atomic writes: temp
// file in the directory of the file (of its final target, for a symlink that the rule follows) →
// chmod/chown → validate → optional backup (a hard link to the old file) → rename. Content arrives
// as a heredoc inside the script (which travels on stdin), never on a command line.
//
// Interrupted writes: the target is only ever replaced by the final rename, so a killed write
// leaves the old file intact. The write's own temp file is removed by a trap (EXIT, HUP, INT,
// TERM) — each write runs in its own subshell, where the apply script's traps do not apply. A
// SIGKILL (or a power loss) cannot be trapped: the next write into that directory first removes
// the temp files earlier runs left there (see staleTempCleanup).
import { parentDir } from '../../paths.js';
import { quote, quoteArgv } from '../../transports/shell.js';
import { SAFE_PATH_FUNCTIONS, safePathFor } from './safe-path.js';
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
  return argv.map((arg) => arg.split('%s').map((part) => (part === '' ? '' : quote(part))).join('"$rp_here/$rp_tmp"')).join(' ');
}

/** mktemp's template for a write's temp file, beside its target: `.regplay.` + 6 random characters. */
const TEMP_PREFIX = '.regplay.';
const TEMP_TEMPLATE = `${TEMP_PREFIX}XXXXXX`;
/** A shell pattern matching exactly the names that template yields (mktemp fills in [A-Za-z0-9]). */
const TEMP_GLOB = `${TEMP_PREFIX}${'[[:alnum:]]'.repeat(6)}`;

/**
 * Removes, in directory `dir`, the temp files an interrupted (killed) write left there: regular files
 * named exactly like TEMP_TEMPLATE's output, nothing else (no other names, no symlinks, no
 * directories, no subdirectories). Of any age: this runs only when a file in `dir` is written again,
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
  const own = ownerSpec(w.owner, w.group);
  const h = heredocBase64(w.content, marker);
  const missing = `directory ${parentDir(w.path)} does not exist: declare a directory resource before this file`;
  // rp_at leaves the shell in the file's directory (of its final target, for a symlink that the
  // rule lets it follow): the temp file goes there and is renamed onto the target, so a followed
  // link stays a link. Every name below is relative to that directory (see safe-path.ts).
  const lines = [
    SAFE_PATH_FUNCTIONS,
    safePathFor(w.path),
    `rp_at ${quote(w.path)} ${quote(missing)} || exit 1`,
    // Before this write makes its own temp files, which match the same pattern.
    staleTempCleanup('.'),
    `umask 077`,
    `rp_tmp=`,
    cleanupTraps('[ -z "$rp_tmp" ] || rm -f -- "./$rp_tmp"', ['HUP', 'INT', 'TERM']),
    `fail() { exit 1; }`,
    `rp_newtemp 3 ${TEMP_TEMPLATE} || fail`,
    `base64 -d >&3 ${h.redirect} || fail`,
    h.body,
    // Through the open file, never the name: the name may have been swapped meanwhile.
    `chmod ${quote(w.mode)} /proc/self/fd/3 || fail`,
  ];
  if (own) lines.push(`chown ${quote(own)} /proc/self/fd/3 || fail`);
  if (w.validate) {
    const shown = quote(`validation failed: ${quoteArgv(w.validate)}`);
    lines.push(`${validateCommand(w.validate)} >&2 || { echo ${shown} >&2; fail; }`);
  }
  // The backup is a hard link to the old file (which the rename below only unlinks from its name):
  // made at once, never a half-copied file, and never written through a link (ln -P links a link).
  if (w.backupSuffix) lines.push(`if [ -e "./$rp_name" ]; then ln -P -- "./$rp_name" "./$rp_name"${quote(w.backupSuffix)} || fail; fi`);
  lines.push(`exec 3>&-`, `mv -f -T -- "./$rp_tmp" "./$rp_name" || fail`, `rp_tmp=`);
  return lines.join('\n');
}

export function attributesSnippet(path: string, mode?: string, owner?: string, group?: string): string {
  const own = ownerSpec(owner, group);
  const lines = [SAFE_PATH_FUNCTIONS, safePathFor(path), `rp_at ${quote(path)} ${quote(`${path} does not exist`)} || exit 1`, `rp_open 3 || exit 1`];
  if (mode) lines.push(`chmod ${quote(mode)} /proc/self/fd/3 || exit 1`);
  if (own) lines.push(`chown ${quote(own)} /proc/self/fd/3 || exit 1`);
  return lines.join('\n');
}

/** Removes the file itself (a link as the file: the link), in a directory reached by the rule. */
export function removeSnippet(path: string): string {
  const dir = parentDir(path);
  const name = path.replace(/\/+$/, '').slice(dir === '/' ? 1 : dir.length + 1);
  return [SAFE_PATH_FUNCTIONS, safePathFor(path), `[ -e ${quote(dir)} ] || exit 0`, `rp_walk ${quote(dir)} 0 ${quote(`${dir} does not exist`)} || exit 1`, `rm -f -- ${quote(`./${name}`)}`].join('\n');
}

/** Creates the directory (and missing parents, 0755) and sets mode and owner on it, by the rule. */
export function mkdirSnippet(path: string, mode?: string, owner?: string, group?: string): string {
  const own = ownerSpec(owner, group);
  const lines = [SAFE_PATH_FUNCTIONS, safePathFor(path), `rp_walk ${quote(path)} 1 || exit 1`];
  // `.` is the directory itself, never a link.
  if (mode) lines.push(`chmod ${quote(mode)} . || exit 1`);
  if (own) lines.push(`chown ${quote(own)} . || exit 1`);
  return lines.join('\n');
}
