// `-e key=value` gives a string whatever the variable's type. The engine marks which top-level
// variables hold such a string; only those may be read as the number, boolean or list a role's
// schema expects (roles/_shared/vars.ts parseVars). A value written in YAML is never converted.
const MARK = Symbol('regplay.cliStrings');

/** Marks `names` of `vars` as `-e key=value` strings (an own symbol key: spreads keep it, JSON does not show it). */
export function markCliStrings<T extends object>(vars: T, names: Iterable<string>): T {
  const set = new Set(names);
  if (set.size) Object.defineProperty(vars, MARK, { value: set, enumerable: true, configurable: true });
  return vars;
}

export function cliStrings(vars: object): ReadonlySet<string> {
  return ((vars as Record<symbol, unknown>)[MARK] as ReadonlySet<string> | undefined) ?? new Set();
}

const BOOLEAN_WORDS: ReadonlyMap<string, boolean> = new Map([
  ['true', true],
  ['yes', true],
  ['on', true],
  ['1', true],
  ['false', false],
  ['no', false],
  ['off', false],
  ['0', false],
]);

/** What a `-e` string may stand for, in the order tried: a number, a boolean, a comma-separated list. */
export function cliStringReadings(text: string): unknown[] {
  const out: unknown[] = [];
  const t = text.trim();
  if (/^[+-]?\d+(\.\d+)?$/.test(t)) out.push(Number(t));
  const word = BOOLEAN_WORDS.get(t.toLowerCase());
  if (word !== undefined) out.push(word);
  out.push(t.split(',').map((s) => s.trim()).filter(Boolean));
  return out;
}
