// The batched read script: one record per item (file, directory, guard, captured command,
// pending-handler markers), all in one exec. The whole script is one `{ ... }` group so sh parses
// it entirely before running anything: no command can swallow the rest of the script from stdin.
import { parentDir } from '../../paths.js';
import { quote, quoteArgv } from '../../transports/shell.js';
import { readMarkersSnippet } from './pending-handlers.js';
import { probeSnippet, SAFE_PATH_PROBE } from '../kinds/safe-path.js';
import { heredocBase64 } from '../kinds/script-util.js';

export const CONTENT_CAP = 4 * 1024 * 1024;

export type ReadItem =
  | { kind: 'file'; path: string }
  | { kind: 'dir'; path: string }
  | { kind: 'guard'; unless?: string[]; onlyIf?: string[]; creates?: string }
  | { kind: 'capture'; command: string; stdin?: string }
  | { kind: 'markers'; dirs: string[]; names: string[] };

// A path that the safe-path rule refuses is reported as such and not read further: nothing is read
// as root through a link another user planted.
function fileSnippet(path: string): string {
  const p = quote(path);
  return `${probeSnippet(path)}
if [ -n "$rp_u" ]; then :
elif [ -f ${p} ]; then echo 'exists 1'; echo "stat $(stat -L -c '%a %U %G' ${p})"
  if [ ! -r ${p} ]; then echo 'unreadable 1'
  elif [ "$(stat -L -c %s ${p})" -gt ${CONTENT_CAP} ]; then echo 'toobig 1'; echo "sha256 $(sha256sum < ${p} | cut -d ' ' -f 1)"
  else printf 'content '; base64 < ${p} | tr -d '\\n'; echo; fi
elif [ -e ${p} ] || [ -L ${p} ]; then echo 'exists other'; else echo 'exists 0'; fi
if [ -d ${quote(parentDir(path))} ]; then echo 'parent 1'; else echo 'parent 0'; fi`;
}

function dirSnippet(path: string): string {
  const p = quote(path);
  return `${probeSnippet(path)}
if [ -n "$rp_u" ]; then :
elif [ -d ${p} ]; then echo 'exists 1'; echo "stat $(stat -L -c '%a %U %G %u %g' ${p})"
elif [ -e ${p} ] || [ -L ${p} ]; then echo 'exists other'; else echo 'exists 0'; fi`;
}

function guardSnippet(item: Extract<ReadItem, { kind: 'guard' }>): string {
  const lines: string[] = [];
  if (item.unless) lines.push(`(${quoteArgv(item.unless)}) </dev/null >/dev/null 2>&1; echo "unless $?"`);
  if (item.onlyIf) lines.push(`(${quoteArgv(item.onlyIf)}) </dev/null >/dev/null 2>&1; echo "onlyif $?"`);
  if (item.creates) lines.push(`if [ -e ${quote(item.creates)} ]; then echo 'creates 1'; else echo 'creates 0'; fi`);
  return lines.join('\n');
}

function captureSnippet(item: Extract<ReadItem, { kind: 'capture' }>, marker: string): string {
  const run = `(${item.command}) >"$t" 2>"$e"`;
  let line: string;
  if (item.stdin === undefined) line = `${run} </dev/null; echo "code $?"\n`;
  else {
    const h = heredocBase64(item.stdin, marker);
    line = `base64 -d ${h.redirect} | ${run}; echo "code $?"\n${h.body}\n`;
  }
  return `t=$(mktemp) && e=$(mktemp) || exit 1
${line}printf 'stdout '; base64 < "$t" | tr -d '\\n'; echo
printf 'stderr '; base64 < "$e" | tr -d '\\n'; echo
rm -f "$t" "$e"`;
}

export function buildReadScript(items: ReadItem[], marker: string): string {
  const body = items
    .map((item, i) => {
      const snippet =
        item.kind === 'file'
          ? fileSnippet(item.path)
          : item.kind === 'dir'
            ? dirSnippet(item.path)
            : item.kind === 'guard'
              ? guardSnippet(item)
              : item.kind === 'markers'
                ? readMarkersSnippet(item.dirs, item.names)
                : captureSnippet(item, marker);
      return `printf '%s %s %s\\n' "$M" ${i} ${item.kind}\n${snippet}\n`;
    })
    .join('');
  const probe = items.some((item) => item.kind === 'file' || item.kind === 'dir') ? `${SAFE_PATH_PROBE}\n` : '';
  return `{\nM='${marker}'\n${probe}${body}exit 0\n} </dev/null\n`;
}
