// Runs the planned steps that have actions in one exec (after an optional prelude, e.g. recording
// pending handlers); returns each step's output.
import { parseStepOutput, type StepOutput } from '../../facts/step-output.js';
import type { Transport } from '../../transports/types.js';
import { buildApplyScript } from '../kinds/apply-script.js';

export interface BatchResult {
  /** Per step (same order as given): its output, or undefined when an earlier step failed. */
  outputs: Array<StepOutput | undefined>;
  /** The exec itself failed (script never reached the steps). */
  scriptError?: { code: number; stderr: string };
}

export async function applySteps(transport: Transport, scripts: string[], marker: string, prelude = ''): Promise<BatchResult> {
  if (scripts.length === 0 && !prelude) return { outputs: [] };
  const res = await transport.exec('sh -s', { stdin: buildApplyScript(scripts, marker, prelude) });
  const outputs = scripts.map((_, i) => parseStepOutput(res.stdout, res.stderr, marker, i));
  const scriptError = res.code !== 0 || (scripts.length > 0 && outputs[0] === undefined) ? { code: res.code, stderr: res.stderr } : undefined;
  return { outputs, scriptError };
}
