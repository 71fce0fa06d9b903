// YAML loading for inventories, playbooks, vars files and defaults: every error names
// file:line:col, `!env NAME` and `!file path` become Secrets, and every mapping key keeps
// the position where it was written (originOf) so later errors can point back at it.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Alias, isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { InputError, type Origin } from '../errors.js';
import { expandHome } from '../paths.js';
import { Secret } from '../secret.js';

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
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new InputError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { file });
  }
  return parseYaml(text, file, opts);
}

export function parseYaml(text: string, file: string, opts: YamlOptions = {}): unknown {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number | undefined): Origin => {
    if (offset === undefined) return { file };
    const { line, col } = lineCounter.linePos(offset);
    return { file, line, col };
  };
  const firstError = doc.errors[0];
  if (firstError) {
    throw new InputError(`YAML syntax error: ${firstError.message.split('\n')[0]}`, at(firstError.pos[0]), 'fix the YAML (indentation, quoting, a missing colon)');
  }
  const env = opts.env ?? process.env;
  return toValue(doc.contents as Node | null, { doc, at, env, dir: dirname(resolve(file)) });
}

interface Walk {
  doc: Document;
  at: (offset: number | undefined) => Origin;
  env: NodeJS.ProcessEnv;
  dir: string;
}

function toValue(node: Node | Alias | null, w: Walk): unknown {
  if (node === null || node === undefined) return null;
  if (isAlias(node)) return toValue(node.resolve(w.doc) as Node, w);
  if (isScalar(node)) return scalarValue(node, w);
  if (isSeq(node)) {
    const out: unknown[] = [];
    const origins: Origin[] = [];
    for (const item of node.items) {
      origins.push(w.at((item as Node | null)?.range?.[0]));
      out.push(toValue(item as Node, w));
    }
    itemOrigins.set(out, origins);
    nodeOrigins.set(out, w.at(node.range?.[0]));
    return out;
  }
  if (isMap(node)) {
    const out: Record<string, unknown> = {};
    const origins = new Map<string, Origin>();
    for (const pair of node.items) {
      if (!isPair(pair)) continue;
      const keyNode = pair.key as Node | null;
      const key = String(keyNode && isScalar(keyNode) ? keyNode.value : toValue(keyNode, w));
      const origin = w.at(keyNode?.range?.[0]);
      if (key === '<<') {
        const merged = toValue(pair.value as Node, w);
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
      out[key] = toValue(pair.value as Node, w);
      origins.set(key, origin);
    }
    keyOrigins.set(out, origins);
    nodeOrigins.set(out, w.at(node.range?.[0]));
    return out;
  }
  return null;
}

function scalarValue(node: Node & { value: unknown; tag?: string }, w: Walk): unknown {
  const origin = w.at(node.range?.[0]);
  if (node.tag === '!env') {
    const name = String(node.value ?? '').trim();
    if (!name) throw new InputError('!env needs a variable name (`!env REGISTRY_PASSWORD`)', origin);
    const value = w.env[name];
    if (value === undefined || value === '') {
      throw new InputError(`environment variable ${name} is not set (used with !env)`, origin, `export ${name}=... before running play`);
    }
    return new Secret(value, name);
  }
  if (node.tag === '!file') {
    const path = String(node.value ?? '').trim();
    if (!path) throw new InputError('!file needs a path (`!file secrets/password.txt`)', origin);
    const full = resolve(w.dir, expandHome(path, w.env));
    let value: string;
    try {
      value = readFileSync(full, 'utf8').replace(/\r?\n$/, '');
    } catch (e) {
      throw new InputError(`cannot read ${full} (used with !file): ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, origin);
    }
    return new Secret(value, path);
  }
  if (node.tag && node.tag.startsWith('!') && !node.tag.startsWith('!!')) {
    throw new InputError(`unknown YAML tag ${node.tag} (known: !env, !file)`, origin);
  }
  return node.value;
}
