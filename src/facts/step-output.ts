// Splits the output of the batched apply script into per-step stdout/stderr and exit codes.
export interface StepOutput {
  code: number;
  stdout: string;
  stderr: string;
}

function section(text: string, marker: string, idx: number): { body: string; code?: number } | undefined {
  const open = `${marker} step ${idx}\n`;
  const start = text.indexOf(open);
  if (start < 0) return undefined;
  const bodyStart = start + open.length;
  const close = `\n${marker} done ${idx} `;
  const end = text.indexOf(close, bodyStart);
  if (end < 0) return { body: text.slice(bodyStart) };
  const codeEnd = text.indexOf('\n', end + close.length);
  const code = Number(text.slice(end + close.length, codeEnd < 0 ? undefined : codeEnd));
  return { body: text.slice(bodyStart, end), code };
}

/** Output of step `idx`, or undefined when the script never reached it. */
export function parseStepOutput(stdout: string, stderr: string, marker: string, idx: number): StepOutput | undefined {
  const out = section(stdout, marker, idx);
  if (!out) return undefined;
  const err = section(stderr, marker, idx);
  return { code: out.code ?? -1, stdout: out.body, stderr: err?.body ?? '' };
}
