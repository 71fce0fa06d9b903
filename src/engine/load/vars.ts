// Variables with the place each top-level name was set, merged with Ansible precedence
// (later layers win, whole values replaced: Ansible's default hash_behaviour=replace).
import { InputError, type Origin } from '../../errors.js';
import { originOf } from './yaml.js';

export interface VarLayer {
  vars: Record<string, unknown>;
  origins: Record<string, Origin>;
  /** Names whose value is a `-e key=value` string (a role may read it as a number, boolean or list). */
  cliStrings?: ReadonlySet<string>;
}

export function layerFrom(vars: Record<string, unknown>, fallback?: Origin): VarLayer {
  const origins: Record<string, Origin> = {};
  for (const k of Object.keys(vars)) {
    const o = originOf(vars, k) ?? fallback;
    if (o) origins[k] = o;
  }
  return { vars: { ...vars }, origins };
}

export function mergeLayers(layers: VarLayer[]): VarLayer {
  const out: VarLayer = { vars: {}, origins: {} };
  const cli = new Set<string>();
  for (const layer of layers) {
    for (const [k, v] of Object.entries(layer.vars)) {
      out.vars[k] = v;
      if (layer.origins[k]) out.origins[k] = layer.origins[k];
      else delete out.origins[k];
      if (layer.cliStrings?.has(k)) cli.add(k);
      else cli.delete(k);
    }
  }
  if (cli.size) out.cliStrings = cli;
  return out;
}

/**
 * A role's InputError about "variable X" gets the place where X was set (or says it is not set),
 * so the user knows which file to fix.
 */
export function withVarOrigin(err: InputError, layer: VarLayer): InputError {
  if (err.origin) return err;
  const m = /variable ([A-Za-z_][\w]*)/.exec(err.message);
  if (!m) return err;
  const name = m[1]!;
  const origin = layer.origins[name];
  if (origin) return new InputError(err.message, origin, err.hint);
  if (!(name in layer.vars)) {
    const hint = err.hint ?? `set ${name} in the inventory, the play's vars, or with -e ${name}=...`;
    const msg = /not set/.test(err.message) ? err.message : `${err.message} (${name} is not set)`;
    return new InputError(msg, undefined, hint);
  }
  return err;
}
