#!/usr/bin/env node
// The compiled CLI (built by `npm ci` through the `prepare` script, or `npm run build`).
import { existsSync } from 'node:fs';
const entry = new URL('../dist/src/cli/main.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('play: dist/ is missing; run `npm run build` (npm ci does it for you)\n');
  process.exit(3);
}
await import(entry.href);
