// A captured command, read with everything else: its exit code, stdout and stderr (base64 in the
// record). The reads of the k8s kind and the roles' fact queries are captures.
import { fromBase64, type ReadRecord } from '../../facts/records.js';
import { heredocBase64 } from './script-util.js';

export interface CaptureRead {
  kind: 'capture';
  /** A shell command line (its words quoted by the caller). */
  command: string;
  stdin?: string;
}

export interface CapturedFact {
  code: number;
  stdout: string;
  stderr: string;
}

export function captureReadSnippet(item: CaptureRead, marker: string): string {
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

export function parseCaptured(rec: ReadRecord | undefined): CapturedFact {
  if (!rec) throw new Error('read script output is missing a command record');
  return { code: Number(rec.fields.code ?? 1), stdout: fromBase64(rec.fields.stdout), stderr: fromBase64(rec.fields.stderr) };
}
