// Kubernetes API stand-in: field errors worded like k8s.io/apimachinery/pkg/util/validation/field
// (Error.ErrorBody) and the 422 Status that apierrors.NewInvalid builds from them.

export interface Cause {
  field: string;
  message: string;
  reason: string;
}

export class InvalidError extends Error {
  constructor(readonly causes: Cause[]) {
    super(aggregate(causes));
  }
}

/** errors.ToAggregate().Error(): one error alone, several in brackets, duplicates once. */
export function aggregate(causes: Cause[]): string {
  const lines = [...new Set(causes.map((c) => (c.field ? `${c.field}: ${c.message}` : c.message)))];
  return lines.length === 1 ? lines[0]! : `[${lines.join(', ')}]`;
}

/** A value as field.Error prints it: strings quoted, numbers and booleans bare, string maps Go-style. */
export function goValue(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (typeof v === 'object' && !Array.isArray(v) && Object.values(v).every((x) => typeof x === 'string'))
    return `map[string]string{${Object.entries(v).map(([k, x]) => `${JSON.stringify(k)}:${JSON.stringify(x)}`).join(', ')}}`;
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return `[]string{${v.map((x) => JSON.stringify(x)).join(', ')}}`;
  return JSON.stringify(v);
}

const withDetail = (head: string, detail?: string) => (detail ? `${head}: ${detail}` : head);

/** A field.ErrorList under construction. */
export function fieldErrors() {
  const list: Cause[] = [];
  const add = (field: string, reason: string, message: string) => list.push({ field, message, reason });
  return {
    list,
    invalid: (field: string, value: unknown, detail: string) => add(field, 'FieldValueInvalid', withDetail(`Invalid value: ${goValue(value)}`, detail)),
    typeInvalid: (field: string, value: unknown, detail: string) => add(field, 'FieldValueTypeInvalid', withDetail(`Invalid value: ${goValue(value)}`, detail)),
    required: (field: string, detail = '') => add(field, 'FieldValueRequired', withDetail('Required value', detail)),
    forbidden: (field: string, detail: string) => add(field, 'FieldValueForbidden', withDetail('Forbidden', detail)),
    duplicate: (field: string, value: unknown) => add(field, 'FieldValueDuplicate', `Duplicate value: ${goValue(value)}`),
    notFound: (field: string, value: unknown) => add(field, 'FieldValueNotFound', `Not found: ${goValue(value)}`),
    notSupported: (field: string, value: unknown, supported: readonly unknown[]) =>
      add(field, 'FieldValueNotSupported', withDetail(`Unsupported value: ${goValue(value)}`, supported.length ? `supported values: ${supported.map((s) => JSON.stringify(s)).join(', ')}` : '')),
    tooLong: (field: string, max: number) => add(field, 'FieldValueTooLong', `Too long: must have at most ${max} bytes`),
    /** apimachinery ValidateImmutableField. */
    immutable: (field: string, value: unknown) => add(field, 'FieldValueInvalid', `Invalid value: ${goValue(value)}: field is immutable`),
  };
}

export type FieldErrors = ReturnType<typeof fieldErrors>;
