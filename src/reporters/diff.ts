// A Diff (data from the executor) as a unified diff.
import { createRequire } from 'node:module';
import type * as DiffModule from 'diff';
import type { Diff } from '../engine/events.js';

// Loaded on first use: only --diff needs it.
const load = () => createRequire(import.meta.url)('diff') as typeof DiffModule;

export function unifiedDiff(d: Diff): string {
  const patch = load().createTwoFilesPatch(`${d.header} (before)`, `${d.header} (after)`, d.before, d.after, undefined, undefined, { context: 3 });
  // drop the "Index:"/"====" preamble: keep from the --- line on
  const start = patch.indexOf('--- ');
  return start >= 0 ? patch.slice(start) : patch;
}
