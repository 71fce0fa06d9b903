// Sets the CRI registry `config_path` in a containerd config.toml by editing that one line, so
// comments, ordering and every other setting stay byte for byte. The result is parsed with a real
// TOML parser and must equal the old document plus that key, or the edit is refused.
import { isDeepStrictEqual } from 'node:util';
import { parse, TomlError } from 'smol-toml';
import { StateError } from '../../src/errors.js';
import { formatKey, singleLineStringEnd } from './toml-keys.js';
import { analyse } from './toml-layout.js';

export type ConfigVersion = 1 | 2 | 3;

/** The plugin whose `registry` table holds config_path, per config file version. */
export function registryPlugin(version: ConfigVersion): string {
  if (version === 3) return 'io.containerd.cri.v1.images';
  if (version === 2) return 'io.containerd.grpc.v1.cri';
  return 'cri'; // version 1 files key plugins by their short id
}

export interface ConfigPathEdit {
  /** The certs.d directory to set as config_path. */
  configPath: string;
  /** Config version for a new (or data-less) file, from the installed containerd; called only when needed. */
  newFileVersion: () => 2 | 3;
  /** For messages. */
  file?: string;
}

type Table = Record<string, unknown>;

const startsWith = (a: string[], prefix: string[]) => prefix.every((k, i) => a[i] === k);
const equal = (a: string[], b: string[]) => a.length === b.length && startsWith(a, b);

function tableAt(doc: Table, path: string[]): Table | undefined {
  let t: unknown = doc;
  for (const k of path) {
    if (!t || typeof t !== 'object' || Array.isArray(t)) return undefined;
    t = (t as Table)[k];
  }
  return t && typeof t === 'object' && !Array.isArray(t) ? (t as Table) : undefined;
}

function parseToml(text: string, file: string): Table {
  try {
    return parse(text) as Table;
  } catch (e) {
    if (e instanceof TomlError) {
      const reason = e.message.split('\n')[0]!.replace(/^Invalid TOML document: /, '');
      throw new StateError(`${file} is not valid TOML (line ${e.line}, column ${e.column}: ${reason})`, 'fix the file by hand: containerd cannot read it either');
    }
    throw e;
  }
}

function refuseConflicts(registry: Table | undefined, regPath: string[], file: string): void {
  if (!registry) return;
  const where = `[${formatKey(regPath)}]`;
  const mirrors = registry['mirrors'];
  if (mirrors && typeof mirrors === 'object' && Object.keys(mirrors).length > 0) {
    throw new StateError(
      `${file} sets ${where} mirrors; containerd refuses to start when mirrors and config_path are both set`,
      'move each mirror to <certs dir>/<registry>/hosts.toml (server = ..., [host."https://<mirror>"]) and delete the mirrors entries, then re-run',
    );
  }
  const configs = registry['configs'];
  if (configs && typeof configs === 'object') {
    const withTls = Object.entries(configs as Table).filter(([, c]) => c && typeof c === 'object' && 'tls' in (c as Table));
    if (withTls.length > 0) {
      throw new StateError(
        `${file} sets ${where} configs.${withTls.map(([h]) => JSON.stringify(h)).join(', ')}.tls; containerd refuses to start when configs.*.tls and config_path are both set`,
        'move those CA/client certificates to <certs.d>/<registry>/hosts.toml (ca = ..., client = ...) and delete the configs.*.tls tables, then re-run',
      );
    }
  }
}

function configVersion(doc: Table, file: string): ConfigVersion | null {
  const v = doc['version'];
  if (v === undefined) return Object.keys(doc).length === 0 ? null : 1;
  if (v === 1 || v === 2 || v === 3) return v;
  throw new StateError(`${file} has version = ${JSON.stringify(v)}, which this role does not know`, 'use a version 2 (containerd 1.x) or version 3 (containerd 2.x) config');
}

function minimalConfig(version: 2 | 3, configPath: string): string {
  return [
    '# Created by regplay (containerd-trust). containerd uses its built-in defaults for everything not set here.',
    `version = ${version}`,
    '',
    `[${formatKey(['plugins', registryPlugin(version), 'registry'])}]`,
    `  config_path = ${JSON.stringify(configPath)}`,
    '',
  ].join('\n');
}

/**
 * Returns `current` with the registry config_path set (unchanged when it already is), or a new
 * minimal config when `current` is null. Throws StateError when the file cannot take the key.
 */
export function setRegistryConfigPath(current: string | null, o: ConfigPathEdit): string {
  const file = o.file ?? 'config.toml';
  if (current === null) return minimalConfig(o.newFileVersion(), o.configPath);
  const doc = parseToml(current, file);
  const found = configVersion(doc, file);
  const version = found ?? o.newFileVersion();
  const regPath = ['plugins', registryPlugin(version), 'registry'];
  const registry = tableAt(doc, regPath);
  refuseConflicts(registry, regPath, file);
  if (registry?.['config_path'] === o.configPath) return current;

  const eol = current.includes('\r\n') ? '\r\n' : '\n';
  const lines = current.split('\n').map((l) => l.replace(/\r$/, ''));
  const edited = insertOrReplace(lines, regPath, o.configPath, file);
  if (found === null) edited.unshift(`version = ${version}`);
  const text = edited.join(eol);

  const expected = parseToml(current, file);
  if (found === null) expected['version'] = version;
  setAt(expected, regPath, 'config_path', o.configPath);
  return verifiedEdit(text, expected, file, regPath);
}

/**
 * The safety net under the line edit: `text` is returned only if it parses to exactly `expected`
 * (the old document plus config_path); anything else — a parse error included — refuses the edit.
 */
export function verifiedEdit(text: string, expected: Table, file: string, regPath: string[]): string {
  let result: Table;
  try {
    result = parse(text) as Table;
  } catch {
    throw cannotEdit(file, regPath);
  }
  if (!isDeepStrictEqual(plain(result), plain(expected))) throw cannotEdit(file, regPath);
  return text;
}

/** Plain data for comparing documents (parsed tables have no prototype; dates become ISO text). */
const plain = (doc: Table): unknown => JSON.parse(JSON.stringify(doc));

function cannotEdit(file: string, regPath: string[]): StateError {
  return new StateError(
    `could not set config_path in ${file} without changing anything else (unusual layout around [${formatKey(regPath)}])`,
    `add \`config_path = "<certs dir>"\` under [${formatKey(regPath)}] by hand, then re-run`,
  );
}

function setAt(doc: Table, path: string[], key: string, value: string): void {
  let t = doc;
  for (const k of path) {
    if (!t[k] || typeof t[k] !== 'object') t[k] = {};
    t = t[k] as Table;
  }
  t[key] = value;
}

function insertOrReplace(lines: string[], regPath: string[], value: string, file: string): string[] {
  const out = [...lines];
  const target = [...regPath, 'config_path'];
  const quoted = JSON.stringify(value);
  const { sections, keys } = analyse(lines);
  const tables = keys.filter((k) => !k.section.array);

  const existing = tables.find((k) => equal(k.path, target));
  if (existing) {
    const line = lines[existing.line]!;
    const end = singleLineStringEnd(line, existing.valueStart);
    if (end === null || existing.lastLine !== existing.line) {
      throw new StateError(`${file}: config_path is not a one-line string`, `write it as config_path = ${quoted}, then re-run`);
    }
    const lead = /^[ \t]*/.exec(line.slice(existing.valueStart))![0];
    out[existing.line] = line.slice(0, existing.valueStart) + lead + quoted + line.slice(end);
    return out;
  }

  const header = sections.find((s) => !s.array && equal(s.path, regPath));
  if (header) {
    const firstKey = tables.find((k) => k.section === header);
    const headerIndent = /^[ \t]*/.exec(lines[header.headerLine]!)![0];
    out.splice(header.headerLine + 1, 0, `${firstKey?.indent ?? `${headerIndent}  `}config_path = ${quoted}`);
    return out;
  }

  const dotted = tables.find((k) => k.section.path.length < regPath.length && k.path.length > regPath.length && startsWith(k.path, regPath));
  if (dotted) {
    const rel = target.slice(dotted.section.path.length);
    out.splice(dotted.lastLine + 1, 0, `${dotted.indent}${formatKey(rel)} = ${quoted}`);
    return out;
  }

  if (tables.some((k) => k.section.path.length < regPath.length && startsWith(regPath, k.path))) {
    throw new StateError(`${file} writes [${formatKey(regPath)}] as an inline table`, `add config_path = ${quoted} inside it by hand, or rewrite it as a [${formatKey(regPath)}] table`);
  }

  if (out[out.length - 1] === '') out.pop();
  if (out.length > 0) out.push('');
  out.push(`[${formatKey(regPath)}]`, `  config_path = ${quoted}`, '');
  return out;
}
