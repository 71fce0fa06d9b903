// A Diff (data from the executor) as a unified diff.
import { createTwoFilesPatch } from 'diff';
import type { Diff } from '../engine/events.js';

export function unifiedDiff(d: Diff): string {
  const patch = createTwoFilesPatch(`${d.header} (before)`, `${d.header} (after)`, d.before, d.after, undefined, undefined, { context: 3 });
  // drop the "Index:"/"====" preamble: keep from the --- line on
  const start = patch.indexOf('--- ');
  return start >= 0 ? patch.slice(start) : patch;
}
