// The SSH transport: one persistent node-ssh connection per host; every exec is a channel on it.
// Host keys are verified against known_hosts by default; accept-new and off are explicit opt-ins.
// A single ProxyJump hop from ~/.ssh/config is followed (the target over a direct-tcpip channel).
import type { NodeSSH } from 'node-ssh';
import { UnreachableError } from '../errors.js';
import { knownHostName } from '../facts/known-hosts.js';
import type { Secret } from '../secret.js';
import { becomeRoot, withStdinPrefix } from './shell.js';
import type { HostKeyChecking } from './host-key-checking.js';
import { forwardThrough, normalizeChecking, openHop } from './ssh-connect.js';
import { resolveRoute, type Route, type RouteOptions } from './ssh-route.js';
import type { ExecOptions, ExecResult, Transport } from './types.js';

export interface SshTransportOptions extends RouteOptions {
  /** Default strict; any spelling of host-key-checking.ts (others throw). */
  hostKeyChecking?: HostKeyChecking | 'yes' | 'no' | boolean;
  become?: boolean;
  /** sudo's password; sent on stdin ahead of the command's input (see becomeRoot). */
  becomePassword?: Secret;
  connectTimeoutMs?: number;
}

export class SshTransport implements Transport {
  readonly host: string;
  readonly user: string;
  readonly #o: SshTransportOptions;
  readonly #route: Route;
  readonly #checking: HostKeyChecking;
  #ssh?: NodeSSH;
  #jump?: NodeSSH;
  #connecting?: Promise<void>;
  #roundTrips = 0;

  constructor(o: SshTransportOptions) {
    this.#o = o;
    this.host = o.host;
    this.#route = resolveRoute(o);
    this.#checking = normalizeChecking(o.hostKeyChecking);
    this.user = this.#route.target.user; // the login user; with become, commands run through sudo as root
  }

  get roundTrips(): number {
    return this.#roundTrips;
  }

  /** Where the host key was checked ("[10.0.0.2]:2222"). */
  get knownHostName(): string {
    return knownHostName(this.#route.target.address, this.#route.target.port);
  }

  connect(): Promise<void> {
    this.#connecting ??= this.#connect().catch(async (e) => {
      await this.close();
      throw e;
    });
    return this.#connecting;
  }

  /** Host key checking applies to both hops: the jump host's and the target's. */
  async #connect(): Promise<void> {
    const { target, jump, refusal } = this.#route;
    if (refusal) throw new UnreachableError(this.host, refusal);
    const hop = { host: this.host, checking: this.#checking, readyTimeoutMs: this.#o.connectTimeoutMs ?? 20_000 };
    if (!jump) {
      this.#ssh = await openHop({ ...hop, endpoint: target });
      return;
    }
    const what = `jump host ${jump.user}@${jump.address}:${jump.port}: `;
    this.#jump = await openHop({ ...hop, endpoint: jump, what });
    this.#ssh = await openHop({ ...hop, endpoint: target, what: `via ${what}`, via: forwardThrough(this.#jump, this.host, what, target) });
  }

  async exec(command: string, opts: ExecOptions = {}): Promise<ExecResult> {
    await this.connect();
    const connection = this.#ssh?.connection;
    if (!connection) throw new UnreachableError(this.host, 'connection lost');
    this.#roundTrips++;
    const { line, stdinPrefix } = this.#o.become ? becomeRoot(command, this.#o.becomePassword?.reveal()) : { line: command, stdinPrefix: '' };
    return new Promise((resolvePromise, reject) => {
      connection.exec(line, (err, channel) => {
        if (err) return reject(new UnreachableError(this.host, `cannot open a channel: ${err.message}`));
        const out: Buffer[] = [];
        const errOut: Buffer[] = [];
        let code: number | null = null;
        let signal: string | undefined;
        channel.on('data', (b: Buffer) => out.push(b));
        channel.stderr.on('data', (b: Buffer) => errOut.push(b));
        channel.on('exit', (c: number | null, s?: string) => {
          code = c;
          signal = s;
        });
        channel.on('close', () => {
          if (code === null && !signal) return reject(new UnreachableError(this.host, 'connection lost while running a command'));
          resolvePromise({
            code: code ?? 128,
            stdout: Buffer.concat(out).toString('utf8'),
            stderr: Buffer.concat(errOut).toString('utf8') + (signal ? `killed by signal ${signal}` : ''),
          });
        });
        channel.end(withStdinPrefix(stdinPrefix, opts.stdin));
      });
    });
  }

  async close(): Promise<void> {
    this.#ssh?.dispose();
    this.#jump?.dispose();
    this.#ssh = undefined;
    this.#jump = undefined;
    this.#connecting = undefined;
  }
}
