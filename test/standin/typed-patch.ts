// Kubernetes API stand-in: what a 1.32 API server refuses in a server-side apply before any
// validation rule runs, with its status and words.
//
// The applied object is made "typed" by structured-merge-diff v4.4.2 (the version in Kubernetes
// 1.32's go.mod; typed/validate.go, typed/helpers.go): an undeclared field, a value of the wrong
// shape or scalar type, or two items of an associative list with one key fail there, and
// managedfields/internal/structuredmerge.go returns the plain error
//   failed to create typed patch object (<namespace>/<name>; <group>/<version>, Kind=<Kind>): <errors>
// Quantity and IntOrString are untyped to structured-merge-diff; a value they cannot hold fails
// when the merged object is converted to its Go type (runtime.Scheme.unstructuredToTyped):
//   failed to convert new object (…) to proper version: unable to convert unstructured object to <gvk>: <error>
// Neither is an API status error, so responsewriters.ErrorToAPIStatus answers 500 with no reason
// (kubernetes#122480, kubernetes#139253: still so in 1.32 and later).
//
// Where the real server walks a map in Go's random order (which of two undeclared fields of one
// object it names first), this names them in the object's order.
import { checkSchema, QUANTITY_MESSAGE, type AjvError } from './schema.js';
import { KEY_DEFAULTS, listKeysAt, listTypeAt } from './list-types.js';

type Obj = Record<string, any>;

const isMap = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** value.ToString: strings Go-quoted, numbers and booleans bare. */
function smdString(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(smdString).join(',')}]`;
  if (isMap(v)) return Object.keys(v).sort().map((k) => `${k}=${smdString(v[k])}`).join('');
  return String(v);
}

function keyElement(keys: string[], item: Obj): string {
  return `[${[...keys].sort().map((k) => `${k}=${smdString(item[k] ?? KEY_DEFAULTS[k])}`).join(',')}]`;
}

/** fieldpath.Path.String() of a value in `obj`: `.spec.ports[port=5000,protocol="TCP"].name`. */
export function smdPath(obj: Obj, segs: string[]): string {
  let out = '';
  let node: any = obj;
  for (const [i, seg] of segs.entries()) {
    if (Array.isArray(node)) {
      const item = node[Number(seg)];
      const type = listTypeAt(obj, segs.slice(0, i));
      out += type?.type === 'map' && isMap(item) ? keyElement(type.keys, item) : type?.type === 'set' ? `[=${smdString(item)}]` : `[${seg}]`;
      node = item;
    } else {
      out += `.${seg}`;
      node = isMap(node) ? node[seg] : undefined;
    }
  }
  return out;
}

/** Go's %v of a decoded JSON value (maps with sorted keys). */
function goV(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(goV).join(' ')}]`;
  if (isMap(v)) return `map[${Object.keys(v).sort().map((k) => `${k}:${goV(v[k])}`).join(' ')}]`;
  return String(v);
}
/** Go's %#v of a decoded JSON value inside an interface{}. */
function goSharpV(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return `[]interface {}{${v.map(goSharpV).join(', ')}}`;
  if (isMap(v)) return `map[string]interface {}{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${goSharpV(v[k])}`).join(', ')}}`;
  if (v === null) return '<nil>';
  return String(v);
}
/** Go's %T of a decoded JSON value. */
function goType(v: unknown): string {
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int64' : 'float64';
  if (Array.isArray(v)) return '[]interface {}';
  return 'map[string]interface {}';
}

/** typed/validate.go's words for a value of the wrong type (`expected` is the schema's JSON type). */
function wrongType(expected: string, v: unknown): string {
  switch (expected) {
    case 'integer':
    case 'number':
      return `expected numeric (int or float), got ${goType(v)}`;
    case 'string':
      return `expected string, got &value.valueUnstructured{Value:${goSharpV(v)}}`;
    case 'boolean':
      return `expected boolean, got &{${goV(v)}}`;
    case 'array':
      return `expected list, got &{${goV(v)}}`;
    default:
      return `expected map, got &{${goV(v)}}`;
  }
}

const pointerSegs = (pointer: string) => pointer.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
function valueAt(obj: Obj, segs: string[]): unknown {
  let node: any = obj;
  for (const s of segs) node = node !== null && typeof node === 'object' ? node[s] : undefined;
  return node;
}

/** Keyed lists: an item without its key, and two items with one key. */
function listErrors(obj: Obj): Array<{ segs: string[]; message: string }> {
  const out: Array<{ segs: string[]; message: string }> = [];
  const walk = (v: unknown, segs: string[]) => {
    if (Array.isArray(v)) {
      const keys = listKeysAt(obj, segs);
      if (keys) {
        const seen = new Set<string>();
        for (const [i, item] of v.entries()) {
          if (!isMap(item)) {
            out.push({ segs, message: `element ${i}: associative list with keys may not have non-map elements` });
            return;
          }
          const missing = keys.find((k) => item[k] === undefined && KEY_DEFAULTS[k] === undefined);
          if (missing) {
            out.push({ segs, message: `element ${i}: associative list with keys has an element that omits key field ${JSON.stringify(missing)} (and doesn't have default value)` });
            return;
          }
          const key = keyElement(keys, item);
          if (seen.has(key)) out.push({ segs, message: `duplicate entries for key ${key}` });
          seen.add(key);
        }
      }
      v.forEach((item, i) => walk(item, [...segs, String(i)]));
    } else if (isMap(v)) for (const [k, child] of Object.entries(v)) walk(child, [...segs, k]);
  };
  walk(obj, []);
  return out;
}

const before = (a: string[], b: string[]) => {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
  return a.length - b.length;
};

function gvkNN(obj: Obj): string {
  const [group, version] = String(obj.apiVersion).includes('/') ? String(obj.apiVersion).split('/') : ['', String(obj.apiVersion)];
  return `${obj.metadata?.namespace ?? ''}/${obj.metadata?.name ?? ''}; ${group}/${version}, Kind=${obj.kind}`;
}

/** Go's json.Unmarshal of a non-string into IntOrString's int32. */
function intOrStringError(v: unknown): string {
  const kind = typeof v === 'boolean' ? 'bool' : typeof v === 'number' ? `number ${v}` : Array.isArray(v) ? 'array' : 'object';
  return `json: cannot unmarshal ${kind} into Go value of type int32`;
}

/**
 * The 500 message a 1.32 API server answers for this applied object before validation, or
 * undefined when it gets as far as validation. `obj` carries the request's namespace and name.
 */
export function applyDecodeError(obj: Obj): string | undefined {
  const { status: _status, ...rest } = obj;
  const schema = checkSchema(rest);
  const found: Array<{ segs: string[]; message: string }> = [...listErrors(rest)];
  const parents = new Set<string>();
  for (const segs of schema.unknownSegments) {
    // validate.go stops walking an object at its first undeclared field.
    const parent = JSON.stringify(segs.slice(0, -1));
    if (parents.has(parent)) continue;
    parents.add(parent);
    found.push({ segs, message: 'field not declared in schema' });
  }
  for (const e of schema.errors) {
    const segs = pointerSegs(e.instancePath);
    const v = valueAt(rest, segs);
    if (e.keyword === 'type' && v !== null) found.push({ segs, message: wrongType(String(e.params.type), v) });
  }
  if (found.length) {
    found.sort((a, b) => before(a.segs, b.segs));
    const lines = found.map((f) => `${smdPath(rest, f.segs)}: ${f.message}`);
    return `failed to create typed patch object (${gvkNN(obj)}): ${lines.length === 1 ? lines[0] : ['errors:', ...lines.map((l) => `  ${l}`)].join('\n')}`;
  }
  const conversion = schema.errors.find((e: AjvError) => e.keyword === 'oneOf' || e.keyword === 'anyOf');
  if (!conversion) return undefined;
  const v = valueAt(rest, pointerSegs(conversion.instancePath));
  const quantity = (conversion.params.branches as AjvError[]).find((b) => b.params.format === 'quantity');
  const gvk = gvkNN(obj).split('; ')[1];
  return `failed to convert new object (${gvkNN(obj)}) to proper version: unable to convert unstructured object to ${gvk}: ${quantity ? String(quantity.params.message ?? QUANTITY_MESSAGE) : intOrStringError(v)}`;
}
