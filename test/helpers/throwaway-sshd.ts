// A throwaway OpenSSH sshd on 127.0.0.1 (random port, temp host and client keys), for the SSH
// transport tests that need a real server but no lab. Needs root and /usr/sbin/sshd.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './net.js';

const SSHD = '/usr/sbin/sshd';

export const sshdSkipReason = process.getuid?.() !== 0 ? 'not root' : !existsSync(SSHD) ? `${SSHD} is absent` : undefined;

export interface Sshd {
  dir: string;
  port: number;
  /** The client key sshd accepts. */
  key: string;
  /** `[127.0.0.1]:port type key` for a known_hosts file. */
  hostKeyLine: string;
  /** A known_hosts file (in dir) holding only hostKeyLine. */
  knownHosts: string;
  log: () => string;
  stop: () => void;
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const c = createConnection({ host: '127.0.0.1', port });
    c.on('connect', () => {
      c.destroy();
      resolve(true);
    });
    c.on('error', () => resolve(false));
  });
}

export function keygen(path: string): void {
  spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path], { stdio: 'ignore' });
}

/** Starts sshd accepting `clientKey` (default: a new key in its dir); `extra` are sshd_config lines. */
export async function startSshd(o: { clientKey?: string; extra?: string[] } = {}): Promise<Sshd> {
  const dir = mkdtempSync(join(tmpdir(), 'regplay-sshd-'));
  mkdirSync('/run/sshd', { recursive: true });
  keygen(join(dir, 'host_key'));
  const key = o.clientKey ?? join(dir, 'client_key');
  if (!o.clientKey) keygen(key);
  writeFileSync(join(dir, 'authorized_keys'), readFileSync(`${key}.pub`));
  const port = await freePort();
  const config = [
    `Port ${port}`,
    'ListenAddress 127.0.0.1',
    `HostKey ${join(dir, 'host_key')}`,
    `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
    `PidFile ${join(dir, 'sshd.pid')}`,
    'PermitRootLogin prohibit-password',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'UsePAM no',
    'StrictModes no',
    ...(o.extra ?? []),
    '',
  ];
  writeFileSync(join(dir, 'sshd_config'), config.join('\n'));
  const proc: ChildProcess = spawn(SSHD, ['-f', join(dir, 'sshd_config'), '-D', '-e'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  proc.stderr?.on('data', (b: Buffer) => (log += b.toString()));
  for (let i = 0; i < 200 && !(await listening(port)); i++) {
    if (proc.exitCode !== null) throw new Error(`sshd exited: ${log}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const [type, hostKey] = readFileSync(join(dir, 'host_key.pub'), 'utf8').split(' ');
  const hostKeyLine = `[127.0.0.1]:${port} ${type} ${hostKey}\n`;
  const knownHosts = join(dir, 'known_hosts');
  writeFileSync(knownHosts, hostKeyLine);
  return {
    dir,
    port,
    key,
    hostKeyLine,
    knownHosts,
    log: () => log,
    stop: () => {
      proc.kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
