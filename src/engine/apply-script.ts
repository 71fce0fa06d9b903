// The batched apply script: every step's snippet in a subshell, framed by markers on stdout and
// stderr so each step's output and exit code can be told apart; the first failure stops the rest.
// Payloads (file contents, manifests, command stdin) are heredocs inside the script, which itself
// travels on stdin: nothing of them ever reaches a command line.
import { randomBytes } from 'node:crypto';

export function newMarker(): string {
  return `@@regplay-${randomBytes(6).toString('hex')}`;
}

/** `<<'DELIM'` + base64 of `data` + DELIM, to be placed after a command that reads stdin. */
export function heredocBase64(data: string | Buffer, marker: string): { redirect: string; body: string } {
  const delim = `REGPLAY_${marker.replace(/[^A-Za-z0-9]/g, '')}_EOF`;
  const b64 = Buffer.from(data).toString('base64');
  const lines = b64.match(/.{1,76}/g) ?? [];
  return { redirect: `<<'${delim}'`, body: `${lines.join('\n')}${lines.length ? '\n' : ''}${delim}` };
}

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
