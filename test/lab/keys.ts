// Keys made at run time for one lab: the lab's client key and one ed25519 host key per host.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { must } from './run.js';

export async function makeKey(path: string, comment: string): Promise<string> {
  await must('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', path]);
  return readFileSync(`${path}.pub`, 'utf8');
}

export async function makeHostKey(dir: string, host: string): Promise<string> {
  mkdirSync(dir, { recursive: true });
  return makeKey(join(dir, 'ssh_host_ed25519_key'), `root@${host}`);
}

export function writeKnownHosts(path: string, hosts: Array<{ address: string; publicKey: string }>): void {
  const lines = hosts.map((h) => {
    const [type, key] = h.publicKey.trim().split(/\s+/);
    return `${h.address} ${type} ${key}`;
  });
  writeFileSync(path, lines.join('\n') + '\n');
}
