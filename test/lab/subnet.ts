// Each lab gets its own 10.213.N.0/24: N from the lab name, claimed atomically (mkdir) in a machine-wide
// directory so parallel labs, of this checkout or another, never share one, and never one that overlaps
// a route the machine already has. A claim's owner is the lab's directory (absolute path).
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { labDir, subnetClaimsDir } from './paths.js';
import { runSync } from './run.js';

const claimsDir = subnetClaimsDir;
const first = 20;
const count = 230;

export function claimSubnet(name: string): number {
  mkdirSync(claimsDir, { recursive: true });
  const taken = machineRoutes();
  const start = createHash('sha256').update(name).digest().readUInt32BE(0) % count;
  for (let i = 0; i < count; i++) {
    const n = first + ((start + i) % count);
    if (overlaps(n, taken)) continue;
    const claim = join(claimsDir, String(n));
    try {
      mkdirSync(claim);
      writeFileSync(join(claim, 'owner'), labDir(name));
      return n;
    } catch {
      const owner = readOwner(claim);
      if (owner === labDir(name)) return n;
      if (owner !== undefined && !existsSync(owner)) {
        writeFileSync(join(claim, 'owner'), labDir(name));
        return n;
      }
    }
  }
  throw new Error('lab: no free 10.213.N.0/24 left');
}

export function releaseSubnet(name: string, n?: number): void {
  const dirs = n === undefined ? claimsOf(name) : [String(n)];
  for (const d of dirs) {
    const claim = join(claimsDir, d);
    if (readOwner(claim) === labDir(name)) rmSync(claim, { recursive: true, force: true });
  }
}

/** Drops claims whose lab directory is gone; returns the subnets still claimed by a live lab. */
export function releaseUnownedSubnets(): Set<number> {
  const live = new Set<number>();
  for (const d of runSync('ls', [claimsDir]).stdout.split('\n').filter(Boolean)) {
    const owner = readOwner(join(claimsDir, d));
    if (owner !== undefined && existsSync(owner)) live.add(Number(d));
    else rmSync(join(claimsDir, d), { recursive: true, force: true });
  }
  return live;
}

function claimsOf(name: string): string[] {
  const r = runSync('ls', [claimsDir]);
  return r.stdout.split('\n').filter((d) => d && readOwner(join(claimsDir, d)) === labDir(name));
}

function readOwner(claim: string): string | undefined {
  try {
    return readFileSync(join(claim, 'owner'), 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** IPv4 destinations the machine routes, except the lab bridges' own. */
function machineRoutes(): Array<[number, number]> {
  const out = runSync('ip', ['-4', '-o', 'route', 'show', 'table', 'all']).stdout;
  const routes: Array<[number, number]> = [];
  for (const line of out.split('\n')) {
    if (!line.trim() || /\bdev rplab/.test(line)) continue;
    const words = line.trim().split(/\s+/);
    const dst = /^(local|broadcast|unicast|unreachable|prohibit|blackhole|multicast|anycast)$/.test(words[0]!) ? words[1] : words[0];
    if (dst && /^\d+\.\d+\.\d+\.\d+(\/\d+)?$/.test(dst)) routes.push(cidr(dst));
  }
  return routes;
}

function cidr(s: string): [number, number] {
  const [addr, bits] = s.split('/');
  const ip = (addr ?? '').split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
  return [ip, bits === undefined ? 32 : Number(bits)];
}

function overlaps(n: number, routes: Array<[number, number]>): boolean {
  const [lab] = cidr(`10.213.${n}.0/24`);
  return routes.some(([ip, bits]) => {
    const b = Math.min(bits, 24);
    const mask = b === 0 ? 0 : (0xffffffff << (32 - b)) >>> 0;
    return ((ip & mask) >>> 0) === ((lab & mask) >>> 0);
  });
}
