// Issuing X.509 certificates. node-forge encodes the DER; Node's crypto generates the keys and
// signs, so RSA and ECDSA P-256 take the same path (forge alone cannot sign with EC keys).
import { createHash, createPublicKey, generateKeyPair, randomBytes, sign, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { isIP } from 'node:net';
import forge from 'node-forge';

const { asn1 } = forge;
const U = asn1.Class.UNIVERSAL;
const C = asn1.Class.CONTEXT_SPECIFIC;
const T = asn1.Type;

export type KeyType = 'rsa4096' | 'ecdsa-p256';

export interface NewKey {
  /** PKCS#8 PEM. */
  pem: string;
  key: KeyObject;
}

const newKeyPair = promisify(generateKeyPair);

/** In libuv's thread pool: an RSA-4096 key takes seconds of CPU, which must not stop the other hosts' work. */
export async function generateKey(type: KeyType): Promise<NewKey> {
  const { privateKey } = type === 'rsa4096' ? await newKeyPair('rsa', { modulusLength: 4096 }) : await newKeyPair('ec', { namedCurve: 'prime256v1' });
  return { pem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, key: privateKey };
}

export function keyTypeOf(key: KeyObject): KeyType | undefined {
  if (key.asymmetricKeyType === 'rsa' && key.asymmetricKeyDetails?.modulusLength === 4096) return 'rsa4096';
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return 'ecdsa-p256';
  return undefined;
}

export interface CertRequest {
  commonName: string;
  /** The subject's key (its public half goes into the certificate). */
  subjectKey: KeyObject;
  issuer: { commonName: string; key: KeyObject; keyId?: Buffer } | 'self';
  notBefore: Date;
  notAfter: Date;
  ca: boolean;
  dnsNames?: string[];
  ips?: string[];
}

/** A signed certificate as PEM. */
export function issueCertificate(req: CertRequest): string {
  const spkiDer = publicKeyDer(req.subjectKey);
  const spki = parseDer(spkiDer);
  const keyId = subjectKeyId(spkiDer);
  const signer = req.issuer === 'self' ? { commonName: req.commonName, key: req.subjectKey, keyId } : req.issuer;
  const sigAlg = signatureAlgorithm(signer.key);

  const extensions = [
    extension('2.5.29.19', true, seq(req.ca ? [bool(true), int(0)] : [])),
    extension('2.5.29.15', true, keyUsage(req.ca, req.subjectKey.asymmetricKeyType === 'rsa')),
    extension('2.5.29.14', false, octets(keyId)),
  ];
  if (signer.keyId && req.issuer !== 'self') {
    extensions.push(extension('2.5.29.35', false, seq([asn1.create(C, 0, false, signer.keyId.toString('binary'))])));
  }
  if (!req.ca) {
    extensions.push(extension('2.5.29.37', false, seq([oid('1.3.6.1.5.5.7.3.1')])));
    const names = [
      ...(req.dnsNames ?? []).map((n) => asn1.create(C, 2, false, n)),
      ...(req.ips ?? []).map((ip) => asn1.create(C, 7, false, ipBytes(ip))),
    ];
    extensions.push(extension('2.5.29.17', false, seq(names)));
  }

  const tbs = seq([
    asn1.create(C, 0, true, [int(2)]),
    asn1.create(U, T.INTEGER, false, serialNumber()),
    sigAlg,
    name(signer.commonName),
    seq([time(req.notBefore), time(req.notAfter)]),
    name(req.commonName),
    spki,
    asn1.create(C, 3, true, [seq(extensions)]),
  ]);
  const tbsDer = Buffer.from(asn1.toDer(tbs).getBytes(), 'binary');
  const signature = sign('sha256', tbsDer, signer.key);
  const cert = seq([tbs, sigAlg, asn1.create(U, T.BITSTRING, false, '\x00' + signature.toString('binary'))]);
  const b64 = Buffer.from(asn1.toDer(cert).getBytes(), 'binary').toString('base64');
  // LF line endings like openssl's (forge.pem.encode writes CRLF).
  return `-----BEGIN CERTIFICATE-----\n${b64.match(/.{1,64}/g)!.join('\n')}\n-----END CERTIFICATE-----\n`;
}

/** RFC 5280 4.2.1.2 method 1: SHA-1 of the subjectPublicKey bits. */
export function subjectKeyId(spkiDer: Buffer): Buffer {
  const spki = parseDer(spkiDer);
  const bits = (spki.value as forge.asn1.Asn1[])[1]!.value as string;
  return createHash('sha1').update(Buffer.from(bits.slice(1), 'binary')).digest();
}

export function publicKeyDer(key: KeyObject): Buffer {
  return (key.type === 'public' ? key : createPublicKey(key)).export({ type: 'spki', format: 'der' });
}

function signatureAlgorithm(key: KeyObject): forge.asn1.Asn1 {
  return key.asymmetricKeyType === 'ec'
    ? seq([oid('1.2.840.10045.4.3.2')])
    : seq([oid('1.2.840.113549.1.1.11'), asn1.create(U, T.NULL, false, '')]);
}

function keyUsage(ca: boolean, rsa: boolean): forge.asn1.Asn1 {
  // Bit 0 digitalSignature, 2 keyEncipherment, 5 keyCertSign, 6 cRLSign (first bit is the MSB).
  if (ca) return asn1.create(U, T.BITSTRING, false, '\x01' + String.fromCharCode(0b00000110));
  return asn1.create(U, T.BITSTRING, false, rsa ? '\x05' + String.fromCharCode(0b10100000) : '\x07' + String.fromCharCode(0b10000000));
}

function extension(id: string, critical: boolean, value: forge.asn1.Asn1): forge.asn1.Asn1 {
  return seq([oid(id), ...(critical ? [bool(true)] : []), octets(Buffer.from(asn1.toDer(value).getBytes(), 'binary'))]);
}

function name(commonName: string): forge.asn1.Asn1 {
  return seq([asn1.create(U, T.SET, true, [seq([oid('2.5.4.3'), asn1.create(U, T.UTF8, false, forge.util.encodeUtf8(commonName))])])]);
}

function time(d: Date): forge.asn1.Asn1 {
  return d.getUTCFullYear() < 2050
    ? asn1.create(U, T.UTCTIME, false, asn1.dateToUtcTime(d))
    : asn1.create(U, T.GENERALIZEDTIME, false, asn1.dateToGeneralizedTime(d));
}

function serialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0]! & 0x7f) | 0x40; // positive, and no leading zero byte to strip
  return bytes.toString('binary');
}

function ipBytes(ip: string): string {
  return ipToBuffer(ip).toString('binary');
}

/** 4 or 16 bytes; throws on anything that is not an IP address. */
export function ipToBuffer(ip: string): Buffer {
  const family = isIP(ip);
  if (family === 4) return Buffer.from(ip.split('.').map(Number));
  if (family !== 6) throw new Error(`not an IP address: ${ip}`);
  let text = ip;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const b = ipToBuffer(v4[1]!);
    text = text.slice(0, -v4[1]!.length) + `${b.readUInt16BE(0).toString(16)}:${b.readUInt16BE(2).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  return out;
}

/** Bit strings stay opaque bytes (forge would otherwise try to parse an RSA key inside them). */
function parseDer(der: Buffer): forge.asn1.Asn1 {
  const fromDer = asn1.fromDer as unknown as (b: forge.util.ByteStringBuffer, o: object) => forge.asn1.Asn1;
  return fromDer(forge.util.createBuffer(der.toString('binary')), { strict: true, parseAllBytes: true, decodeBitStrings: false });
}

const seq = (items: forge.asn1.Asn1[]) => asn1.create(U, T.SEQUENCE, true, items);
const oid = (id: string) => asn1.create(U, T.OID, false, asn1.oidToDer(id).getBytes());
const bool = (v: boolean) => asn1.create(U, T.BOOLEAN, false, v ? '\xff' : '\x00');
const int = (n: number) => asn1.create(U, T.INTEGER, false, asn1.integerToDer(n).getBytes());
const octets = (b: Buffer) => asn1.create(U, T.OCTETSTRING, false, b.toString('binary'));
