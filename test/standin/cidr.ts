// Kubernetes API stand-in: IPv4 CIDR ranges for cluster IPs (--service-cidr) and pod IPs (--pod-cidr),
// and the smallest free address of one, as the API server's and a node's IPAM allocate them.

export interface Cidr {
  text: string;
  base: number;
  bits: number;
}

const toInt = (ip: string): number => ip.split('.').reduce((n, o) => n * 256 + Number(o), 0);
const toIp = (n: number): string => [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');

export function parseCidr(text: string): Cidr {
  const m = /^(\d{1,3}(?:\.\d{1,3}){3})\/(\d{1,2})$/.exec(text);
  if (!m || m[1]!.split('.').some((o) => Number(o) > 255) || Number(m[2]) > 30) throw new Error(`${text}: expected an IPv4 CIDR such as 10.96.0.0/28`);
  const bits = Number(m[2]);
  const size = 2 ** (32 - bits);
  return { text, base: Math.floor(toInt(m[1]!) / size) * size, bits };
}

export function inCidr(c: Cidr, ip: string): boolean {
  if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(ip)) return false;
  const n = toInt(ip);
  return n >= c.base && n < c.base + 2 ** (32 - c.bits);
}

/** The first address of the range (neither the network nor the broadcast address) that `used` lacks. */
export function firstFree(c: Cidr, used: Set<string>): string | undefined {
  const size = 2 ** (32 - c.bits);
  for (let i = 1; i < size - 1; i++) {
    const ip = toIp(c.base + i);
    if (!used.has(ip)) return ip;
  }
  return undefined;
}
