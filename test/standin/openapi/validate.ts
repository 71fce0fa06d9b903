// Kubernetes API stand-in: an object checked against Kubernetes 1.32's OpenAPI definitions
// (v1.32.json): JSON types, required fields, formats (int32/int64 ranges, byte, date-time), the
// Quantity and IntOrString alternatives, and the fields no definition declares. Errors have the
// shape of ajv's (what schema.ts turns into the API server's field errors); enums are not here (the
// v2 document has none: schema.ts takes them from kubernetes-models).
// A JSON null passes everywhere, as Go's decoders take it for "unset".
import { quantityError } from '../quantity.js';
import { INT_OR_STRING, QUANTITY, refName, resolve, TIME, type Schema } from './schema.js';

export interface SchemaError {
  instancePath: string;
  keyword: string;
  params: Record<string, any>;
}

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const RANGE: Record<string, [number, number]> = { int32: [-(2 ** 31), 2 ** 31 - 1], int64: [-(2 ** 63), 2 ** 63] };

const esc = (s: string) => s.replace(/~/g, '~0').replace(/\//g, '~1');

/** The errors of `obj` against `root`, and the path segments of its undeclared fields (in its order). */
export function validate132(obj: unknown, root: Schema): { errors: SchemaError[]; unknown: string[][] } {
  const errors: SchemaError[] = [];
  const unknown: string[][] = [];
  const err = (instancePath: string, keyword: string, params: Record<string, any>) => errors.push({ instancePath, keyword, params });
  const typeErr = (p: string, type: string) => err(p, 'type', { type });
  const walk = (v: unknown, s: Schema | undefined, p: string): void => {
    if (v === null || v === undefined || !s) return;
    const def = refName(s);
    if (def === QUANTITY) {
      // string (format quantity) or number
      if (typeof v === 'number') return;
      const refusal = typeof v === 'string' ? quantityError(v) : quantityError(JSON.stringify(v));
      if (refusal) err(p, 'oneOf', { branches: [{ instancePath: p, keyword: 'format', params: { format: 'quantity', message: refusal } }, { instancePath: p, keyword: 'type', params: { type: 'number' } }] });
      return;
    }
    if (def === INT_OR_STRING) {
      if (typeof v === 'string' || (typeof v === 'number' && Number.isInteger(v))) return;
      err(p, 'oneOf', { branches: [{ instancePath: p, keyword: 'type', params: { type: 'string' } }, { instancePath: p, keyword: 'type', params: { type: 'integer' } }] });
      return;
    }
    if (def === TIME) {
      if (typeof v !== 'string') typeErr(p, 'string');
      else if (!RFC3339.test(v)) err(p, 'format', { format: 'date-time' });
      return;
    }
    const r = resolve(s);
    if (!r) return;
    if (r.properties) {
      if (!isMap(v)) return void typeErr(p, 'object');
      for (const name of r.required ?? []) if (v[name] === undefined) err(p, 'required', { missingProperty: name });
      for (const [k, prop] of Object.entries(r.properties)) walk(v[k], prop, `${p}/${esc(k)}`);
      return;
    }
    switch (r.type) {
      case 'array':
        if (!Array.isArray(v)) return void typeErr(p, 'array');
        v.forEach((item, i) => walk(item, r.items, `${p}/${i}`));
        return;
      case 'object':
        if (!isMap(v)) return void typeErr(p, 'object');
        if (typeof r.additionalProperties === 'object') for (const [k, item] of Object.entries(v)) walk(item, r.additionalProperties, `${p}/${esc(k)}`);
        return;
      case 'integer': {
        if (typeof v !== 'number' || !Number.isInteger(v)) return void typeErr(p, 'integer');
        const range = RANGE[r.format ?? 'int64'];
        if (range && (v < range[0] || v > range[1])) err(p, 'format', { format: r.format ?? 'int64' });
        return;
      }
      case 'number':
        if (typeof v !== 'number') typeErr(p, 'number');
        return;
      case 'boolean':
        if (typeof v !== 'boolean') typeErr(p, 'boolean');
        return;
      case 'string':
        if (typeof v !== 'string') typeErr(p, 'string');
        else if (r.format === 'byte' && !BASE64.test(v)) err(p, 'format', { format: 'byte' });
        else if (r.format === 'date-time' && !RFC3339.test(v)) err(p, 'format', { format: 'date-time' });
        return;
      default:
        // no type (apiextensions JSON, JSONSchemaPropsOrArray, ...): anything
        return;
    }
  };
  // undeclared fields in the object's own order (the JSON decoder's order of strict errors)
  const undeclared = (v: unknown, s: Schema | undefined, segs: string[]): void => {
    const r = resolve(s);
    if (!r || v === null || typeof v !== 'object') return;
    if (Array.isArray(v)) {
      if (r.type === 'array') v.forEach((item, i) => undeclared(item, r.items, [...segs, String(i)]));
      return;
    }
    if (r.properties) {
      for (const [k, child] of Object.entries(v)) {
        if (r.properties[k]) undeclared(child, r.properties[k], [...segs, k]);
        else unknown.push([...segs, k]);
      }
    } else if (typeof r.additionalProperties === 'object') for (const [k, child] of Object.entries(v)) undeclared(child, r.additionalProperties, [...segs, k]);
  };
  walk(obj, root, '');
  undeclared(obj, root, []);
  return { errors, unknown };
}
