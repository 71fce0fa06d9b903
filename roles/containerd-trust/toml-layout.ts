// Where the tables and keys of a TOML file are, line by line (the part of the file's structure
// a surgical edit needs): section headers, key lines with their full dotted paths, and which
// lines are continuations of multi-line values.
import { parseKey, scanValue, type ScanState } from './toml-keys.js';

export interface Section {
  path: string[];
  array: boolean;
  headerLine: number;
}

export interface KeyLine {
  section: Section;
  /** Full path: section path + dotted key. */
  path: string[];
  keyPath: string[];
  line: number;
  /** Last line of the value (multi-line arrays/strings). */
  lastLine: number;
  indent: string;
  valueStart: number;
}

export interface Layout {
  sections: Section[];
  keys: KeyLine[];
}

const ROOT: Section = { path: [], array: false, headerLine: -1 };

export function analyse(lines: string[]): Layout {
  const sections: Section[] = [ROOT];
  const keys: KeyLine[] = [];
  let section = ROOT;
  let state: ScanState = { multiline: null, depth: 0 };
  let open: KeyLine | null = null;
  lines.forEach((line, i) => {
    if (state.multiline || state.depth > 0) {
      state = scanValue(line, 0, state);
      if (open) open.lastLine = i;
      return;
    }
    open = null;
    const indent = /^[ \t]*/.exec(line)![0];
    const rest = line.slice(indent.length);
    if (rest === '' || rest.startsWith('#')) return;
    if (rest.startsWith('[')) {
      const array = rest.startsWith('[[');
      const key = parseKey(line, indent.length + (array ? 2 : 1));
      if (key && line.startsWith(array ? ']]' : ']', key.end)) {
        section = { path: key.path, array, headerLine: i };
        sections.push(section);
      }
      return;
    }
    const key = parseKey(line, indent.length);
    if (!key || line[key.end] !== '=') return;
    const entry: KeyLine = { section, path: [...section.path, ...key.path], keyPath: key.path, line: i, lastLine: i, indent, valueStart: key.end + 1 };
    keys.push(entry);
    open = entry;
    state = scanValue(line, key.end + 1, state);
  });
  return { sections, keys };
}
