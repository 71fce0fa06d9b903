// A lab brought up by a test goes down when the process ends, even without test.after.always
// (crash, Ctrl-C, timeout). Labs brought up by `npm run lab`/`lab:up` are left running on purpose.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from './paths.js';

const active = new Set<string>();
let installed = false;

export function downOnExit(name: string): void {
  active.add(name);
  if (installed) return;
  installed = true;
  process.once('exit', () => {
    for (const lab of active) {
      spawnSync(process.execPath, ['--import', 'tsx', join(repoRoot, 'test', 'lab', 'cli.ts'), 'down', lab], { cwd: repoRoot, stdio: 'ignore' });
    }
  });
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => process.exit(128 + (sig === 'SIGINT' ? 2 : sig === 'SIGTERM' ? 15 : 1)));
  }
}

export function forget(name: string): void {
  active.delete(name);
}
