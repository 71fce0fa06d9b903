// The scene of the planted-link tests on this machine (as root): a root-only directory (mkdtemp:
// 0700) holding `home`, a directory of the unprivileged user nobody (as a home or their /tmp is),
// and root's `etc` with one file, `passwd` — where a link nobody plants in `home` points.
import { chownSync, lchownSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDirs } from './temp-dirs.js';

export const NOBODY = 65534;
export const PASSWD = 'root:x:0:0::/root:/bin/sh\n';

export interface PlantedScene {
  dir: string;
  home: string;
  etc: string;
}

/** Call at the top of a test file: the returned function makes a scene; all are removed after the file's tests. */
export function plantedScenes(prefix: string): () => PlantedScene {
  const tempDir = tempDirs(prefix);
  return () => {
    const dir = tempDir();
    const home = join(dir, 'home');
    const etc = join(dir, 'etc');
    mkdirSync(home, { mode: 0o755 });
    chownSync(home, NOBODY, NOBODY);
    mkdirSync(etc, { mode: 0o755 });
    writeFileSync(join(etc, 'passwd'), PASSWD, { mode: 0o644 });
    return { dir, home, etc };
  };
}

/** A symlink owned by nobody, as nobody would plant it. */
export function plant(target: string, link: string): void {
  symlinkSync(target, link);
  lchownSync(link, NOBODY, NOBODY);
}
