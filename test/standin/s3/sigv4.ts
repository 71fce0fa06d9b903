// AWS Signature Version 4 (header form), checked the way S3 checks it: the canonical request from the
// request as received, the string to sign, the signing key from the secret key. Only what an
// Authorization header carries is accepted (no anonymous requests, no pre-signed URLs, no v2).
import { createHash, createHmac } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

export interface Credentials {
  accessKey: string;
  secretKey: string;
  region: string;
}

export type SigResult = { ok: true } | { ok: false; status: number; code: string; message: string };

const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data, 'utf8').digest();
export const sha256Hex = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

/** RFC 3986 encoding as SigV4 wants it (unreserved characters kept). */
export function uriEncode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** The query string in canonical form: each name and value decoded, re-encoded, sorted. */
export function canonicalQuery(rawQuery: string): string {
  if (!rawQuery) return '';
  return rawQuery
    .split('&')
    .filter(Boolean)
    .map((pair) => {
      const i = pair.indexOf('=');
      const [k, v] = i < 0 ? [pair, ''] : [pair.slice(0, i), pair.slice(i + 1)];
      const dec = (x: string) => decodeURIComponent(x.replace(/\+/g, '%20'));
      return [uriEncode(dec(k)), uriEncode(dec(v))] as const;
    })
    .sort(([a, x], [b, y]) => (a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

const AUTH = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/s3\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/;

/** Whether the request is signed with `creds`; the body's hash is checked by the caller against x-amz-content-sha256. */
export function verify(method: string, rawPath: string, rawQuery: string, headers: IncomingHttpHeaders, creds: Credentials, now = new Date()): SigResult {
  const auth = headers.authorization;
  if (!auth) return { ok: false, status: 403, code: 'AccessDenied', message: 'Access Denied (the S3 stand-in accepts only SigV4-signed requests)' };
  const m = AUTH.exec(auth);
  if (!m) return { ok: false, status: 400, code: 'AuthorizationHeaderMalformed', message: 'The authorization header is malformed (SigV4 with AWS4-HMAC-SHA256 expected)' };
  const [, accessKey, day, region, signedHeaders, signature] = m as unknown as [string, string, string, string, string, string];
  if (accessKey !== creds.accessKey) return { ok: false, status: 403, code: 'InvalidAccessKeyId', message: 'The AWS Access Key Id you provided does not exist in our records.' };
  if (region !== creds.region) return { ok: false, status: 400, code: 'AuthorizationHeaderMalformed', message: `the region '${region}' is wrong; expecting '${creds.region}'` };
  const amzDate = String(headers['x-amz-date'] ?? '');
  const when = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate);
  if (!when || !amzDate.startsWith(day)) return { ok: false, status: 403, code: 'AccessDenied', message: 'x-amz-date is missing or does not match the credential scope' };
  const t = Date.UTC(+when[1]!, +when[2]! - 1, +when[3]!, +when[4]!, +when[5]!, +when[6]!);
  if (Math.abs(now.getTime() - t) > 15 * 60 * 1000) return { ok: false, status: 403, code: 'RequestTimeTooSkewed', message: 'The difference between the request time and the current time is too large.' };
  const payloadHash = headers['x-amz-content-sha256'];
  if (typeof payloadHash !== 'string') return { ok: false, status: 400, code: 'InvalidRequest', message: 'Missing required header for this request: x-amz-content-sha256' };
  const names = signedHeaders.split(';');
  if (!names.includes('host')) return { ok: false, status: 403, code: 'AccessDenied', message: 'the host header must be signed' };
  const canonicalHeaders = names.map((n) => `${n}:${String(headers[n] ?? '').trim().replace(/\s+/g, ' ')}\n`).join('');
  const canonicalRequest = [method, rawPath, canonicalQuery(rawQuery), canonicalHeaders, signedHeaders, payloadHash].join('\n');
  const scope = `${day}/${region}/s3/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256Hex(canonicalRequest)].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${creds.secretKey}`, day), region), 's3'), 'aws4_request');
  const expected = hmac(key, stringToSign).toString('hex');
  if (expected !== signature) return { ok: false, status: 403, code: 'SignatureDoesNotMatch', message: 'The request signature we calculated does not match the signature you provided. Check your key and signing method.' };
  return { ok: true };
}
