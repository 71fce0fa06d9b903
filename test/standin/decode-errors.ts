// Kubernetes API stand-in: what a 1.32 API server says when a body holds a value of the wrong JSON
// type, before any validation, with the Go decoders' own words. Two decoders, by verb:
//
// - create (POST), update (PUT), JSON and merge patches: the JSON serializer
//   (apimachinery runtime/serializer/json, sigs.k8s.io/json, a fork of encoding/json) decodes into
//   the Go type. The first mistyped value is kept and decoding goes on (decodeState.saveError); a
//   custom UnmarshalJSON that fails (Quantity, IntOrString, Time) stops it at once and wins. A type
//   error names the innermost struct and the JSON field path without list indexes
//   (decodeState.addErrorContext): `json: cannot unmarshal string into Go struct field
//   DeploymentSpec.spec.replicas of type int32`.
// - strategic merge patches: the patched map is converted to the Go type by
//   runtime.DefaultUnstructuredConverter.FromUnstructuredWithValidation (runtime/converter.go), in the
//   Go struct's field order, stopping at the first error, without any path: `unrecognized type: int32`.
//
// Kinds without a 1.32 definition here (custom resources) are decoded as unstructured: no Go type.
import { quantityError } from './quantity.js';
import { goFieldType, goFieldTypes, goStructName, goTypeOf, INT_OR_STRING, QUANTITY, refName, resolve, rootSchema, TIME, type Schema } from './openapi/schema.js';

type Obj = Record<string, unknown>;
const isMap = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** encoding/json's name of a JSON value (UnmarshalTypeError.Value). */
function jsonKind(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return 'number';
  return typeof v === 'string' ? 'string' : 'object';
}

/** The element type of a slice or map Go type (`[]v1.Container` → `v1.Container`). */
function elementGoType(goType: string, item: Schema | undefined): string {
  if (goType.startsWith('[]')) return goType.slice(2);
  const map = /^map\[[^\]]+\](.*)$/.exec(goType);
  return map ? map[1]! : goTypeOf(item);
}

const INT_RANGE: Record<string, [number, number]> = { int32: [-(2 ** 31), 2 ** 31 - 1], int64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER] };

class Fatal extends Error {}

interface Context {
  struct?: string;
  fields: string[];
}

/** UnmarshalTypeError.Error() with the decoder's error context. */
function typeError(value: string, goType: string, ctx: Context): string {
  return ctx.struct || ctx.fields.length
    ? `json: cannot unmarshal ${value} into Go struct field ${ctx.struct ?? ''}.${ctx.fields.join('.')} of type ${goType}`
    : `json: cannot unmarshal ${value} into Go value of type ${goType}`;
}

/**
 * The error the JSON serializer gives a body of a kind the stand-in serves, or undefined when it
 * decodes (undeclared fields are fieldValidation's business, not this).
 */
export function jsonDecodeError(obj: Obj): string | undefined {
  const root = rootSchema(obj.apiVersion, obj.kind);
  if (!root) return undefined;
  let saved: string | undefined;
  const save = (message: string) => (saved ??= message);
  const walk = (v: unknown, s: Schema | undefined, goType: string, ctx: Context): void => {
    if (v === null || v === undefined || !s) return;
    const def = refName(s);
    if (def === QUANTITY) {
      // Quantity.UnmarshalJSON: the raw JSON, quotes stripped, through ParseQuantity
      const err = typeof v === 'number' ? quantityError(String(v)) : quantityError(typeof v === 'string' ? v : JSON.stringify(v));
      if (err) throw new Fatal(err);
      return;
    }
    if (def === INT_OR_STRING) {
      // IntOrString.UnmarshalJSON: a string, or json.Unmarshal into its int32
      if (typeof v === 'string') return;
      if (typeof v === 'number' && Number.isInteger(v) && v >= INT_RANGE.int32![0] && v <= INT_RANGE.int32![1]) return;
      throw new Fatal(typeError(typeof v === 'number' ? `number ${v}` : jsonKind(v), 'int32', ctx));
    }
    if (def === TIME) {
      // Time.UnmarshalJSON: json.Unmarshal into a string first (the RFC 3339 parse is not modelled)
      if (typeof v !== 'string') throw new Fatal(typeError(jsonKind(v), 'string', ctx));
      return;
    }
    const r = resolve(s);
    if (!r) return;
    if (r.properties) {
      if (!isMap(v)) return void save(typeError(jsonKind(v), goType, ctx));
      for (const [k, child] of Object.entries(v)) {
        const prop = r.properties[k];
        if (!prop) continue;
        walk(child, prop, def ? goFieldType(def, k, prop) : goTypeOf(prop), { struct: def ? goStructName(def) : ctx.struct, fields: [...ctx.fields, k] });
      }
      return;
    }
    switch (r.type) {
      case 'array':
        if (!Array.isArray(v)) return void save(typeError(jsonKind(v), goType, ctx));
        for (const item of v) walk(item, r.items, elementGoType(goType, r.items), ctx);
        return;
      case 'object':
        if (typeof r.additionalProperties !== 'object') return;
        if (!isMap(v)) return void save(typeError(jsonKind(v), goType, ctx));
        for (const item of Object.values(v)) walk(item, r.additionalProperties, elementGoType(goType, r.additionalProperties), ctx);
        return;
      case 'integer': {
        const [min, max] = INT_RANGE[goType] ?? INT_RANGE.int64!;
        if (typeof v === 'number') {
          if (!Number.isInteger(v) || v < min || v > max) save(typeError(`number ${v}`, goType, ctx));
        } else save(typeError(jsonKind(v), goType, ctx));
        return;
      }
      case 'number':
        if (typeof v !== 'number') save(typeError(jsonKind(v), goType, ctx));
        return;
      case 'boolean':
        if (typeof v !== 'boolean') save(typeError(jsonKind(v), goType, ctx));
        return;
      case 'string':
        // a []byte (format byte) takes a base64 string; its decoding is not modelled
        if (typeof v !== 'string') save(typeError(jsonKind(v), goType, ctx));
        return;
    }
  };
  try {
    walk(obj, root, goTypeOf(root), { fields: [] });
  } catch (e) {
    if (e instanceof Fatal) return e.message;
    throw e;
  }
  return saved;
}

/** reflect.Kind's name of a decoded JSON value (sigs.k8s.io/json keeps integers as int64). */
function reflectKind(v: unknown): string {
  if (Array.isArray(v)) return 'slice';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int64' : 'float64';
  return typeof v === 'string' ? 'string' : 'map';
}

/** reflect.Kind's name of the Go type a scalar schema decodes into. */
function scalarKind(s: Schema, goType: string): string {
  if (s.type === 'integer') return s.format === 'int32' ? 'int32' : 'int64';
  if (s.type === 'number') return 'float64';
  if (s.type === 'boolean') return 'bool';
  return goType === '[]uint8' ? 'slice' : 'string';
}

/**
 * The error FromUnstructuredWithValidation gives a patched object (a strategic merge patch), or
 * undefined when it converts. Fields are visited in the Go struct's order (go-types-1.32.json keeps it).
 */
export function unstructuredConvertError(obj: Obj): string | undefined {
  const root = rootSchema(obj.apiVersion, obj.kind);
  if (!root) return undefined;
  const convert = (v: unknown, s: Schema | undefined, goType: string): string | undefined => {
    if (v === null || v === undefined || !s) return undefined;
    const def = refName(s);
    if (def === QUANTITY) return typeof v === 'number' ? quantityError(String(v)) : quantityError(typeof v === 'string' ? v : JSON.stringify(v));
    if (def === INT_OR_STRING) {
      // value.TypeReflectEntryOf: the JSON of the value through IntOrString.UnmarshalJSON
      if (typeof v === 'string' || (typeof v === 'number' && Number.isInteger(v) && v >= INT_RANGE.int32![0] && v <= INT_RANGE.int32![1])) return undefined;
      return `json: cannot unmarshal ${typeof v === 'number' ? `number ${v}` : jsonKind(v)} into Go value of type int32`;
    }
    if (def === TIME) return typeof v === 'string' ? undefined : `json: cannot unmarshal ${jsonKind(v)} into Go value of type string`;
    const r = resolve(s);
    if (!r) return undefined;
    const st = reflectKind(v);
    if (r.properties) {
      if (st !== 'map') return `cannot restore struct from: ${st}`;
      const m = v as Obj;
      const order = def ? Object.keys(goFieldOrder(def, r)) : Object.keys(r.properties);
      for (const k of order) {
        const prop = r.properties[k];
        if (!prop || !(k in m)) continue;
        const err = convert(m[k], prop, def ? goFieldType(def, k, prop) : goTypeOf(prop));
        if (err) return err;
      }
      return undefined;
    }
    if (r.type === 'array' || (r.type === 'string' && r.format === 'byte')) {
      if (r.type === 'string') return st === 'string' ? undefined : st === 'slice' ? undefined : `cannot restore slice from ${st}`;
      if (st !== 'slice') return `cannot restore slice from ${st}`;
      for (const item of v as unknown[]) {
        const err = convert(item, r.items, elementGoType(goType, r.items));
        if (err) return err;
      }
      return undefined;
    }
    if (r.type === 'object' || typeof r.additionalProperties === 'object') {
      if (typeof r.additionalProperties !== 'object') return undefined;
      if (st !== 'map') return `cannot restore map from ${st}`;
      for (const item of Object.values(v as Obj)) {
        const err = convert(item, r.additionalProperties, elementGoType(goType, r.additionalProperties));
        if (err) return err;
      }
      return undefined;
    }
    if (!r.type) return undefined;
    // fromUnstructured's simple types: assignable, or convertible within bools, integers (to
    // integers and floats), floats (to floats, or to integers when whole) and strings
    const dt = scalarKind(r, goType);
    const num = (k: string) => k === 'int32' || k === 'int64' || k === 'float64';
    if (st === dt) return undefined;
    if (st === 'string' && dt === 'string') return undefined;
    if (st === 'int64' && num(dt)) return undefined;
    if (st === 'float64' && (dt === 'float64' || Number.isInteger(v))) return undefined;
    // reflect: ints convert to string, floats to ints (checked above): those are "cannot convert"
    if ((st === 'int64' && dt === 'string') || (st === 'float64' && num(dt))) return `cannot convert ${st} to ${goType}`;
    return `unrecognized type: ${dt}`;
  };
  return convert(obj, root, goTypeOf(root));
}

/** The fields of a struct definition in the Go struct's order (its declared JSON order otherwise). */
function goFieldOrder(def: string, r: Schema): Record<string, true> {
  const out: Record<string, true> = {};
  for (const k of Object.keys(goFieldTypes(def))) if (r.properties?.[k]) out[k] = true;
  for (const k of Object.keys(r.properties ?? {})) out[k] = true;
  return out;
}

/** A decoded JSON value with its object keys sorted, as Go re-encodes a map (json-patch's output). */
function sortedKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortedKeys);
  if (isMap(v)) return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortedKeys(v[k])]));
  return v;
}

/** Go's %+v of a decoded JSON value (maps with sorted keys). */
function goPlusV(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (Array.isArray(v)) return `[${v.map(goPlusV).join(' ')}]`;
  if (isMap(v)) return `map[${Object.keys(v).sort().map((k) => `${k}:${goPlusV(v[k])}`).join(' ')}]`;
  return String(v);
}

/**
 * Why a 1.32 API server refuses a JSON, merge or strategic merge patch whose result does not decode,
 * as the body of the one field error it answers with (pkg/endpoints/handlers/patch.go,
 * jsonPatcher.applyPatchToCurrentObject and applyPatchToObject: `errors.NewInvalid(schema.GroupKind{},
 * "", field.ErrorList{field.Invalid(field.NewPath("patch"), <value>, <error>)})`, so 422 Invalid with
 * message ` "" is invalid: patch: Invalid value: …`). The value is the patched object's JSON (JSON and
 * merge patches) or the patch as Go prints a map (strategic). A decoding error comes first; then,
 * under fieldValidation=Strict, the undeclared fields (`undeclared` of an object: dotted paths in its
 * order) as a strict decoding error.
 */
export function patchDecodeRefusal(
  type: 'json' | 'merge' | 'strategic',
  patched: Obj,
  patch: unknown,
  undeclared: ((o: Obj) => string[]) | undefined,
): string | undefined {
  const value = type === 'strategic' ? goPlusV(patch) : JSON.stringify(sortedKeys(patched));
  const err = type === 'strategic' ? unstructuredConvertError(patched) : jsonDecodeError(sortedKeys(patched) as Obj);
  const invalid = (detail: string) => `Invalid value: ${JSON.stringify(value)}: ${detail}`;
  if (err) return invalid(err);
  if (!undeclared) return undefined;
  // the JSON decoder reports them in document order (sorted keys); the converter sorts its messages
  const unknown = undeclared(sortedKeys(patched) as Obj).map((f) => `unknown field "${f}"`);
  if (type === 'strategic') unknown.sort();
  return unknown.length ? invalid(`strict decoding error: ${unknown.join(', ')}`) : undefined;
}
