#!/usr/bin/env node
// Entry point: `node --import tsx src/cli/main.ts` (tests) or bin/play.js → dist/src/cli/main.js.
import { runCli } from './cli.js';

const code = await runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, cwd: process.cwd(), env: process.env });
// Exit explicitly: a lingering socket must not keep a finished run alive.
process.exit(code);
