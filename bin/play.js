#!/usr/bin/env node
// The compiled CLI (built by `npm ci` through the `prepare` script, or `npm run build`).
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const entry = join(root, 'dist', 'src', 'cli', 'main.js');
if (!existsSync(entry)) {
  process.stderr.write('play: dist/ is missing; run `npm run build` (npm ci does it for you)\n');
  process.exit(1); // a setup problem, not bad input
}
// Only in a checkout (the installed package has no src/): stat-ing its ~150 sources costs ~2 ms.
if (existsSync(join(root, 'src')) && newestSourceMtime([join(root, 'src'), join(root, 'roles')]) > statSync(entry).mtimeMs) {
  process.stderr.write('play: warning: dist/ is older than the sources: run npm run build\n');
}
await import(pathToFileURL(entry).href);

/** Newest mtime of the .ts files the build compiles (src/ and roles/ hold about a hundred). */
function newestSourceMtime(dirs) {
  let newest = 0;
  for (const dir of dirs) {
    if (!existsSync(dir)) continue;
    for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
      if (e.isFile() && e.name.endsWith('.ts')) newest = Math.max(newest, statSync(join(e.parentPath ?? e.path, e.name)).mtimeMs);
    }
  }
  return newest;
}
