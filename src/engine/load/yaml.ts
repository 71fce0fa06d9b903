// YAML loading for inventories, playbooks, vars files and defaults: every error names
// file:line:col, `!env NAME`, `!file path` and `!plain text` become Secrets, and every mapping key
// keeps the position where it was written (originOf) so later errors can point back at it.
// The conversion is bounded: an alias loop, an alias bomb or absurd nesting is bad input, fast.
import { dirname, resolve } from 'node:path';
import { isAlias, isScalar, isSeq, LineCounter, parseDocument, visit, type Alias, type Document, type ParsedNode, type Scalar, type YAMLMap, type YAMLSeq } from 'yaml';
import { InputError, type Origin } from '../../errors.js';
import { expandHome } from '../../paths.js';
import { Secret } from '../../secret.js';
import { MAX_SECRET_FILE_BYTES, MAX_YAML_BYTES, readInputFile } from './read-input.js';

/** Values an alias may expand to, per document (yaml's own maxAliasCount guards toJS(), not this walk). */
export const MAX_ALIAS_VALUES = 10_000;
const OUR_TAGS = ['!env', '!file', '!plain'];
/** Nesting of mappings and lists. */
export const MAX_DEPTH = 100;

export interface YamlOptions {
  /** Environment for `!env` (defaults to process.env). */
  env?: NodeJS.ProcessEnv;
}

const keyOrigins = new WeakMap<object, Map<string, Origin>>();
const itemOrigins = new WeakMap<object, Origin[]>();
const nodeOrigins = new WeakMap<object, Origin>();

/** Where `key` of a mapping loaded by this module was written. */
export function originOf(container: unknown, key: string | number): Origin | undefined {
  if (!container || typeof container !== 'object') return undefined;
  if (Array.isArray(container) && typeof key === 'number') return itemOrigins.get(container)?.[key];
  return keyOrigins.get(container)?.get(String(key));
}

/** Where a mapping or sequence loaded by this module starts. */
export function originOfNode(value: unknown): Origin | undefined {
  return value && typeof value === 'object' ? nodeOrigins.get(value) : undefined;
}

export function loadYamlFile(file: string, opts: YamlOptions = {}): unknown {
  return parseYaml(readInputFile(file, MAX_YAML_BYTES, 'YAML'), file, opts);
}

export function parseYaml(text: string, file: string, opts: YamlOptions = {}): unknown {
  const lineCounter = new LineCounter();
  // Parsed: every node has its range, a mapping's keys are nodes (its values may be null: `{a}`, `? a`).
  let doc: Document.Parsed;
  try {
    doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  } catch (e) {
    if (e instanceof RangeError) throw new InputError('YAML nested too deeply to parse', { file }, `nest at most ${MAX_DEPTH} levels`);
    throw e;
  }
  const at = (offset: number): Origin => {
    const { line, col } = lineCounter.linePos(offset);
    return { file, line, col };
  };
  const firstError = doc.errors[0];
  if (firstError) {
    if (firstError.code === 'TAG_RESOLVE_FAILED') throw unknownTag(at(firstError.pos[0]));
    throw new InputError(`YAML syntax error: ${firstError.message.split('\n')[0]}`, at(firstError.pos[0]), 'fix the YAML (indentation, quoting, a missing colon)');
  }
  const env = opts.env ?? process.env;
  const w: Walk = { at, env, dir: dirname(resolve(file)), targets: aliasTargets(doc), open: new Set(), aliasDepth: 0, aliasValues: 0, depth: 0 };
  return toValue(doc.contents, w);
}

interface Walk {
  at: (offset: number) => Origin;
  env: NodeJS.ProcessEnv;
  dir: string;
  /** Each alias → the node it names (the nearest anchor before it, as YAML says). */
  targets: Map<Alias, ParsedNode>;
  /** Nodes being converted right now: an alias to one of them is a loop. */
  open: Set<ParsedNode>;
  /** > 0 while converting what an alias names: those values count against MAX_ALIAS_VALUES. */
  aliasDepth: number;
  aliasValues: number;
  /** The outermost alias being expanded. */
  aliasAt?: Origin;
  depth: number;
}

/** One pass in document order; node.resolve() would walk the whole document for every alias. */
function aliasTargets(doc: Document.Parsed): Map<Alias, ParsedNode> {
  const anchors = new Map<string, ParsedNode>();
  const targets = new Map<Alias, ParsedNode>();
  visit(doc, {
    Alias(_key, alias) {
      const target = anchors.get(alias.source);
      if (target) targets.set(alias, target);
    },
    // Scalars, lists and mappings (aliases go to Alias above) of the parsed document.
    Node(_key, node) {
      if (node.anchor) anchors.set(node.anchor, node as ParsedNode);
    },
  });
  return targets;
}

function toValue(node: ParsedNode | null, w: Walk): unknown {
  // An empty document, or a key without a value.
  if (node === null) return null;
  if (w.aliasDepth > 0 && ++w.aliasValues > MAX_ALIAS_VALUES) {
    throw new InputError(`YAML aliases expand to more than ${MAX_ALIAS_VALUES} values (an alias bomb?)`, w.aliasAt, 'write the values out, or use fewer nested aliases');
  }
  if (isAlias(node)) {
    const target = w.targets.get(node);
    if (!target) {
      // Not echoed: `password: *s3cret` is a password that YAML reads as an alias.
      throw new InputError('YAML alias names no anchor before it (its text is not shown: it may be a value that starts with "*")', w.at(node.range[0]), 'quote a value that starts with "*" (\'*abc\')');
    }
    if (w.open.has(target)) throw new InputError(`YAML alias *${node.source} refers to a value that contains it (an alias loop)`, w.at(node.range[0]), 'an alias may only name a value that is complete before it');
    if (w.aliasDepth === 0) w.aliasAt = w.at(node.range[0]);
    w.aliasDepth++;
    try {
      return toValue(target, w);
    } finally {
      w.aliasDepth--;
    }
  }
  if (isScalar(node)) return scalarValue(node, w);
  // YAML's own tags arrive resolved (`!!map` is `tag:yaml.org,2002:map`); a local tag starts with `!`.
  if (node.tag?.startsWith('!')) {
    if (!OUR_TAGS.includes(node.tag)) throw unknownTag(w.at(node.range[0]));
    throw new InputError(`${node.tag} takes a single value, not a ${isSeq(node) ? 'list' : 'mapping'}`, w.at(node.range[0]));
  }
  if (w.depth >= MAX_DEPTH) throw new InputError(`YAML nested deeper than ${MAX_DEPTH} levels`, w.at(node.range[0]));
  w.depth++;
  w.open.add(node);
  try {
    return isSeq(node) ? seqValue(node, w) : mapValue(node, w);
  } finally {
    w.open.delete(node);
    w.depth--;
  }
}

function seqValue(node: YAMLSeq.Parsed, w: Walk): unknown[] {
    const out: unknown[] = [];
    const origins: Origin[] = [];
    for (const item of node.items) {
      origins.push(w.at(item.range[0]));
      out.push(toValue(item, w));
    }
    itemOrigins.set(out, origins);
    nodeOrigins.set(out, w.at(node.range[0]));
    return out;
}

function mapValue(node: YAMLMap.Parsed, w: Walk): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    const origins = new Map<string, Origin>();
    for (const { key: keyNode, value } of node.items) {
      const key = String(isScalar(keyNode) ? keyNode.value : toValue(keyNode, w));
      const origin = w.at(keyNode.range[0]);
      if (key === '<<') {
        const merged = toValue(value, w);
        for (const src of Array.isArray(merged) ? merged : [merged]) {
          if (!src || typeof src !== 'object') continue;
          for (const [k, v] of Object.entries(src)) {
            if (k in out) continue;
            out[k] = v;
            origins.set(k, originOf(src, k) ?? origin);
          }
        }
        continue;
      }
      out[key] = toValue(value, w);
      origins.set(key, origin);
    }
    keyOrigins.set(out, origins);
    nodeOrigins.set(out, w.at(node.range[0]));
    return out;
}

function scalarValue(node: Scalar.Parsed, w: Walk): unknown {
  const origin = w.at(node.range[0]);
  // Our tags are unknown to yaml, which keeps such a scalar as a string: its text (`source`), '' when empty.
  if (node.tag === '!env') {
    const name = node.source.trim();
    if (!name) throw new InputError('!env needs a variable name (`!env REGISTRY_PASSWORD`)', origin);
    const value = w.env[name];
    if (value === undefined) throw new InputError(`environment variable ${name} is not set (used with !env)`, origin, `export ${name}=... before running play`);
    if (value === '') throw new InputError(`environment variable ${name} is empty (used with !env)`, origin, `give ${name} a value before running play`);
    return new Secret(value, name);
  }
  if (node.tag === '!file') {
    const path = node.source.trim();
    if (!path) throw new InputError('!file needs a path (`!file secrets/password.txt`)', origin);
    const full = resolve(w.dir, expandHome(path, w.env));
    const value = readInputFile(full, MAX_SECRET_FILE_BYTES, 'used with !file', origin).replace(/\r?\n$/, '');
    return new Secret(value, path);
  }
  if (node.tag === '!plain') {
    // The explicit opt-out for a secret kept in plain text: still a Secret, so still masked.
    if (node.source === '') throw new InputError('!plain needs a value', origin);
    return new Secret(node.source, 'plain');
  }
  if (node.tag?.startsWith('!')) throw unknownTag(origin);
  return node.value;
}

/** Not echoed: `password: !s3cret` is a password that YAML reads as a tag. */
function unknownTag(origin: Origin): InputError {
  return new InputError(
    'unknown YAML tag (its text is not shown: it may be a value that starts with "!")',
    origin,
    'known tags: !env NAME, !file path, !plain text; quote a value that starts with "!" (\'!abc\')',
  );
}
