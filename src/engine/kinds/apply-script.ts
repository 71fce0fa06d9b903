// The batched apply script: every step's snippet in a subshell, framed by markers on stdout and
// stderr so each step's output and exit code can be told apart; the first failure stops the rest.
// Payloads (file contents, manifests, command stdin) are heredocs inside the script, which itself
// travels on stdin: nothing of them ever reaches a command line.
import { cleanupTraps, heredocBase64 } from './script-util.js';

/** A command line fed with `data` on stdin: `base64 -d <<'D' | command`, heredoc body after. */
export function withStdin(command: string, data: string | Buffer, marker: string): string {
  const h = heredocBase64(data, marker);
  return `base64 -d ${h.redirect} | ${command}\n${h.body}\n`;
}

// Each step writes to temp files, not to the exec's pipes: a daemon a step starts (a service
// restart) may keep its stdout open forever, which must not hold the exec open (nor write into a
// later step's output: each step has its own pair). They are removed after the step, and by the
// traps when the script ends otherwise: the first failure, HUP/INT/TERM, or PIPE (the client went
// away: the next write to the exec's stdout). A killed script stops between steps or inside one;
// a write it stops in leaves the old file (see apply-file.ts); the next run plans what is missing.
// The whole script is one `{ ... }` that the shell parses before running any of it: stdin is only
// the script (payloads and secrets included), never read by a step. The prelude runs before the
// first step, unframed: it may `exit 1` (with a message on stderr) to stop the script.
export function buildApplyScript(snippets: string[], marker: string, prelude = ''): string {
  const parts = snippets.map(
    (snippet, i) => `o=$(mktemp) && e=$(mktemp) || exit 1
(
${snippet}
) </dev/null >"$o" 2>"$e"
rc=$?
printf '%s step %s\\n' "$M" ${i}; cat "$o"; echo; printf '%s done %s %s\\n' "$M" ${i} "$rc"
printf '%s step %s\\n' "$M" ${i} >&2; cat "$e" >&2; echo >&2; printf '%s done %s %s\\n' "$M" ${i} "$rc" >&2
rm -f -- "$o" "$e"; o= e=
[ "$rc" -eq 0 ] || exit 0
`,
  );
  const head = [
    `M='${marker}'`,
    `o= e=`,
    cleanupTraps('for f in "$o" "$e"; do [ -z "$f" ] || rm -f -- "$f"; done', ['HUP', 'INT', 'PIPE', 'TERM']),
    ...(prelude ? [`{\n${prelude}\n} </dev/null >/dev/null`] : []),
  ];
  return `{\n${head.join('\n')}\n${parts.join('')}exit 0\n} </dev/null\n`;
}
