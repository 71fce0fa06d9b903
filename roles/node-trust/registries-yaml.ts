// k3s / RKE2 registries.yaml: sets `configs."name:port".tls.ca_file` (and `auth`) through the yaml
// package's Document API, so other `mirrors`/`configs` entries and comments stay. The result is
// parsed again and must equal the old document plus those keys, or the edit is refused.
// Format: https://docs.k3s.io/installation/private-registry ("Configs": tls.ca_file,
// auth.username/password; the file is read when k3s starts) and docs.rke2.io/install/private_registry.
import { isDeepStrictEqual } from 'node:util';
import { isMap, parse, parseDocument } from 'yaml';
import { StateError } from '../../src/errors.js';

export interface RancherTrust {
  address: string;
  caFile: string;
  auth?: { username: string; password: string };
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => !!v && typeof v === 'object' && !Array.isArray(v);

function wanted(t: RancherTrust): Array<[string[], string]> {
  const base = ['configs', t.address];
  const keys: Array<[string[], string]> = [[[...base, 'tls', 'ca_file'], t.caFile]];
  if (t.auth) keys.push([[...base, 'auth', 'username'], t.auth.username], [[...base, 'auth', 'password'], t.auth.password]);
  return keys;
}

function valueAt(o: unknown, path: string[]): unknown {
  return path.reduce<unknown>((v, k) => (isObject(v) ? v[k] : undefined), o);
}

function setAt(o: Json, path: string[], value: string): void {
  let t = o;
  for (const k of path.slice(0, -1)) {
    if (!isObject(t[k])) t[k] = {};
    t = t[k] as Json;
  }
  t[path[path.length - 1]!] = value;
}

/** The new registries.yaml text (`current` itself when nothing differs). */
export function setRancherTrust(current: string | null, t: RancherTrust, file = 'registries.yaml'): string {
  const doc = parseDocument(current ?? '', { uniqueKeys: true });
  if (doc.errors.length) {
    // The parser's message quotes the file, which may hold passwords: name the line only.
    const line = doc.errors[0]!.linePos?.[0]?.line;
    throw new StateError(`${file} is not valid YAML${line ? ` (line ${line})` : ''}`, `fix ${file}; k3s/RKE2 cannot read it either`);
  }
  const before: unknown = doc.toJS() ?? {};
  if (!isObject(before)) throw new StateError(`${file} does not hold a mapping`, `fix or remove ${file}`);
  for (const key of ['configs', 'mirrors']) {
    if (before[key] !== undefined && before[key] !== null && !isObject(before[key])) throw new StateError(`${file}: ${key} is not a mapping`, `fix ${file}`);
  }
  const have = valueAt(before, ['configs', t.address, 'tls', 'ca_file']);
  if (have !== undefined && have !== t.caFile) {
    throw new StateError(`${file} already sets configs."${t.address}".tls.ca_file to ${JSON.stringify(have)}, a different CA than regplay's ${t.caFile}`, `remove that ca_file (or the whole configs."${t.address}" entry) if regplay's CA should be trusted, or leave this host out of node-trust`);
  }
  const keys = wanted(t);
  if (current !== null && keys.every(([path, value]) => valueAt(before, path) === value)) return current;

  if (!isMap(doc.contents)) doc.contents = doc.createNode({}) as unknown as typeof doc.contents;
  const expected = structuredClone(before);
  for (const [path, value] of keys) {
    doc.setIn(path, value);
    setAt(expected, path, value);
  }
  const text = doc.toString();
  if (!isDeepStrictEqual(parse(text) ?? {}, expected)) {
    throw new StateError(`editing ${file} would change more than configs."${t.address}"`, `set configs."${t.address}".tls.ca_file by hand, or simplify ${file} (anchors, merge keys)`);
  }
  return text;
}

/**
 * Whose `configs."<address>"` entry is: none, regplay's (exactly what setRancherTrust writes for `t`,
 * with or without `t.auth`), or the user's (anything else, or a file that does not parse).
 */
export function rancherEntryOwner(current: string | null, t: RancherTrust): 'none' | 'regplay' | 'user' {
  let doc: unknown;
  try {
    doc = parse(current ?? '', { uniqueKeys: true }) ?? {};
  } catch {
    return 'user';
  }
  if (!isObject(doc)) return 'user';
  const configs = doc['configs'];
  if (configs === undefined || configs === null) return 'none';
  if (!isObject(configs)) return 'user';
  if (!Object.hasOwn(configs, t.address)) return 'none';
  const tls = { tls: { ca_file: t.caFile } };
  const ours = t.auth ? [tls, { ...tls, auth: { username: t.auth.username, password: t.auth.password } }] : [tls];
  return ours.some((o) => isDeepStrictEqual(configs[t.address], o)) ? 'regplay' : 'user';
}

/** `current` without `configs."<address>"` when that entry is regplay's (rancherEntryOwner); else unchanged. */
export function removeRancherTrust(current: string | null, t: RancherTrust, file = 'registries.yaml'): string | null {
  if (current === null || rancherEntryOwner(current, t) !== 'regplay') return current;
  const doc = parseDocument(current, { uniqueKeys: true });
  const expected = doc.toJS() as Json;
  delete (expected['configs'] as Json)[t.address];
  doc.deleteIn(['configs', t.address]);
  const text = doc.toString();
  if (!isDeepStrictEqual(parse(text) ?? {}, expected)) {
    throw new StateError(`removing configs."${t.address}" from ${file} would change more than that entry`, `remove configs."${t.address}" from ${file} by hand`);
  }
  return text;
}
