// Content diffs as data. Sensitive content never goes in: placeholders instead.
import type { Diff } from '../events.js';

export function contentDiff(header: string, before: string | null, after: string | null, sensitive: boolean): Diff {
  if (sensitive) return { header, before: before === null ? '' : '(sensitive content)', after: after === null ? '' : '(sensitive content changed)' };
  return { header, before: before ?? '', after: after ?? '' };
}
