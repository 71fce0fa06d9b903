// The local transport: runs commands with `sh -c` on this machine.
import { spawn } from 'node:child_process';
import { userInfo } from 'node:os';
import { becomeRoot } from './shell.js';
import type { ExecOptions, ExecResult, Transport } from './types.js';

export interface LocalTransportOptions {
  host: string;
  become?: boolean;
}

export class LocalTransport implements Transport {
  readonly host: string;
  readonly user: string;
  #roundTrips = 0;
  readonly #become: boolean;

  constructor(o: LocalTransportOptions) {
    this.host = o.host;
    this.#become = o.become === true && process.getuid?.() !== 0;
    this.user = userInfo().username; // with become, commands run through sudo as root
  }

  get roundTrips(): number {
    return this.#roundTrips;
  }

  async connect(): Promise<void> {}

  exec(command: string, opts: ExecOptions = {}): Promise<ExecResult> {
    this.#roundTrips++;
    const line = this.#become ? becomeRoot(command) : command;
    return new Promise((resolve) => {
      const child = spawn('sh', ['-c', line], { stdio: ['pipe', 'pipe', 'pipe'] });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout.on('data', (b: Buffer) => out.push(b));
      child.stderr.on('data', (b: Buffer) => err.push(b));
      child.stdin.on('error', () => {});
      child.on('error', (e) => resolve({ code: 127, stdout: '', stderr: e.message }));
      child.on('close', (code, signal) =>
        resolve({
          code: code ?? (signal ? 128 : 1),
          stdout: Buffer.concat(out).toString('utf8'),
          stderr: Buffer.concat(err).toString('utf8') + (signal ? `killed by ${signal}` : ''),
        }),
      );
      child.stdin.end(opts.stdin ?? '');
    });
  }

  async close(): Promise<void> {}
}
