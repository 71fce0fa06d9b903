// Shell snippets that change files and directories on the host. Atomic writes: temp file in the
// directory of the file (of its final target, for a symlink) → chmod/chown → validate → optional
// backup → rename. Content arrives as a heredoc inside the script (which travels on stdin), never
// on a command line.
import { parentDir } from '../paths.js';
import { quote, quoteArgv } from '../transports/shell.js';
import { heredocBase64 } from './script-util.js';

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

export function atomicWriteSnippet(w: AtomicWrite, marker: string): string {
  const p = quote(w.path);
  const own = ownerSpec(w.owner, w.group);
  const h = heredocBase64(w.content, marker);
  // A symlink is written through, as it was read: the temp file goes beside the link's final
  // target and is renamed onto it, so the link stays a link.
  const lines = [
    `target=$(readlink -f -- ${p}) && [ -n "$target" ] || target=${p}`,
    `d=$(dirname -- "$target")`,
    `[ -d "$d" ] || { echo ${quote(`directory ${parentDir(w.path)} does not exist: declare a directory resource before this file`)} >&2; exit 1; }`,
    `umask 077`,
    `tmp=$(mktemp "$d/.regplay.XXXXXX") || exit 1`,
    `fail() { rm -f "$tmp"; exit 1; }`,
    `base64 -d > "$tmp" ${h.redirect} || fail`,
    h.body,
    `chmod ${quote(w.mode)} "$tmp" || fail`,
  ];
  if (own) lines.push(`chown ${quote(own)} "$tmp" || fail`);
  if (w.validate) {
    const shown = quote(`validation failed: ${quoteArgv(w.validate)}`);
    lines.push(`${validateCommand(w.validate)} >&2 || { echo ${shown} >&2; fail; }`);
  }
  if (w.backupSuffix) lines.push(`if [ -e "$target" ]; then cp -p "$target" ${quote(w.path + w.backupSuffix)} || fail; fi`);
  lines.push(`mv -f "$tmp" "$target" || fail`);
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
