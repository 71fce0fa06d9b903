// A docker config.json (docker-trust's ~/.docker/config.json, node-trust's kubelet config.json):
// merge one `auths["name:port"] = {auth}` entry. Every other key and entry is kept; the file is
// re-serialised (2-space indent) only when the entry differs.
import { StateError } from '../../src/errors.js';

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => !!v && typeof v === 'object' && !Array.isArray(v);

export function dockerAuth(user: string, password: string): string {
  return Buffer.from(`${user}:${password}`, 'utf8').toString('base64');
}

/**
 * `current` without `auths[address]` when that entry is exactly `{auth}` with regplay's credential
 * (the user's own entry, or one with more keys, stays); unchanged otherwise.
 */
export function removeDockerAuth(current: string | null, address: string, auth: string): string | null {
  if (current === null || current.trim() === '') return current;
  let doc: unknown;
  try {
    doc = JSON.parse(current);
  } catch {
    return current;
  }
  if (!isObject(doc) || !isObject(doc['auths'])) return current;
  const entry = doc['auths'][address];
  if (!isObject(entry) || entry['auth'] !== auth || Object.keys(entry).some((k) => k !== 'auth')) return current;
  const { [address]: _gone, ...auths } = doc['auths'];
  return `${JSON.stringify({ ...doc, auths }, null, 2)}\n`;
}

/** `off`: the setting that turns this entry off, named in the refusals (docker-trust's by default). */
export function mergeDockerAuth(current: string | null, address: string, auth: string, file = 'config.json', off = 'docker_login_enabled: false'): string {
  let doc: Json = {};
  if (current !== null && current.trim() !== '') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(current);
    } catch {
      // The parser's message would quote the file, which holds credentials.
      throw new StateError(`${file} is not valid JSON`, `fix or remove ${file}; docker cannot read it either`);
    }
    if (!isObject(parsed)) throw new StateError(`${file} does not hold a JSON object`, `fix or remove ${file}`);
    doc = parsed;
  }
  const helpers = doc['credHelpers'];
  if (isObject(helpers) && typeof helpers[address] === 'string') {
    throw new StateError(`${file} sends ${address} to the credential helper ${String(helpers[address])}, so an auths entry would be ignored`, `remove credHelpers["${address}"] or set ${off}`);
  }
  if (typeof doc['credsStore'] === 'string' && doc['credsStore'] !== '') {
    throw new StateError(`${file} uses the credential store ${String(doc['credsStore'])}, so docker would ignore an auths entry`, `remove credsStore from ${file}, or set ${off}`);
  }
  const auths = doc['auths'] ?? {};
  if (!isObject(auths)) throw new StateError(`${file}: auths is not an object`, `fix or remove ${file}`);
  const entry = auths[address];
  if (isObject(entry) && entry['auth'] === auth && current !== null) return current;
  const next: Json = { ...doc, auths: { ...auths, [address]: { ...(isObject(entry) ? entry : {}), auth } } };
  return `${JSON.stringify(next, null, 2)}\n`;
}
