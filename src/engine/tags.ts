// --tags / --skip-tags with Ansible's special tags: always, never, tagged, untagged, all.
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
