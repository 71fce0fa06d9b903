#!/usr/bin/env node
// Entry point: `node --import tsx src/cli/main.ts` (tests) or bin/play.js → dist/src/cli/main.js.
import { createInterface } from 'node:readline/promises';
import { runCli } from './cli.js';

// Ctrl-C or a CI job's cancel (SIGTERM): the run stops, the reports are written, exit 128+signal.
// A second signal exits at once.
const controller = new AbortController();
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (controller.signal.aborted) process.exit(signal === 'SIGINT' ? 130 : 143);
    process.stderr.write(`\nplay: ${signal}: stopping, writing the reports (${signal === 'SIGINT' ? 'Ctrl-C' : signal} again to quit at once)\n`);
    controller.abort(signal);
  });
}

// A yes/no question, only when both ends are a terminal (play registry rm without --yes).
const confirm = process.stdin.isTTY && process.stderr.isTTY
  ? async (question: string): Promise<boolean> => {
      const rl = createInterface({ input: process.stdin, output: process.stderr });
      try {
        return /^y(es)?$/i.test((await rl.question(question)).trim());
      } finally {
        rl.close();
      }
    }
  : undefined;

const code = await runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, cwd: process.cwd(), env: process.env, signal: controller.signal, ...(confirm ? { confirm } : {}) });
// Exit explicitly: a lingering socket (or a command abandoned by an interrupt) must not keep a finished run alive.
process.exit(code);
