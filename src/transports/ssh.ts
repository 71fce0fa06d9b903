// The SSH transport: one persistent node-ssh connection per host; every exec is a channel on it.
// Host keys are verified against known_hosts by default; accept-new and off are explicit opt-ins.
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { NodeSSH } from 'node-ssh';
import SSHConfig from 'ssh-config';
import type { ConnectConfig } from 'ssh2';
import { UnreachableError } from '../errors.js';
import { blobKeyType, checkHostKey, knownHostName, knownKeyTypes, parseKnownHosts, type KnownHostEntry } from '../facts/known-hosts.js';
import { becomeRoot } from './shell.js';
import type { ExecOptions, ExecResult, Transport } from './types.js';

export type HostKeyChecking = 'strict' | 'accept-new' | 'off';

export interface SshTransportOptions {
  /** Inventory name. */
  host: string;
  /** Address or ~/.ssh/config alias; defaults to `host`. */
  address?: string;
  port?: number;
  user?: string;
  keyPath?: string;
  /** Default ~/.ssh/known_hosts (/etc/ssh/ssh_known_hosts is read too). */
  knownHostsPath?: string;
  /** Default strict. `true`/'yes' mean strict, `false`/'no' mean off (Ansible spellings). */
  hostKeyChecking?: HostKeyChecking | 'yes' | 'no' | boolean;
  become?: boolean;
  /** Default ~/.ssh/config. */
  sshConfigPath?: string;
  connectTimeoutMs?: number;
}

const ALGORITHMS: Record<string, string[]> = {
  'ssh-ed25519': ['ssh-ed25519'],
  'ecdsa-sha2-nistp256': ['ecdsa-sha2-nistp256'],
  'ecdsa-sha2-nistp384': ['ecdsa-sha2-nistp384'],
  'ecdsa-sha2-nistp521': ['ecdsa-sha2-nistp521'],
  'ssh-rsa': ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'],
};

function normalizeChecking(v: SshTransportOptions['hostKeyChecking']): HostKeyChecking {
  if (v === undefined || v === true || v === 'yes' || v === 'strict') return 'strict';
  if (v === false || v === 'no' || v === 'off') return 'off';
  return 'accept-new';
}

function expandHome(p: string): string {
  return p.startsWith('~/') ? join(homedir(), p.slice(2)) : p;
}

function first(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

interface Resolved {
  address: string;
  port: number;
  user: string;
  keyPath?: string;
  knownHostsPath: string;
}

function resolve(o: SshTransportOptions): Resolved {
  const alias = o.address ?? o.host;
  const configPath = o.sshConfigPath ?? join(homedir(), '.ssh', 'config');
  let computed: Record<string, string | string[]> = {};
  if (existsSync(configPath)) computed = SSHConfig.parse(readFileSync(configPath, 'utf8')).compute(alias);
  const hostName = first(computed.HostName);
  const identity = first(computed.IdentityFile);
  const knownHosts = first(computed.UserKnownHostsFile)?.split(/\s+/)[0];
  return {
    address: hostName ? hostName.replace(/%h/g, alias) : alias,
    port: o.port ?? (computed.Port ? Number(first(computed.Port)) : 22),
    user: o.user ?? first(computed.User) ?? userInfo().username,
    keyPath: o.keyPath ?? (identity ? expandHome(identity) : undefined),
    knownHostsPath: o.knownHostsPath ?? (knownHosts ? expandHome(knownHosts) : join(homedir(), '.ssh', 'known_hosts')),
  };
}

function defaultKey(): string | undefined {
  return ['id_ed25519', 'id_ecdsa', 'id_rsa'].map((n) => join(homedir(), '.ssh', n)).find((p) => existsSync(p));
}

function readEntries(paths: string[]): KnownHostEntry[] {
  return paths.flatMap((p) => (existsSync(p) ? parseKnownHosts(readFileSync(p, 'utf8')) : []));
}

function describeConnectError(e: unknown, r: Resolved): string {
  const err = e as { code?: string; level?: string; message?: string };
  if (err.code === 'ECONNREFUSED') return `connection refused at ${r.address}:${r.port}`;
  if (err.code === 'ETIMEDOUT' || /timed out/i.test(err.message ?? '')) return `connection to ${r.address}:${r.port} timed out`;
  if (err.code === 'EHOSTUNREACH' || err.code === 'ENETUNREACH') return `no route to ${r.address}:${r.port}`;
  if (err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN') return `cannot resolve ${r.address}`;
  if (err.level === 'client-authentication') return `authentication failed for ${r.user}@${r.address}:${r.port} (check the key file or ssh-agent)`;
  return `${r.user}@${r.address}:${r.port}: ${err.message ?? String(e)}`;
}

export class SshTransport implements Transport {
  readonly host: string;
  readonly user: string;
  readonly #o: SshTransportOptions;
  readonly #r: Resolved;
  readonly #checking: HostKeyChecking;
  #ssh?: NodeSSH;
  #connecting?: Promise<void>;
  #roundTrips = 0;

  constructor(o: SshTransportOptions) {
    this.#o = o;
    this.host = o.host;
    this.#r = resolve(o);
    this.#checking = normalizeChecking(o.hostKeyChecking);
    this.user = this.#r.user; // the login user; with become, commands run through sudo as root
  }

  get roundTrips(): number {
    return this.#roundTrips;
  }

  /** Where the host key was checked ("[10.0.0.2]:2222"). */
  get knownHostName(): string {
    return knownHostName(this.#r.address, this.#r.port);
  }

  connect(): Promise<void> {
    this.#connecting ??= this.#connect().catch((e) => {
      this.#connecting = undefined;
      throw e;
    });
    return this.#connecting;
  }

  async #connect(): Promise<void> {
    const r = this.#r;
    const name = knownHostName(r.address, r.port);
    const entries = this.#checking === 'off' ? [] : readEntries([r.knownHostsPath, '/etc/ssh/ssh_known_hosts']);
    let refusal: string | undefined;
    const hostVerifier = (key: Buffer): boolean => {
      if (this.#checking === 'off') return true;
      const keyType = blobKeyType(key);
      const b64 = key.toString('base64');
      const verdict = checkHostKey(entries, name, keyType, b64);
      if (verdict === 'match') return true;
      if (verdict === 'unknown' && this.#checking === 'accept-new') {
        mkdirSync(dirname(r.knownHostsPath), { recursive: true, mode: 0o700 });
        appendFileSync(r.knownHostsPath, `${name} ${keyType} ${b64}\n`, { mode: 0o600 });
        return true;
      }
      refusal =
        verdict === 'unknown'
          ? `host key for ${name} is not in ${r.knownHostsPath} (add it with ssh-keyscan, or set host_key_checking: accept-new)`
          : verdict === 'revoked'
            ? `host key for ${name} is marked @revoked`
            : `HOST KEY MISMATCH for ${name}: the key differs from ${r.knownHostsPath} (possible man-in-the-middle; remove the old entry only if the host was reinstalled)`;
      return false;
    };
    const config: ConnectConfig & { privateKey?: string } = {
      host: r.address,
      port: r.port,
      username: r.user,
      hostVerifier,
      readyTimeout: this.#o.connectTimeoutMs ?? 20_000,
      keepaliveInterval: 15_000,
    };
    const types = knownKeyTypes(entries, name);
    if (types.length && this.#checking !== 'off') {
      const algs = types.flatMap((t) => ALGORITHMS[t] ?? [t]);
      config.algorithms = { serverHostKey: algs as NonNullable<ConnectConfig['algorithms']>['serverHostKey'] };
    }
    const keyPath = r.keyPath ?? (process.env.SSH_AUTH_SOCK ? undefined : defaultKey());
    if (keyPath) {
      try {
        config.privateKey = readFileSync(keyPath, 'utf8');
      } catch (e) {
        throw new UnreachableError(this.host, `cannot read key file ${keyPath}: ${(e as Error).message}`);
      }
    }
    if (process.env.SSH_AUTH_SOCK) config.agent = process.env.SSH_AUTH_SOCK;
    // sshd drops connections beyond MaxStartups before the handshake: worth a retry, unlike a refusal.
    for (let attempt = 1; ; attempt++) {
      const ssh = new NodeSSH();
      try {
        const connecting = ssh.connect(config);
        // TCP_NODELAY from the first packet: without it the handshake and every exec round trip
        // wait on Nagle + delayed ACK (~40 ms each; bench: exec 45 → 5 ms). node-ssh creates the
        // ssh2 client synchronously when the key is given as a string, so it can be set here.
        ssh.connection?.setNoDelay(true);
        await connecting;
        ssh.connection?.on('error', () => {});
        ssh.connection?.setNoDelay(true);
        this.#ssh = ssh;
        return;
      } catch (e) {
        ssh.dispose();
        const transient = !refusal && /before handshake|ECONNRESET/i.test(`${(e as Error).message} ${(e as { code?: string }).code ?? ''}`);
        if (!transient || attempt >= 3) throw new UnreachableError(this.host, refusal ?? describeConnectError(e, r));
        await new Promise((done) => setTimeout(done, 200 * attempt));
      }
    }
  }

  async exec(command: string, opts: ExecOptions = {}): Promise<ExecResult> {
    await this.connect();
    const connection = this.#ssh?.connection;
    if (!connection) throw new UnreachableError(this.host, 'connection lost');
    this.#roundTrips++;
    const line = this.#o.become ? becomeRoot(command) : command;
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
        channel.end(opts.stdin ?? '');
      });
    });
  }

  async close(): Promise<void> {
    this.#ssh?.dispose();
    this.#ssh = undefined;
    this.#connecting = undefined;
  }
}
