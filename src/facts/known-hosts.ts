// known_hosts: parse lines and find the keys recorded for a host (plain, `[host]:port`, hashed
// `|1|salt|hash`, `*`/`?` wildcards and `!` negations; `@revoked` keys are refused).
import { createHmac } from 'node:crypto';

export interface KnownHostEntry {
  patterns: string[];
  keyType: string;
  key: string;
  marker?: '@revoked' | '@cert-authority';
}

export function parseKnownHosts(text: string): KnownHostEntry[] {
  const entries: KnownHostEntry[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const parts = line.split(/\s+/);
    let marker: KnownHostEntry['marker'];
    if (parts[0] === '@revoked' || parts[0] === '@cert-authority') marker = parts.shift() as KnownHostEntry['marker'];
    const [hosts, keyType, key] = parts;
    if (!hosts || !keyType || !key) continue;
    entries.push({ patterns: hosts.split(','), keyType, key, marker });
  }
  return entries;
}

/** The name a host is recorded under: `host` on port 22, `[host]:port` otherwise. */
export function knownHostName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

function globMatch(pattern: string, name: string): boolean {
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'i');
  return re.test(name);
}

function hashedMatch(pattern: string, name: string): boolean {
  const [, kind, salt, hash] = pattern.split('|');
  if (kind !== '1' || !salt || !hash) return false;
  return createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64') === hash;
}

export function entryMatches(entry: KnownHostEntry, name: string): boolean {
  let matched = false;
  for (const p of entry.patterns) {
    if (p.startsWith('|')) {
      if (hashedMatch(p, name)) matched = true;
    } else if (p.startsWith('!')) {
      if (globMatch(p.slice(1), name)) return false;
    } else if (globMatch(p, name)) matched = true;
  }
  return matched;
}

export type HostKeyVerdict = 'match' | 'unknown' | 'mismatch' | 'revoked';

/** Checks a presented key (type + base64 blob) against the entries for `name`. */
export function checkHostKey(entries: KnownHostEntry[], name: string, keyType: string, key: string): HostKeyVerdict {
  if (entries.some((e) => e.marker === '@revoked' && e.key === key)) return 'revoked';
  const forHost = entries.filter((e) => !e.marker && entryMatches(e, name));
  if (forHost.some((e) => e.key === key)) return 'match';
  return forHost.length ? 'mismatch' : 'unknown';
}

/** Key types recorded for `name` (to negotiate one we can verify, as OpenSSH does). */
export function knownKeyTypes(entries: KnownHostEntry[], name: string): string[] {
  return [...new Set(entries.filter((e) => !e.marker && entryMatches(e, name)).map((e) => e.keyType))];
}

/** The key type inside an SSH public key blob (first length-prefixed string). */
export function blobKeyType(blob: Buffer): string {
  const len = blob.readUInt32BE(0);
  return blob.subarray(4, 4 + len).toString('latin1');
}
