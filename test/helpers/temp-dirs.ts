// Temporary directories for a test file, all removed after its tests.
import test from 'ava';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Call at the top of a test file: the returned function makes a new directory `<tmp>/<prefix>XXXXXX`. */
export function tempDirs(prefix: string): () => string {
  const dirs: string[] = [];
  test.after.always(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
  return () => {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    dirs.push(dir);
    return dir;
  };
}
