// The batched apply script: every step's snippet in a subshell, framed by markers on stdout and
// stderr so each step's output and exit code can be told apart; the first failure stops the rest.
// Payloads (file contents, manifests, command stdin) are heredocs inside the script, which itself
// travels on stdin: nothing of them ever reaches a command line.
import { heredocBase64 } from './script-util.js';

/** A command line fed with `data` on stdin: `base64 -d <<'D' | command`, heredoc body after. */
export function withStdin(command: string, data: string | Buffer, marker: string): string {
  const h = heredocBase64(data, marker);
  return `base64 -d ${h.redirect} | ${command}\n${h.body}\n`;
}

// Each step writes to temp files, not to the exec's pipes: a daemon a step starts (a service
// restart) may keep its stdout open forever, which must not hold the exec open.
export function buildApplyScript(snippets: string[], marker: string): string {
  const parts = snippets.map(
    (snippet, i) => `o=$(mktemp) && e=$(mktemp) || exit 1
(
${snippet}
) </dev/null >"$o" 2>"$e"
rc=$?
printf '%s step %s\\n' "$M" ${i}; cat "$o"; echo; printf '%s done %s %s\\n' "$M" ${i} "$rc"
printf '%s step %s\\n' "$M" ${i} >&2; cat "$e" >&2; echo >&2; printf '%s done %s %s\\n' "$M" ${i} "$rc" >&2
rm -f "$o" "$e"
[ "$rc" -eq 0 ] || exit 0
`,
  );
  return `{\nM='${marker}'\n${parts.join('')}exit 0\n} </dev/null\n`;
}
