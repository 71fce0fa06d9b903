// Read → plan → (apply) for a list of resources on one host. Shared by roles and handlers.
import { CommandError, StateError, UnreachableError } from '../../errors.js';
import type { FactQuery, FactValues, Resource } from '../../resources/types.js';
import type { Transport } from '../../transports/types.js';
import { newMarker } from '../kinds/script-util.js';
import { applySteps } from './apply-steps.js';
import type { StepStatus } from '../events.js';
import { withMarks, type Marks } from './pending-handlers.js';
import { planResource, resourceLabel } from './plan.js';
import { changes, type ApplyEnv, type PlanEnv, type Planned } from '../kinds/kind.js';
import { readHost } from './read-state.js';

export interface StepResult {
  resource?: Resource;
  label: string;
  status: StepStatus;
  planned?: Planned;
  error?: Error;
  registered?: unknown;
  /** Warnings printed by a successful apply (see ResourceKind.warnings). */
  warnings?: string[];
  durationMs: number;
}

export interface ConvergeResult {
  steps: StepResult[];
  /** The error that stopped the list (also on the failed step, when there is one). */
  error?: Error;
  /** Handlers (of marks.read) whose pending marker the read found. */
  pending: string[];
}

function backupSuffix(now = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `.${now.getFullYear()}-${p(now.getMonth() + 1)}-${p(now.getDate())}@${p(now.getHours())}:${p(now.getMinutes())}:${p(now.getSeconds())}~`;
}

function asError(e: unknown): Error {
  return e instanceof Error ? e : new Error(String(e));
}

function evaluateFacts(queries: Record<string, FactQuery>, raw: Record<string, { code: number; stdout: string }>): FactValues {
  const values: FactValues = {};
  for (const [name, q] of Object.entries(queries)) {
    const got = raw[name];
    if (!got) throw new Error(`internal: fact ${name} was not read`);
    try {
      values[name] = q.parse(got.stdout, got.code);
    } catch (e) {
      if (e instanceof StateError) throw e;
      throw new StateError(`fact ${name} (${q.argv.join(' ')}): ${asError(e).message}`);
    }
  }
  return values;
}

function registered(s: StepResult, applied?: { stdout: string }): unknown {
  return s.planned!.kind.registered(s.planned!.plan, applied);
}

/** Rejects only with UnreachableError (the connection is gone); every other failure is in the result. */
export async function converge(transport: Transport, resources: Resource[], queries: Record<string, FactQuery>, check: boolean, registerPlanned = false, marks?: Marks): Promise<ConvergeResult> {
  const steps: StepResult[] = [];
  const started = Date.now();
  let read;
  let facts: FactValues;
  try {
    read = await readHost(transport, resources, queries, marks?.read ? { dirs: marks.dirs, names: marks.read } : undefined);
    facts = evaluateFacts(queries, read.queries);
  } catch (e) {
    if (e instanceof UnreachableError) throw e;
    const error = asError(e);
    steps.push({ label: 'read state', status: 'failed', error, durationMs: Date.now() - started });
    return { steps, error, pending: [] };
  }
  const pending = read.pending;
  const env: PlanEnv = { facts, model: read.model, backupSuffix: backupSuffix() };
  const applyEnv: ApplyEnv = { marker: newMarker() };
  const planned: StepResult[] = [];
  let planError: StepResult | undefined;
  for (const [i, resource] of resources.entries()) {
    const t0 = Date.now();
    try {
      const p = await planResource(resource, read.reads.get(i) ?? [], env);
      const status: StepStatus = changes(p) ? 'changed' : p.plan.skipped ? 'skipped' : 'ok';
      planned.push({ resource, label: p.plan.label, status, planned: p, durationMs: Date.now() - t0 });
    } catch (e) {
      planError = { resource, label: resourceLabel(resource), status: 'failed', error: asError(e), durationMs: Date.now() - t0 };
      break;
    }
  }

  if (check) {
    for (const s of planned) s.registered = registerPlanned ? registered(s, { stdout: '' }) : registered(s);
    steps.push(...planned);
  } else {
    const toApply = planned.filter((s) => s.status === 'changed');
    const { prelude, scripts } = withMarks(
      marks,
      planned.map((s) => ({ script: s.planned!.kind.script(s.planned!.plan, applyEnv), notify: s.resource?.notify ?? [] })),
      toApply.map((s) => planned.indexOf(s)),
    );
    const t0 = Date.now();
    let batch: Awaited<ReturnType<typeof applySteps>>;
    try {
      batch = await applySteps(transport, scripts, applyEnv.marker, prelude);
    } catch (e) {
      if (e instanceof UnreachableError) throw e;
      const error = asError(e);
      const first = toApply[0];
      steps.push(...planned.slice(0, first ? planned.indexOf(first) : undefined).map((s) => ({ ...s, registered: registered(s, { stdout: '' }) })));
      // Nothing to apply: only markers were to be removed, which the next run can do as well.
      if (!first) return planError ? { steps: [...steps, planError], error: planError.error, pending } : { steps, pending };
      steps.push({ ...first, status: 'failed', error, durationMs: Date.now() - t0 });
      return { steps, error, pending };
    }
    const share = toApply.length ? Math.round((Date.now() - t0) / toApply.length) : 0;
    for (const s of planned) {
      if (s.status !== 'changed') {
        s.registered = registered(s, { stdout: '' });
        steps.push(s);
        continue;
      }
      const out = batch.outputs[toApply.indexOf(s)];
      s.durationMs += share;
      if (out && out.code === 0) {
        s.registered = registered(s, { stdout: out.stdout });
        const warnings = s.planned!.kind.warnings?.(s.planned!.plan, out) ?? [];
        if (warnings.length) s.warnings = warnings;
        steps.push(s);
        continue;
      }
      const stderr = out?.stderr || batch.scriptError?.stderr || '';
      const code = out?.code ?? batch.scriptError?.code ?? null;
      s.status = 'failed';
      s.error = new CommandError(transport.host, transport.user, s.planned!.kind.command(s.planned!.plan), code, stderr);
      steps.push(s);
      return { steps, error: s.error, pending };
    }
  }
  if (planError) {
    steps.push(planError);
    return { steps, error: planError.error, pending };
  }
  return { steps, pending };
}
