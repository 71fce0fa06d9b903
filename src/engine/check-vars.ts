// Before any host is touched, every variable the user wrote is checked for two careless mistakes:
// a near miss of a known name (a typo that would otherwise be ignored without a word) and a secret
// written in plain text. Names far from every known one are the user's own variables: allowed.
import { InputError, type Origin } from '../errors.js';
import { plainSecrets, type PlainSecret } from '../secret-vars.js';
import { suggestion } from './suggest.js';
import type { VarLayer } from './vars.js';

/** Set by the engine for every host. */
export const ENGINE_VARIABLES = ['inventory_hostname', 'group_names'];

/** The known name `name` is probably a misspelling of: a near miss with the same first letter. */
export function meantVariable(name: string, known: ReadonlySet<string>): string | undefined {
  if (known.has(name)) return undefined;
  const first = name[0]?.toLowerCase();
  return suggestion(name, [...known].filter((k) => k[0]?.toLowerCase() === first));
}

export function checkVariables(layers: Iterable<VarLayer>, known: ReadonlySet<string>): void {
  for (const layer of layers) {
    for (const [name, value] of Object.entries(layer.vars)) {
      const origin = layer.origins[name];
      const meant = meantVariable(name, known);
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
