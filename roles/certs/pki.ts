// The pure decision of the certs role: from the four files found on the host, keep them, issue a
// new registry certificate, issue a new CA (and certificate), or refuse with a way out.
import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { StateError } from '../../src/errors.js';
import type { Content } from '../../src/resources/types.js';
import { Secret } from '../../src/secret.js';
import { generateKey, ipToBuffer, issueCertificate, keyTypeOf, publicKeyDer, subjectKeyId, type KeyType, type NewKey } from './x509.js';

const DAY = 24 * 60 * 60 * 1000;
/** New certificates start a little in the past so hosts with a slightly slow clock accept them. */
const BACKDATE = 60 * 60 * 1000;
export const CA_COMMON_NAME = 'regplay registry CA';

export interface PkiSpec {
  dir: string;
  registryName: string;
  extraDns: string[];
  ips: string[];
  keyType: KeyType;
  caDays: number;
  certDays: number;
  renewDays: number;
  forceRenew: boolean;
}

export function pkiPaths(dir: string) {
  const d = dir.replace(/\/+$/, '');
  return { caCrt: `${d}/ca.crt`, caKey: `${d}/ca.key`, tlsCrt: `${d}/tls.crt`, tlsKey: `${d}/tls.key` };
}

interface Pair {
  crtPem: string;
  keyPem: string;
  cert: X509Certificate;
  key: KeyObject;
}

type Read = { state: 'absent' } | { state: 'broken'; problem: string } | ({ state: 'ok' } & Pair);

const RECOVER = 'rerun with -e certs_force_renew=true to issue new ones (or restore the files from a backup)';

export async function decidePki(spec: PkiSpec, current: Record<string, string | null>, now: Date): Promise<{ content: Record<string, Content>; why?: string }> {
  const p = pkiPaths(spec.dir);
  const at = (path: string) => current[path] ?? null;

  let ca = readPair(p.caCrt, at(p.caCrt), p.caKey, at(p.caKey));
  const reasons: string[] = [];
  if (ca.state === 'ok') {
    const problem = caProblem(ca);
    if (problem) ca = { state: 'broken', problem: `${p.caCrt}: ${problem}` };
  }
  if (ca.state === 'broken') {
    if (!spec.forceRenew) throw new StateError(`registry CA on the host is unusable: ${ca.problem}`, `${RECOVER}; nodes re-trust a new CA in the same run`);
    reasons.push(`certs_force_renew: ${ca.problem}: new CA`);
  } else if (ca.state === 'absent') {
    reasons.push('no CA yet: new CA');
  } else {
    const left = daysLeft(ca.cert, now);
    if (left <= spec.renewDays) reasons.push(`${expiryWords('CA', left)} (cert_renew_days=${spec.renewDays}): new CA`);
  }
  const keepCa = ca.state === 'ok' && reasons.length === 0;
  const leafWhy = keepCa ? leafReason(spec, p, current, ca as Pair, now) : 'signed by the new CA';
  if (keepCa && !leafWhy) return { content: contents(p, ca as Pair, readPair(p.tlsCrt, at(p.tlsCrt), p.tlsKey, at(p.tlsKey)) as Pair) };
  reasons.push(`registry certificate: ${leafWhy}`);
  // Both keys at once: each takes a thread of the pool.
  const [caKey, leafKey] = await Promise.all([keepCa ? undefined : generateKey(spec.keyType), generateKey(spec.keyType)]);
  const caPair = caKey ? newCa(spec, now, caKey) : (ca as Pair);
  return { content: contents(p, caPair, newLeaf(spec, caPair, now, leafKey)), why: reasons.join('; ') };
}

/** Why the registry certificate must be re-issued under a kept CA, or undefined to keep it. */
function leafReason(spec: PkiSpec, p: ReturnType<typeof pkiPaths>, current: Record<string, string | null>, ca: Pair, now: Date): string | undefined {
  const crt = current[p.tlsCrt] ?? null;
  const key = current[p.tlsKey] ?? null;
  if (crt === null && key === null) return 'none yet: issue';
  if (crt === null || key === null) return `${crt === null ? p.tlsCrt : p.tlsKey} is missing: issue`;
  const leaf = readPair(p.tlsCrt, crt, p.tlsKey, key);
  let problem: string | undefined;
  if (leaf.state === 'broken') problem = leaf.problem;
  else if (leaf.state === 'ok' && !(leaf.cert.checkIssued(ca.cert) && leaf.cert.verify(ca.cert.publicKey))) {
    problem = `${p.tlsCrt} is not signed by ${p.caCrt}`;
  }
  if (problem) {
    if (!spec.forceRenew) throw new StateError(`registry certificate on the host is unusable: ${problem}`, `${RECOVER}; the CA is kept`);
    return `certs_force_renew: ${problem}: re-issue`;
  }
  if (spec.forceRenew) return 'certs_force_renew=true: re-issue';
  const cert = (leaf as Pair).cert;
  const sanChange = sanDifference(cert, desiredDns(spec), spec.ips);
  if (sanChange) return `subjectAltName changes (${sanChange}): re-issue`;
  const type = keyTypeOf(cert.publicKey);
  if (type !== spec.keyType) return `key type ${type ?? 'other'} -> ${spec.keyType}: re-issue`;
  const left = daysLeft(cert, now);
  if (left <= spec.renewDays) return `${expiryWords('it', left)} (cert_renew_days=${spec.renewDays}): renew`;
  return undefined;
}

function readPair(crtPath: string, crtPem: string | null, keyPath: string, keyPem: string | null): Read {
  if (crtPem === null && keyPem === null) return { state: 'absent' };
  if (crtPem === null) return { state: 'broken', problem: `${keyPath} exists but ${crtPath} is missing` };
  if (keyPem === null) return { state: 'broken', problem: `${crtPath} exists but ${keyPath} is missing` };
  let cert: X509Certificate;
  let key: KeyObject;
  try {
    cert = new X509Certificate(crtPem);
  } catch {
    return { state: 'broken', problem: `${crtPath} is not a readable PEM certificate` };
  }
  try {
    key = createPrivateKey(keyPem);
  } catch {
    // Never the key's text or the parser's message (it may quote the input).
    return { state: 'broken', problem: `${keyPath} is not a readable private key` };
  }
  if (!cert.checkPrivateKey(key)) return { state: 'broken', problem: `${keyPath} does not belong to ${crtPath}` };
  return { state: 'ok', crtPem, keyPem, cert, key };
}

function caProblem(ca: Pair): string | undefined {
  if (!ca.cert.ca) return 'is not a CA certificate (basicConstraints CA:FALSE)';
  if (!ca.cert.verify(ca.cert.publicKey)) return 'is not a self-signed CA';
  return undefined;
}

function newCa(spec: PkiSpec, now: Date, k: NewKey): Pair {
  const crtPem = issueCertificate({
    commonName: CA_COMMON_NAME,
    subjectKey: k.key,
    issuer: 'self',
    notBefore: new Date(now.getTime() - BACKDATE),
    notAfter: new Date(now.getTime() + spec.caDays * DAY),
    ca: true,
  });
  return { crtPem, keyPem: k.pem, cert: new X509Certificate(crtPem), key: k.key };
}

function newLeaf(spec: PkiSpec, ca: Pair, now: Date, k: NewKey): Pair {
  const caEnd = new Date(ca.cert.validTo).getTime();
  const crtPem = issueCertificate({
    commonName: spec.registryName,
    subjectKey: k.key,
    issuer: { commonName: CA_COMMON_NAME, key: ca.key, keyId: subjectKeyId(publicKeyDer(ca.cert.publicKey)) },
    notBefore: new Date(now.getTime() - BACKDATE),
    notAfter: new Date(Math.min(now.getTime() + spec.certDays * DAY, caEnd)),
    ca: false,
    dnsNames: desiredDns(spec),
    ips: spec.ips,
  });
  return { crtPem, keyPem: k.pem, cert: new X509Certificate(crtPem), key: k.key };
}

function contents(p: ReturnType<typeof pkiPaths>, ca: Pair, leaf: Pair): Record<string, Content> {
  return {
    [p.caCrt]: ca.crtPem,
    [p.caKey]: new Secret(ca.keyPem, 'ca.key'),
    [p.tlsCrt]: leaf.crtPem,
    [p.tlsKey]: new Secret(leaf.keyPem, 'tls.key'),
  };
}

function desiredDns(spec: PkiSpec): string[] {
  return [...new Set([spec.registryName, ...spec.extraDns])];
}

/** "+DNS:a, -IP:10.0.0.1", or '' when the certificate names exactly the desired set. */
export function sanDifference(cert: X509Certificate, dns: string[], ips: string[]): string {
  const want = new Set([...dns.map((d) => `DNS:${d.toLowerCase()}`), ...ips.map((ip) => `IP:${canonicalIp(ip)}`)]);
  const have = new Set(
    (cert.subjectAltName ?? '')
      .split(', ')
      .filter(Boolean)
      .map((entry) => {
        if (entry.startsWith('DNS:')) return `DNS:${entry.slice(4).toLowerCase()}`;
        if (entry.startsWith('IP Address:')) return `IP:${canonicalIp(entry.slice(11))}`;
        return entry;
      }),
  );
  const added = [...want].filter((x) => !have.has(x)).map((x) => `+${x}`);
  const removed = [...have].filter((x) => !want.has(x)).map((x) => `-${x}`);
  return [...added, ...removed].join(', ');
}

function canonicalIp(ip: string): string {
  try {
    const b = ipToBuffer(ip);
    return b.length === 4 ? [...b].join('.') : (b.toString('hex').match(/..../g) ?? []).map((g) => g.replace(/^0+(?=.)/, '')).join(':');
  } catch {
    return ip;
  }
}

function daysLeft(cert: X509Certificate, now: Date): number {
  return Math.floor((new Date(cert.validTo).getTime() - now.getTime()) / DAY);
}

function expiryWords(what: string, left: number): string {
  return left < 0 ? `${what} expired ${-left} days ago` : `${what} expires in ${left} days`;
}
