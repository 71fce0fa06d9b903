// Opening one SSH connection (one hop) with the host key checked against known_hosts, the key
// file or ssh-agent, and a retry when sshd drops connections before the handshake.
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Duplex } from 'node:stream';
import { NodeSSH } from 'node-ssh';
import type { ConnectConfig } from 'ssh2';
import { InputError, UnreachableError } from '../errors.js';
import { blobKeyType, checkHostKey, knownHostName, knownKeyTypes, parseKnownHosts, type KnownHostEntry } from '../facts/known-hosts.js';
import { HOST_KEY_CHECKING_HELP, hostKeyCheckingOf, type HostKeyChecking } from './host-key-checking.js';
import type { Endpoint } from './ssh-route.js';

/** Unset is strict; a spelling the table does not list is refused. */
export function normalizeChecking(v: unknown): HostKeyChecking {
  if (v === undefined) return 'strict';
  const checking = hostKeyCheckingOf(v);
  if (!checking) throw new InputError(`host_key_checking must be ${HOST_KEY_CHECKING_HELP} (got ${JSON.stringify(v)})`);
  return checking;
}

export interface HopOptions {
  /** Inventory name, for errors. */
  host: string;
  endpoint: Endpoint;
  checking: HostKeyChecking;
  readyTimeoutMs: number;
  /** Prefix for errors about this hop ("jump host root@10.0.0.1:22: "). */
  what?: string;
  /** A fresh stream to the endpoint per attempt (through a jump host); default a TCP connection. */
  via?: () => Promise<Duplex>;
}

const ALGORITHMS: Record<string, string[]> = {
  'ssh-ed25519': ['ssh-ed25519'],
  'ecdsa-sha2-nistp256': ['ecdsa-sha2-nistp256'],
  'ecdsa-sha2-nistp384': ['ecdsa-sha2-nistp384'],
  'ecdsa-sha2-nistp521': ['ecdsa-sha2-nistp521'],
  'ssh-rsa': ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'],
};

function defaultKey(): string | undefined {
  return ['id_ed25519', 'id_ecdsa', 'id_rsa'].map((n) => join(homedir(), '.ssh', n)).find((p) => existsSync(p));
}

function readEntries(paths: string[]): KnownHostEntry[] {
  return paths.flatMap((p) => (existsSync(p) ? parseKnownHosts(readFileSync(p, 'utf8')) : []));
}

function describeConnectError(e: unknown, r: Endpoint): string {
  const err = e as { code?: string; level?: string; message?: string };
  if (err.code === 'ECONNREFUSED') return `connection refused at ${r.address}:${r.port}`;
  if (err.code === 'ETIMEDOUT' || /timed out/i.test(err.message ?? '')) return `connection to ${r.address}:${r.port} timed out`;
  if (err.code === 'EHOSTUNREACH' || err.code === 'ENETUNREACH') return `no route to ${r.address}:${r.port}`;
  if (err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN') return `cannot resolve ${r.address}`;
  if (err.level === 'client-authentication') return `authentication failed for ${r.user}@${r.address}:${r.port} (check the key file or ssh-agent)`;
  return `${r.user}@${r.address}:${r.port}: ${err.message ?? String(e)}`;
}

/** Verifies host keys as `checking` says; `refusal()` tells why the last key was refused. */
function hostKeyVerifier(r: Endpoint, checking: HostKeyChecking, entries: KnownHostEntry[]) {
  const name = knownHostName(r.address, r.port);
  let refusal: string | undefined;
  const verify = (key: Buffer): boolean => {
    if (checking === 'off') return true;
    const keyType = blobKeyType(key);
    const b64 = key.toString('base64');
    const verdict = checkHostKey(entries, name, keyType, b64);
    if (verdict === 'match') return true;
    if (verdict === 'unknown' && checking === 'accept-new') {
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
  return { verify, refusal: () => refusal };
}

export async function openHop(o: HopOptions): Promise<NodeSSH> {
  const r = o.endpoint;
  const name = knownHostName(r.address, r.port);
  const what = o.what ?? '';
  const entries = o.checking === 'off' ? [] : readEntries([r.knownHostsPath, '/etc/ssh/ssh_known_hosts']);
  const verifier = hostKeyVerifier(r, o.checking, entries);
  const config: ConnectConfig & { privateKey?: string } = {
    host: r.address,
    port: r.port,
    username: r.user,
    hostVerifier: verifier.verify,
    readyTimeout: o.readyTimeoutMs,
    keepaliveInterval: 15_000,
  };
  const types = knownKeyTypes(entries, name);
  if (types.length && o.checking !== 'off') {
    const algs = types.flatMap((t) => ALGORITHMS[t] ?? [t]);
    config.algorithms = { serverHostKey: algs as NonNullable<ConnectConfig['algorithms']>['serverHostKey'] };
  }
  const keyPath = r.keyPath ?? (process.env.SSH_AUTH_SOCK ? undefined : defaultKey());
  if (keyPath) {
    try {
      config.privateKey = readFileSync(keyPath, 'utf8');
    } catch (e) {
      throw new UnreachableError(o.host, `${what}cannot read key file ${keyPath}: ${(e as Error).message}`);
    }
  }
  if (process.env.SSH_AUTH_SOCK) config.agent = process.env.SSH_AUTH_SOCK;
  // sshd drops connections beyond MaxStartups before the handshake: worth a retry, unlike a refusal.
  for (let attempt = 1; ; attempt++) {
    const ssh = new NodeSSH();
    try {
      if (o.via) config.sock = await o.via();
      const connecting = ssh.connect(config);
      // TCP_NODELAY from the first packet: without it the handshake and every exec round trip
      // wait on Nagle + delayed ACK (~40 ms each; bench: exec 45 → 5 ms). node-ssh creates the
      // ssh2 client synchronously when the key is given as a string, so it can be set here.
      ssh.connection?.setNoDelay(true);
      await connecting;
      ssh.connection?.on('error', () => {});
      ssh.connection?.setNoDelay(true);
      return ssh;
    } catch (e) {
      ssh.dispose();
      if (e instanceof UnreachableError) throw e;
      const refusal = verifier.refusal();
      const transient = !refusal && /before handshake|ECONNRESET/i.test(`${(e as Error).message} ${(e as { code?: string }).code ?? ''}`);
      if (!transient || attempt >= 3) throw new UnreachableError(o.host, what + (refusal ?? describeConnectError(e, r)));
      await new Promise((done) => setTimeout(done, 200 * attempt));
    }
  }
}

/** A stream to `target` tunnelled through the open connection to a jump host (direct-tcpip). */
export function forwardThrough(jump: NodeSSH, host: string, jumpWhat: string, target: Endpoint): () => Promise<Duplex> {
  return () =>
    new Promise((resolveStream, reject) => {
      const connection = jump.connection;
      if (!connection) return reject(new UnreachableError(host, `${jumpWhat}connection lost`));
      connection.forwardOut('127.0.0.1', 0, target.address, target.port, (err, stream) => {
        if (err) reject(new UnreachableError(host, `${jumpWhat}cannot reach ${target.address}:${target.port}: ${err.message}`));
        else resolveStream(stream);
      });
    });
}
