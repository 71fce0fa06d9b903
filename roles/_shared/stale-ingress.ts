// The Ingress turned off (registry_ingress: false, registry_ingress_host still set): what regplay
// wrote on a node or build host for that host goes, and only that. A trust directory is regplay's
// when it holds exactly the files regplay writes there, each with regplay's content (checked by
// SHA-256 on the host); anything else in it, or other content, is the user's and everything stays.
import { createHash } from 'node:crypto';
import type { CommandState } from '../../src/resources/types.js';

/** The old Ingress host to clean up after, or undefined (the Ingress is on, or no host is named). */
export function staleIngressHost(v: { registry_ingress?: boolean; registry_ingress_host?: string | null }): string | undefined {
  return v.registry_ingress === false ? (v.registry_ingress_host ?? undefined) : undefined;
}

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

// $1 the directory, then name/sha256 pairs: exits 0 (nothing of regplay's to remove) unless it is a
// real directory holding exactly those files with those digests.
const NOT_OWNED =
  'd=$1; shift; [ -d "$d" ] && [ ! -L "$d" ] || exit 0; n=0; for e in "$d"/* "$d"/.[!.]* "$d"/..?*; do if [ -e "$e" ] || [ -L "$e" ]; then n=$((n+1)); fi; done; ' +
  '[ "$n" -eq $(($# / 2)) ] || exit 0; while [ $# -gt 0 ]; do f=$d/$1; [ -f "$f" ] && [ ! -L "$f" ] && [ "$(sha256sum < "$f")" = "$2  -" ] || exit 0; shift 2; done; exit 1';

/** Removes `dir` when it holds exactly `files` (name → content regplay wrote there). */
export function removeOwnedDir(name: string, dir: string, files: Record<string, string>): CommandState {
  const names = Object.keys(files);
  return {
    kind: 'command',
    name,
    argv: ['sh', '-c', 'd=$1; shift; for f; do rm -f -- "$d/$f" || exit 1; done; rmdir -- "$d"', 'sh', dir, ...names],
    unless: ['sh', '-c', NOT_OWNED, 'sh', dir, ...names.flatMap((n) => [n, sha256(files[n]!)])],
  };
}
