// -e / --extra-vars: `key=value [key=value ...]`, `@file.yaml`, or an inline YAML/JSON mapping.
import { resolve } from 'node:path';
import { InputError } from '../../errors.js';
import { layerFrom, mergeLayers, type VarLayer } from './vars.js';
import { loadYamlFile, originOfNode, parseYaml, type YamlOptions } from './yaml.js';

export function parseExtraVars(args: string[], cwd: string, opts: YamlOptions = {}): VarLayer {
  return mergeLayers(args.map((arg) => parseOne(arg, cwd, opts)));
}

function parseOne(arg: string, cwd: string, opts: YamlOptions): VarLayer {
  const text = arg.trim();
  if (text.startsWith('@')) {
    const file = resolve(cwd, text.slice(1));
    const v = loadYamlFile(file, opts);
    if (v === null) return { vars: {}, origins: {} };
    if (!isObject(v)) throw new InputError(`-e ${text}: the file must hold a mapping`, originOfNode(v) ?? { file });
    return layerFrom(v, { file });
  }
  if (text.startsWith('{')) {
    const v = parseYaml(text, '-e', opts);
    if (!isObject(v)) throw new InputError('-e {...}: not a mapping');
    return layerFrom(v, { file: '-e' });
  }
  const vars: Record<string, unknown> = {};
  // Errors show at most the key: a value (or a stray word) may be a password.
  for (const [i, pair] of splitWords(text).entries()) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new InputError(`-e: word ${i + 1} is not key=value (its text is not shown: it may be a secret); expected key=value, @file.yaml or a {mapping}`, undefined, 'e.g. -e registry_name=registry.lab');
    const key = pair.slice(0, eq);
    if (!/^[A-Za-z_]\w*$/.test(key)) throw new InputError(`-e ${key}=...: '${key}' is not a valid variable name`);
    vars[key] = pair.slice(eq + 1);
  }
  const layer = layerFrom(vars);
  for (const k of Object.keys(vars)) layer.origins[k] = { file: `-e ${k}` };
  layer.cliStrings = new Set(Object.keys(vars));
  return layer;
}

/** Whitespace-separated words; single or double quotes group (as Ansible's shlex split). */
function splitWords(text: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quote: string | null = null;
  let any = false;
  for (const ch of text) {
    if (quote) {
      if (ch === quote) quote = null;
      else cur += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      any = true;
    } else if (/\s/.test(ch)) {
      if (cur || any) out.push(cur);
      cur = '';
      any = false;
    } else cur += ch;
  }
  if (cur || any) out.push(cur);
  return out;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
