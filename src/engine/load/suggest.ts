// "Did you mean …?": which known name a misspelled one was probably meant to be. Shared by every
// check that turns a near miss into bad input (group names, and any other name a user types).
import leven from 'leven';

/** Case, `-`, `_`, `.` and spaces are not what tells two names apart (`control-plane`, `Control_Plane`). */
function normalized(name: string): string {
  return name.toLowerCase().replace(/[-_.\s]/g, '');
}

/** Edits tolerated for a name of this length: none for very short names, where one letter is a different word. */
function tolerance(length: number): number {
  return length <= 3 ? 0 : length <= 6 ? 1 : 2;
}

/**
 * Whether `a` and `b` are different spellings of one name: equal once case and separators are ignored,
 * or a letter or two apart. Names that differ only in their digits (`rack1`, `rack2`; `workers2`)
 * are numbered siblings, not misspellings.
 */
export function isNearMiss(a: string, b: string): boolean {
  if (a === b) return false;
  const x = normalized(a);
  const y = normalized(b);
  if (x === y) return true;
  if (x.replace(/\d/g, '') === y.replace(/\d/g, '')) return false;
  const max = tolerance(Math.min(x.length, y.length));
  return max > 0 && (swapsTwoNeighbours(x, y) || leven(x, y, { maxDistance: max + 1 }) <= max);
}

/** `ssh_kye` for `ssh_key`: two neighbouring letters swapped count as one slip, not two edits. */
export function swapsTwoNeighbours(x: string, y: string): boolean {
  if (x.length !== y.length) return false;
  const diff = [...x].flatMap((c, i) => (c === y[i] ? [] : [i]));
  return diff.length === 2 && diff[1] === diff[0]! + 1 && x[diff[0]!] === y[diff[1]!] && x[diff[1]!] === y[diff[0]!];
}

/** The closest of `known` that `name` is a near miss of, or undefined. */
export function suggestion(name: string, known: Iterable<string>): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const k of known) {
    if (!isNearMiss(name, k)) continue;
    const distance = leven(normalized(name), normalized(k));
    if (!best || distance < best.distance) best = { name: k, distance };
  }
  return best?.name;
}

/** ` did you mean \`x\`?` or '' — to append to a message. */
export function didYouMean(name: string, known: Iterable<string>): string {
  const s = suggestion(name, known);
  return s === undefined ? '' : ` did you mean \`${s}\`?`;
}
