// Pieces of the `stat` lines the file and directory reads print (src/engine/kinds/file.ts,
// directory.ts): pure parsers shared by both.

export function parseStat(stat: string | undefined): { mode?: number; owner?: string; group?: string; uid?: string; gid?: string } {
  if (!stat) return {};
  const [mode, owner, group, uid, gid] = stat.split(' ');
  return { mode: mode ? parseInt(mode, 8) : undefined, owner, group, ...(uid ? { uid } : {}), ...(gid ? { gid } : {}) };
}

export function parseExists(v: string | undefined): boolean | 'other' {
  return v === '1' ? true : v === 'other' ? 'other' : false;
}

/** Mode strings ('0644', '644', '2755') to numbers. */
export function parseMode(mode: string): number {
  return parseInt(mode, 8);
}

export function formatMode(mode: number): string {
  return mode.toString(8).padStart(4, '0');
}
