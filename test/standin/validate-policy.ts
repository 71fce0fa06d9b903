// Kubernetes API stand-in: pkg/apis/policy/validation ValidatePodDisruptionBudgetSpec — minAvailable
// and maxUnavailable exclusive, each a non-negative integer or a percentage of at most 100%, a valid
// label selector. The status starts empty, as PrepareForCreate leaves it (no disruption controller).
import { isPlainObject } from './fieldset.js';
import type { FieldErrors } from './field-errors.js';
import { validateLabels } from './validate-meta.js';

export type Obj = Record<string, any>;

function intOrPercent(v: unknown, path: string, f: FieldErrors) {
  if (v === undefined || v === null) return;
  if (typeof v === 'number') {
    if (v < 0) f.invalid(path, v, 'must be greater than or equal to 0');
    return;
  }
  const m = /^(\d+)%$/.exec(String(v));
  if (!m) return f.invalid(path, v, 'a valid percent string must be a numeric string followed by an ending \'%\' (e.g. \'1%\',  or \'93%\', regex used for validation is \'[0-9]+%\')');
  if (Number(m[1]) > 100) f.invalid(path, v, 'must not be greater than 100%');
}

export function validatePodDisruptionBudget(o: Obj, f: FieldErrors): void {
  const s: Obj = o.spec ?? {};
  if (s.minAvailable !== undefined && s.maxUnavailable !== undefined) f.invalid('spec', s, 'minAvailable and maxUnavailable cannot be both set');
  intOrPercent(s.minAvailable, 'spec.minAvailable', f);
  intOrPercent(s.maxUnavailable, 'spec.maxUnavailable', f);
  if (isPlainObject(s.selector)) validateLabels(s.selector.matchLabels ?? {}, 'spec.selector.matchLabels', f);
  o.status ??= { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 };
}
