// Just enough of TOML's lexical rules to find table headers and key lines in a config file
// without re-serialising it: dotted keys (bare, "basic", 'literal') and a line scanner that
// knows when a line is inside a multi-line string or a multi-line array/inline table.

export interface ParsedKey {
  path: string[];
  /** Index just after the key (and trailing whitespace). */
  end: number;
}

const BARE = /[A-Za-z0-9_-]/;

function skipSpaces(s: string, i: number): number {
  while (i < s.length && (s[i] === ' ' || s[i] === '\t')) i++;
  return i;
}

function readBasicString(s: string, i: number): { value: string; end: number } | null {
  let out = '';
  for (let j = i + 1; j < s.length; j++) {
    const c = s[j]!;
    if (c === '"') return { value: out, end: j + 1 };
    if (c === '\\') {
      const e = s[j + 1];
      const simple: Record<string, string> = { b: '\b', t: '\t', n: '\n', f: '\f', r: '\r', '"': '"', '\\': '\\', e: '\x1b' };
      if (e !== undefined && simple[e] !== undefined) {
        out += simple[e];
        j++;
      } else if (e === 'u' || e === 'U' || e === 'x') {
        const len = e === 'u' ? 4 : e === 'U' ? 8 : 2;
        const hex = s.slice(j + 2, j + 2 + len);
        if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== len) return null;
        out += String.fromCodePoint(parseInt(hex, 16));
        j += 1 + len;
      } else return null;
    } else out += c;
  }
  return null;
}

/** Parses a dotted key starting at `i`; null when there is none. */
export function parseKey(s: string, i: number): ParsedKey | null {
  const path: string[] = [];
  let j = skipSpaces(s, i);
  for (;;) {
    const c = s[j];
    if (c === '"') {
      const r = readBasicString(s, j);
      if (!r) return null;
      path.push(r.value);
      j = r.end;
    } else if (c === "'") {
      const close = s.indexOf("'", j + 1);
      if (close < 0) return null;
      path.push(s.slice(j + 1, close));
      j = close + 1;
    } else if (c !== undefined && BARE.test(c)) {
      const start = j;
      while (j < s.length && BARE.test(s[j]!)) j++;
      path.push(s.slice(start, j));
    } else return null;
    j = skipSpaces(s, j);
    if (s[j] !== '.') return { path, end: j };
    j = skipSpaces(s, j + 1);
  }
}

export function formatKey(path: string[]): string {
  return path.map((k) => (/^[A-Za-z0-9_-]+$/.test(k) ? k : JSON.stringify(k))).join('.');
}

/** Where the scanner is at the end of a line: inside a multi-line string, or inside [ ] / { } of a value. */
export interface ScanState {
  multiline: null | '"""' | "'''";
  depth: number;
}

function closeMultiline(s: string, i: number, quote: '"""' | "'''"): number {
  for (let j = i; j < s.length; j++) {
    if (quote === '"""' && s[j] === '\\') {
      j++;
      continue;
    }
    if (s.startsWith(quote, j)) {
      let end = j + 3;
      while (s[end] === quote[0] && end - j < 5) end++;
      return end;
    }
  }
  return -1;
}

/** Scans the value part of a line from `i` and returns the state at the end of the line. */
export function scanValue(s: string, i: number, state: ScanState): ScanState {
  let { multiline, depth } = state;
  let j = i;
  if (multiline) {
    const end = closeMultiline(s, j, multiline);
    if (end < 0) return { multiline, depth };
    multiline = null;
    j = end;
  }
  while (j < s.length) {
    const c = s[j]!;
    if (c === '#') break;
    if (s.startsWith('"""', j) || s.startsWith("'''", j)) {
      const quote = s.slice(j, j + 3) as '"""' | "'''";
      const end = closeMultiline(s, j + 3, quote);
      if (end < 0) return { multiline: quote, depth };
      j = end;
      continue;
    }
    if (c === '"') {
      const r = readBasicString(s, j);
      j = r ? r.end : s.length;
      continue;
    }
    if (c === "'") {
      const close = s.indexOf("'", j + 1);
      j = close < 0 ? s.length : close + 1;
      continue;
    }
    if (c === '[' || c === '{') depth++;
    else if (c === ']' || c === '}') depth = Math.max(0, depth - 1);
    j++;
  }
  return { multiline: null, depth };
}

/** The end of a single-line string value starting at `i` (after whitespace), or null if it is not one. */
export function singleLineStringEnd(s: string, i: number): number | null {
  const j = skipSpaces(s, i);
  if (s.startsWith('"""', j) || s.startsWith("'''", j)) return null;
  if (s[j] === '"') return readBasicString(s, j)?.end ?? null;
  if (s[j] === "'") {
    const close = s.indexOf("'", j + 1);
    return close < 0 ? null : close + 1;
  }
  return null;
}
