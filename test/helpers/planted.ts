// The scene of the planted-link tests on this machine (as root): a root-only directory (mkdtemp:
// 0700) holding `home`, a directory of the unprivileged user nobody (as a home or their /tmp is),
// and root's `etc` with one file, `passwd` — where a link nobody plants in `home` points.
import { chownSync, lchownSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const NOBODY = 65534;
export const PASSWD = 'root:x:0:0::/root:/bin/sh\n';

export interface PlantedScene {
  dir: string;
  home: string;
  etc: string;
}

/** Scenes made by `scene()` and removed by `remove()` (for test.after.always). */
export function plantedScenes(prefix: string): { scene: () => PlantedScene; remove: () => void } {
  const dirs: string[] = [];
  const scene = () => {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    dirs.push(dir);
    const home = join(dir, 'home');
    const etc = join(dir, 'etc');
    mkdirSync(home, { mode: 0o755 });
    chownSync(home, NOBODY, NOBODY);
    mkdirSync(etc, { mode: 0o755 });
    writeFileSync(join(etc, 'passwd'), PASSWD, { mode: 0o644 });
    return { dir, home, etc };
  };
  return { scene, remove: () => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })) };
}

/** A symlink owned by nobody, as nobody would plant it. */
export function plant(target: string, link: string): void {
  symlinkSync(target, link);
  lchownSync(link, NOBODY, NOBODY);
}
