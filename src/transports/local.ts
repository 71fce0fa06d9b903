// The local transport: runs commands on this machine (the controller) through zx. zx is told to
// use /bin/sh with POSIX quoting (its default is bash with $'...' quoting and `set -euo pipefail;`),
// never to throw on a non-zero exit and never to print: the engine reads the result.
import { userInfo } from 'node:os';
import type { ProcessOutput, Shell } from 'zx/core';
import type { Secret } from '../secret.js';
import { becomeRoot, quote, withStdinPrefix } from './shell.js';
import type { ExecOptions, ExecResult, Transport } from './types.js';

export interface LocalTransportOptions {
  host: string;
  become?: boolean;
  /** sudo's password; sent on stdin ahead of the command's input (see becomeRoot). */
  becomePassword?: Secret;
}

// zx loads on first use (~45 ms of start-up that a run over SSH alone never needs).
let shell: Promise<Shell> | undefined;
const sh = () => (shell ??= import('zx/core').then(({ $ }) => $({ shell: '/bin/sh', prefix: '', postfix: '', quote, nothrow: true, quiet: true, verbose: false, preferLocal: false })));

export class LocalTransport implements Transport {
  readonly host: string;
  readonly user: string;
  #roundTrips = 0;
  readonly #o: LocalTransportOptions;
  readonly #become: boolean;

  constructor(o: LocalTransportOptions) {
    this.#o = o;
    this.host = o.host;
    this.#become = o.become === true && process.getuid?.() !== 0;
    this.user = userInfo().username; // with become, commands run through sudo as root
  }

  get roundTrips(): number {
    return this.#roundTrips;
  }

  async connect(): Promise<void> {}

  async exec(command: string, opts: ExecOptions = {}): Promise<ExecResult> {
    this.#roundTrips++;
    const { line, stdinPrefix } = this.#become ? becomeRoot(command, this.#o.becomePassword?.reveal()) : { line: command, stdinPrefix: '' };
    const input = withStdinPrefix(stdinPrefix, opts.stdin);
    let out: ProcessOutput;
    try {
      out = await (await sh())({ input })`sh -c ${line}`;
    } catch (e) {
      return { code: 127, stdout: '', stderr: (e as Error).message };
    }
    return {
      code: out.exitCode ?? (out.signal ? 128 : 1),
      stdout: out.stdout,
      stderr: out.stderr + (out.signal ? `killed by ${out.signal}` : ''),
    };
  }

  async close(): Promise<void> {}
}
