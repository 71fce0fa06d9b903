// What a lab host's files look like, to prove that a run wrote nothing (not even identical bytes).
import type { Lab } from '../lab/index.js';
import { quote as q } from '../../src/transports/shell.js';

/**
 * Path, mtime (seconds and full), inode and sha256 of each file (absent files included). A rewrite
 * of identical bytes (temp file + rename) changes the inode; an in-place rewrite changes the mtime.
 */
export async function fingerprint(lab: Lab, host: string, paths: string[]): Promise<string> {
  const r = await lab.exec(host, paths.map((p) => `if [ -e ${q(p)} ]; then stat -c '%n %Y.%y %i' ${q(p)}; sha256sum ${q(p)}; else echo ${q(`${p} absent`)}; fi`).join('; '));
  if (r.code !== 0) throw new Error(`fingerprint on ${host} failed (${r.code}): ${r.stderr.trim()}`);
  return r.stdout;
}
