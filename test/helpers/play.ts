// Runs the CLI as a subprocess through tsx (no build needed): runPlay(['site.yaml', '--check']).
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const main = join(repoRoot, 'src', 'cli', 'main.ts');
const tsx = import.meta.resolve('tsx');

/** The argv that runs the CLI from source: [node, ...args]. */
export const playCommand = (args: string[]): [string, string[]] => [process.execPath, ['--import', tsx, main, ...args]];

export interface PlayResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The CLI as a child process (NO_COLOR unless the env says otherwise), for tests that signal it. */
export function spawnPlay(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): ChildProcessWithoutNullStreams {
  const [cmd, argv] = playCommand(args);
  return spawn(cmd, argv, { cwd: opts.cwd ?? repoRoot, env: { ...process.env, NO_COLOR: '1', ...opts.env }, stdio: ['pipe', 'pipe', 'pipe'] });
}

export function runPlay(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; stdin?: string } = {}): Promise<PlayResult> {
  return new Promise((resolve, reject) => {
    const child = spawnPlay(args, opts);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString('utf8')));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
    child.stdin.end(opts.stdin ?? '');
  });
}

/**
 * runPlay with `--json <dir>/run-*.json` added and the report read back (`empty` when the run stopped
 * before it started: assertions on `code` then show the output). Throws when one of `secrets`, a private
 * key or a bcrypt hash appears in the output or the report: every lab run doubles as a leak check.
 */
export async function runPlayReported<R>(
  args: string[],
  opts: { dir: string; env: NodeJS.ProcessEnv; secrets: string[]; empty: R; run?: typeof runPlay },
): Promise<PlayResult & { report: R }> {
  const json = join(opts.dir, `run-${Date.now()}-${Math.random().toString(16).slice(2)}.json`);
  const r = await (opts.run ?? runPlay)([...args, '--json', json], { env: opts.env });
  let report = opts.empty;
  try {
    report = JSON.parse(readFileSync(json, 'utf8')) as R;
  } catch {
    // no report: the run stopped before it started
  }
  const everything = r.stdout + r.stderr + JSON.stringify(report);
  if (opts.secrets.some((secret) => everything.includes(secret))) throw new Error('a password appeared in the output');
  if (/PRIVATE KEY|\$2y\$/.test(everything)) throw new Error('a private key or a bcrypt hash appeared in the output');
  return { ...r, report };
}
