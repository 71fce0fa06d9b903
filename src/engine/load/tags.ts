// --tags / --skip-tags with Ansible's special tags: always, never, tagged, untagged, all.
import { InputError } from '../../errors.js';
import type { Playbook } from './playbook.js';

const SPECIAL = ['all', 'always', 'never', 'tagged', 'untagged'];

export function tagSelected(tags: string[], only: string[], skip: string[]): boolean {
  const has = (t: string) => tags.includes(t);
  if (skip.includes('all') || skip.some(has)) return false;
  if (skip.includes('tagged') && tags.length) return false;
  if (skip.includes('untagged') && !tags.length) return false;
  if (has('never') && !only.some((t) => t !== 'never' && has(t)) && !only.includes('never')) return false;
  if (!only.length || only.includes('all')) return true;
  if (has('always')) return true;
  if (only.includes('tagged') && tags.length) return true;
  if (only.includes('untagged') && !tags.length) return true;
  return only.some(has);
}

/** Every tag the playbook's plays and role entries carry, sorted. */
export function playbookTags(playbook: Playbook): string[] {
  return [...new Set(playbook.plays.flatMap((p) => [...p.tags, ...p.roles.flatMap((r) => r.tags)]))].sort();
}

/** A tag the playbook does not know is a typo, not "run nothing": bad input, before any host is touched. */
export function checkTagsKnown(playbook: Playbook, only: string[], skip: string[]): void {
  const known = playbookTags(playbook);
  for (const [flag, tags] of [['--tags', only], ['--skip-tags', skip]] as const) {
    const unknown = tags.filter((t) => !known.includes(t) && !SPECIAL.includes(t));
    if (unknown.length) {
      throw new InputError(
        `${flag} ${unknown.join(',')}: no play or role in the playbook has ${unknown.length > 1 ? 'these tags' : 'this tag'}`,
        { file: playbook.file },
        `known tags: ${known.join(', ') || '(none)'} (and the special tags ${SPECIAL.join(', ')})`,
      );
    }
  }
}
