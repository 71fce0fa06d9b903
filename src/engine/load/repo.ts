// The repository root (where package.json is), found from this module's own location so it
// works both under tsx (src/engine/load) and compiled (dist/src/engine/load).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

export function repoRoot(): string {
  let dir = here;
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error(`no package.json above ${here}`);
    dir = up;
  }
}

/** True when running the compiled JavaScript in dist/ (roles are then imported from dist/roles). */
export function runningCompiled(): boolean {
  return import.meta.url.endsWith('.js');
}

/** The version in this package's package.json (`play --version`). */
export function packageVersion(): string {
  return (JSON.parse(readFileSync(join(repoRoot(), 'package.json'), 'utf8')) as { version: string }).version;
}
