// Ansible host patterns, used by --limit and a play's `hosts:`:
// `a:b` / `a,b` union, `&b` intersection, `!b` exclusion, `*` globs, `~regex` (anchored at the
// start, as Ansible's re.match), group or host names, `group[0]` / `group[0:2]` subscripts.
// As in Ansible, unions are taken first, then intersections, then exclusions.
import { InputError, type Origin } from '../../errors.js';
import { groupMembers, type Inventory } from './inventory.js';
import { suggestion } from './suggest.js';

export interface PatternTerm {
  op: '' | '&' | '!';
  text: string;
}

export function splitPattern(pattern: string | string[]): PatternTerm[] {
  const parts = Array.isArray(pattern) ? pattern.flatMap((p) => splitOne(String(p))) : splitOne(pattern);
  return parts
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => (p[0] === '&' || p[0] === '!' ? { op: p[0] as '&' | '!', text: p.slice(1).trim() } : { op: '' as const, text: p }));
}

function splitOne(pattern: string): string[] {
  const out: string[] = [];
  let cur = '';
  let depth = 0;
  let regex = false;
  for (const ch of pattern) {
    if (cur.trim() === '' && ch === '~') regex = true;
    if (/^[&!]$/.test(cur.trim()) && ch === '~') regex = true;
    if (ch === '[') depth++;
    if (ch === ']') depth = Math.max(0, depth - 1);
    const sep = ch === ',' || (ch === ':' && depth === 0 && !regex);
    if (sep && depth === 0) {
      out.push(cur);
      cur = '';
      regex = false;
      continue;
    }
    cur += ch;
  }
  out.push(cur);
  return out;
}

export interface MatchOptions {
  /** For error messages: `--limit 'x'` or the play's hosts: line. */
  what: string;
  origin?: Origin;
}

const SUBSCRIPT = /^(.*)\[(-?\d*)(?::(-?\d*))?\]$/;

/** The plain group or host names a pattern mentions (not `all`, globs or regexes; `g[0]` names `g`). */
export function namesIn(pattern: string | string[]): string[] {
  const names = new Set<string>();
  for (const { text } of splitPattern(pattern)) {
    if (text.startsWith('~')) continue;
    const name = SUBSCRIPT.exec(text)?.[1] ?? text;
    if (name === 'all' || /[*?]/.test(name)) continue;
    names.add(name);
  }
  return [...names];
}

/** The names a pattern mentions that are neither a group nor a host of the inventory. */
export function absentNames(inv: Inventory, pattern: string | string[]): string[] {
  return namesIn(pattern).filter((n) => !inv.groups.has(n) && !inv.hosts.has(n));
}

/** Host names matched by `pattern`, in inventory order. */
export function matchHosts(inv: Inventory, pattern: string | string[], opts: MatchOptions): string[] {
  const terms = splitPattern(pattern);
  const members = groupMembers(inv);
  const allHosts = [...inv.hosts.keys()];
  const ordered = [...terms.filter((t) => t.op === ''), ...terms.filter((t) => t.op === '&'), ...terms.filter((t) => t.op === '!')];
  let selected = new Set<string>(ordered[0] && ordered[0].op !== '' ? allHosts : []);
  for (const term of ordered) {
    const hits = new Set(matchTerm(inv, members, allHosts, term.text, opts));
    if (term.op === '') for (const h of hits) selected.add(h);
    else if (term.op === '&') selected = new Set([...selected].filter((h) => hits.has(h)));
    else selected = new Set([...selected].filter((h) => !hits.has(h)));
  }
  return allHosts.filter((h) => selected.has(h));
}

function matchTerm(inv: Inventory, members: Record<string, string[]>, allHosts: string[], text: string, opts: MatchOptions): string[] {
  const sub = SUBSCRIPT.exec(text);
  if (sub && !text.startsWith('~')) {
    const base = matchTerm(inv, members, allHosts, sub[1]!, opts);
    const idx = (s: string | undefined, dflt: number) => (s === undefined || s === '' ? dflt : Number(s) < 0 ? base.length + Number(s) : Number(s));
    if (sub[3] === undefined) {
      const i = idx(sub[2], 0);
      return base[i] ? [base[i]!] : [];
    }
    // Ansible's ranges are inclusive at both ends.
    return base.slice(idx(sub[2], 0), idx(sub[3], base.length - 1) + 1);
  }
  if (text === 'all' || text === '*') return allHosts;
  if (text.startsWith('~')) {
    let re: RegExp;
    try {
      re = new RegExp(`^(?:${text.slice(1)})`);
    } catch (e) {
      throw new InputError(`${opts.what}: bad regular expression ${text}: ${(e as Error).message}`, opts.origin);
    }
    return byName(members, allHosts, (n) => re.test(n));
  }
  if (/[*?]/.test(text)) {
    const re = globToRegex(text);
    return byName(members, allHosts, (n) => re.test(n));
  }
  if (members[text]) return members[text]!;
  if (inv.hosts.has(text)) return [text];
  return [];
}

function byName(members: Record<string, string[]>, allHosts: string[], test: (name: string) => boolean): string[] {
  const out = new Set<string>();
  for (const [g, hosts] of Object.entries(members)) if (test(g)) hosts.forEach((h) => out.add(h));
  for (const h of allHosts) if (test(h)) out.add(h);
  return [...out];
}

function globToRegex(glob: string): RegExp {
  let re = '';
  for (const ch of glob) {
    if (ch === '*') re += '.*';
    else if (ch === '?') re += '.';
    else re += ch.replace(/[.+^${}()|\\[\]]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** The inventory's own groups (not the implicit `all` and `ungrouped`). */
export function userGroups(inv: Inventory): string[] {
  return [...inv.groups.keys()].filter((g) => g !== 'all' && g !== 'ungrouped');
}

export function knownGroups(inv: Inventory): string {
  return userGroups(inv).join(', ') || '(none)';
}

/**
 * --limit: the hosts it selects. Matching nothing is an error, not a silent success, and so is a
 * name that is a near miss of a group (`--limit worker`): the user meant some hosts.
 */
export function resolveLimit(inv: Inventory, limit: string): Set<string> {
  const what = `--limit '${limit}'`;
  const groups = userGroups(inv);
  for (const name of absentNames(inv, limit)) {
    const meant = suggestion(name, groups);
    if (meant !== undefined) {
      throw new InputError(`${what}: the inventory has no group or host '${name}'; did you mean \`${meant}\`?`, undefined, `known groups: ${knownGroups(inv)}`);
    }
  }
  const hosts = matchHosts(inv, limit, { what });
  if (!hosts.length) {
    const absent = absentNames(inv, limit);
    const why = absent.length ? `the inventory has no group or host ${absent.map((n) => `'${n}'`).join(', ')}, so there are none to run on` : 'it matches no host';
    throw new InputError(`${what}: ${why}; known groups: ${knownGroups(inv)}; known hosts: ${[...inv.hosts.keys()].join(', ') || '(none)'}`);
  }
  return new Set(hosts);
}
