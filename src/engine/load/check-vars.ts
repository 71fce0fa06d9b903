// Before any host is touched, every variable the user wrote is checked for two careless mistakes:
// a near miss of a known name (a typo that would otherwise be ignored without a word) and a secret
// written in plain text. Names far from every known one are the user's own variables: allowed.
import { InputError, type Origin } from '../../errors.js';
import { plainSecrets, type PlainSecret } from '../../secret-vars.js';
import leven from 'leven';
import { swapsTwoNeighbours } from './suggest.js';
import type { VarLayer } from './vars.js';

/** Set by the engine for every host. */
export const ENGINE_VARIABLES = ['inventory_hostname', 'group_names'];

/**
 * The known name `name` is probably a misspelling of: the same first letter, and equal but for case,
 * or two neighbouring letters swapped, or at most one edit (two from 10 letters on). Underscores
 * count: `registry` is not a slip of `registry_ip`. Names that differ only in digits are siblings.
 */
export function meantVariable(name: string, known: ReadonlySet<string>): string | undefined {
  if (known.has(name)) return undefined;
  const x = name.toLowerCase();
  let best: { name: string; distance: number } | undefined;
  for (const k of known) {
    const y = k.toLowerCase();
    if (x[0] !== y[0] || x.replace(/\d/g, '') === y.replace(/\d/g, '') && x !== y) continue;
    const tolerance = Math.min(x.length, y.length) >= 10 ? 2 : Math.min(x.length, y.length) >= 4 ? 1 : 0;
    const distance = x === y ? 0 : swapsTwoNeighbours(x, y) ? 1 : leven(x, y, { maxDistance: tolerance + 1 });
    if (distance <= tolerance && (!best || distance < best.distance)) best = { name: k, distance };
  }
  return best?.name;
}

/**
 * `known`: the names a run surely knows; `everyKnown`: all of them (every role's defaults, whose
 * reading costs CPU), asked for only when a name is not in `known`.
 */
export function checkVariables(layers: Iterable<VarLayer>, known: ReadonlySet<string>, everyKnown: () => ReadonlySet<string> = () => known): void {
  for (const layer of layers) {
    for (const [name, value] of Object.entries(layer.vars)) {
      const origin = layer.origins[name];
      const meant = known.has(name) ? undefined : meantVariable(name, everyKnown());
      if (meant) {
        throw new InputError(`unknown variable \`${name}\`: did you mean \`${meant}\`?`, origin, `fix the name (a variable of your own needs a name that is not a near miss of \`${meant}\`)`);
      }
      const [found] = plainSecrets(name, value);
      if (found) throw plainSecretError(found, origin);
    }
  }
}

function plainSecretError(s: PlainSecret, origin: Origin | undefined): InputError {
  const onCommandLine = origin?.file.startsWith('-e ');
  const hint = onCommandLine
    ? `-e ${s.name}=... is plain text: write it in the inventory as \`${s.key}: !env NAME\` (or \`!file path\`), or pass -e '{${s.name}: !env NAME}'`
    : `write \`${s.key}: !env NAME\` or \`${s.key}: !file path\`; to keep this one in plain text on purpose, write \`${s.key}: !plain ...\``;
  return new InputError(`${s.path} is ${s.what}, given as plain text (its value is not shown)`, origin, hint);
}
