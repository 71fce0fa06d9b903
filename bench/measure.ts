// One timed run of a command: wall time from spawn to exit, and the peak RSS that GNU time reports
// (`%M`, KiB: the largest resident set of the process or any child it waited for).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Timed {
  wallMs: number;
  /** Peak RSS in MiB, when /usr/bin/time is there. */
  peakRssMiB?: number;
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
}

const GNU_TIME = '/usr/bin/time';

export function hasGnuTime(): boolean {
  return existsSync(GNU_TIME);
}

export async function timed(argv: string[], opts: RunOptions): Promise<Timed> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-time-'));
  const rssFile = join(dir, 'rss');
  const withTime = hasGnuTime() ? [GNU_TIME, '-f', '%M', '-o', rssFile, ...argv] : argv;
  try {
    const started = process.hrtime.bigint();
    const r = await spawnCollect(withTime, opts);
    const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
    let peakRssMiB: number | undefined;
    if (existsSync(rssFile)) {
      const kib = Number(readFileSync(rssFile, 'utf8').trim().split('\n').pop());
      if (Number.isFinite(kib)) peakRssMiB = kib / 1024;
    }
    return { wallMs, peakRssMiB, ...r };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function spawnCollect(argv: string[], opts: RunOptions): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() }));
  });
}
