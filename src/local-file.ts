// Files the CLI writes on this machine (--json, --junit, --render), under the rule the engine keeps on
// hosts (src/engine/kinds/safe-path.ts): a symbolic link on the way is followed only in a directory that no
// one but root (or the user running play) can change; elsewhere — `--json /tmp/report.json` with a
// link another user planted there — the write is refused naming the path and the link. A file is
// written to an exclusively created temp file beside it and renamed over its name: a link at the name
// itself is replaced, never written through.
import { randomBytes } from 'node:crypto';
import { closeSync, fchmodSync, lstatSync, openSync, readlinkSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { StateError } from './errors.js';

function changeableByOthers(dir: string): boolean {
  const st = statSync(dir);
  const me = process.getuid?.() ?? 0;
  return !((st.uid === 0 || st.uid === me) && (st.mode & 0o022) === 0);
}

/** The refusal for a link on the way to `path` (its directories; the name itself is replaced, not followed), or undefined. */
export function plantedLink(path: string): string | undefined {
  const abs = resolve(path);
  let rest = dirname(abs).split('/').filter(Boolean);
  let here = '/';
  for (let hops = 0; rest.length > 0; ) {
    const c = rest.shift()!;
    if (c === '.') continue;
    if (c === '..') {
      here = dirname(here);
      continue;
    }
    const next = join(here, c);
    let link: boolean;
    try {
      link = lstatSync(next).isSymbolicLink();
    } catch {
      return undefined; // missing: the write fails on its own
    }
    if (!link) {
      here = next;
      continue;
    }
    const target = readlinkSync(next);
    if (changeableByOthers(here)) {
      return `refusing ${abs}: ${next} is a symbolic link (to ${target}) in ${here}, a directory that users other than root can change; remove the link or use the real path`;
    }
    if (++hops > 40) return `refusing ${abs}: too many levels of symbolic links`;
    rest = [...target.split('/').filter(Boolean), ...rest];
    if (isAbsolute(target)) here = '/';
  }
  return undefined;
}

/** Writes `text` to `path` with exactly `mode`: exclusive temp file beside it, then rename. */
export function writeLocalFile(path: string, text: string, mode = 0o644): void {
  const refused = plantedLink(path);
  if (refused) throw new StateError(refused);
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    writeFileSync(fd, text);
    fchmodSync(fd, mode);
  } catch (e) {
    closeSync(fd);
    unlinkSync(tmp);
    throw e;
  }
  closeSync(fd);
  renameSync(tmp, path);
}
